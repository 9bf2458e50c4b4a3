using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// A zone with Route 53 routing or alias record sets: a secondary cannot run the policies, so a transfer
/// is refused with a reason (Extended DNS Error 18, Prohibited) unless <c>Transfers:RoutedZones</c> asks
/// for the plain records only.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class RoutedZoneTransferTests : IDisposable
{
    private readonly TestZones _zones = new();

    public RoutedZoneTransferTests() => File.Copy(Path.Combine(TestZones.SampleZones, "shop.test.json"), Path.Combine(_zones.Directory, "shop.test.json"));

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task A_transfer_of_a_routed_zone_is_refused_with_prohibited()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory);
        var response = (await server.TcpAsync(TestQuery.Build("shop.test", RecordType.AXFR))).Single();
        Assert.Equal(ResponseCode.Refused, response.ResponseCode);
        Assert.Empty(response.Answer);
        Assert.Equal(18, response.ExtendedError?.InfoCode);
    }

    [Fact]
    public async Task With_plain_records_only_the_transfer_carries_the_plain_sets_and_no_routed_ones()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Transfers:RoutedZones=PlainRecordsOnly");
        var result = await DnsTool.KdigAsync(server.EndPoint, null, "shop.test", "AXFR");
        Assert.Equal(0, result.ExitCode);
        var records = result.Records;
        Assert.Contains(records, r => r.Contains("\tSOA\t") || r.Contains(" SOA "));
        // The plain set is there; the weighted one (api) answers per client on DnsHost only and is left out.
        Assert.Contains(records, r => r.StartsWith("www.shop.test.") && r.EndsWith("192.0.2.10"));
        var routed = await server.UdpAsync(TestQuery.Build("api.shop.test", RecordType.A));
        Assert.NotEmpty(routed.Answer);
        Assert.DoesNotContain(records, r => r.StartsWith("api.shop.test."));
    }
}
