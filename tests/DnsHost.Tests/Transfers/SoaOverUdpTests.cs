using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// The SOA check of a refresh goes over UDP first, as Knot and BIND ask (RFC 1034 4.3.5, RFC 1035 4.2): an up-to-date
/// zone costs no TCP connection; a truncated answer (TC) or no answer sends the SOA query over TCP, whose answer decides.
/// A scripted primary on loopback counts what it gets over each transport; Knot's counters are checked in
/// <see cref="PrimaryInteropTests"/>.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class SoaOverUdpTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private ScriptedPrimary _primary = null!;
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _primary = new ScriptedPrimary();
        _server = await RunningServer.StartAsync(_zones.Directory, "--Transfers:Secondary:Zones:0:Name=f.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1:{_primary.Port}", "--Transfers:Secondary:BootstrapRetrySeconds=3600");
        // The first copy (no copy yet: SOA and AXFR over TCP), taken by the test rather than the start's own refresh.
        Assert.Null(await Refresh());
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _primary.Dispose();
        _zones.Dispose();
    }

    private async Task<string?> Refresh()
    {
        var service = _server.Services.GetRequiredService<SecondaryService>();
        return await service.RefreshNowAsync(service.Find("f.test")!);
    }

    private async Task<List<string>> Addresses()
    {
        var response = await _server.UdpAsync(TestQuery.Build("www.f.test", RecordType.A));
        return response.Answer.Select(a => a.Data).Order().ToList();
    }

    [Fact]
    public async Task An_up_to_date_zone_is_checked_with_one_udp_query_and_no_tcp()
    {
        int udp = _primary.UdpRequests, tcpSoa = _primary.Requests(RecordType.SOA);
        Assert.Null(await Refresh());
        Assert.Equal(udp + 1, _primary.UdpRequests);
        Assert.Equal(tcpSoa, _primary.Requests(RecordType.SOA));

        // Newer over UDP: the transfer (AXFR here: IXFR is refused) goes over TCP without asking the SOA there again.
        _primary.Serial = 2;
        Assert.Null(await Refresh());
        Assert.Equal(udp + 2, _primary.UdpRequests);
        Assert.Equal(tcpSoa, _primary.Requests(RecordType.SOA));
        Assert.Equal(["192.0.2.10", "192.0.2.11"], await Addresses());
    }

    [Theory]
    [InlineData(ScriptedPrimary.UdpMode.Truncate)]
    [InlineData(ScriptedPrimary.UdpMode.Silent)]
    public async Task A_truncated_or_missing_udp_answer_sends_the_soa_query_over_tcp(ScriptedPrimary.UdpMode mode)
    {
        _primary.Udp = mode;
        int udp = _primary.UdpRequests, tcpSoa = _primary.Requests(RecordType.SOA);
        _primary.Serial = 2;
        Assert.Null(await Refresh());
        Assert.Equal(udp + 1, _primary.UdpRequests);
        Assert.Equal(tcpSoa + 1, _primary.Requests(RecordType.SOA));
        Assert.Equal(["192.0.2.10", "192.0.2.11"], await Addresses());
    }
}
