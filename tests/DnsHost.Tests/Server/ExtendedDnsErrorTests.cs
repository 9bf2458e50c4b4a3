using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>
/// Extended DNS Errors (RFC 8914) over the wire, where Knot DNS 3.2 sends them in authoritative mode:
/// only INFO-CODE 20 (Not Authoritative) on a REFUSED for a name outside the zones, and only when the
/// query had EDNS. Knot adds none to FORMERR, NOTIMP, NOTAUTH (NOTIFY, UPDATE, refused transfers),
/// BADVERS, or REFUSED for a class it does not serve.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class ExtendedDnsErrorTests : IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(_zones.Directory);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    [Fact]
    public async Task Refused_outside_our_zones_says_not_authoritative_over_udp_and_tcp()
    {
        var query = TestQuery.Build("www.example.org", RecordType.A);
        var udp = await _server.UdpAsync(query);
        var tcp = Assert.Single(await _server.TcpAsync(query));
        foreach (var response in new[] { udp, tcp })
        {
            Assert.Equal(ResponseCode.Refused, response.ResponseCode);
            Assert.Equal((20, ""), response.ExtendedError);
        }
    }

    [Fact]
    public async Task Without_edns_there_is_no_opt_and_so_no_extended_error()
    {
        var response = await _server.UdpAsync(TestQuery.Build("www.example.org", RecordType.A, ednsSize: null));
        Assert.Equal(ResponseCode.Refused, response.ResponseCode);
        Assert.False(response.HasOpt);
    }

    [Fact]
    public async Task Answers_and_other_errors_carry_no_extended_error()
    {
        var queries = new[]
        {
            TestQuery.Build("www.example.test", RecordType.A),
            TestQuery.Build("nope.example.test", RecordType.A),
            TestQuery.Build("example.test", RecordType.SOA, opcode: 4),
            TestQuery.Build("example.test", (ushort)0),
            TestQuery.Build("example.test", RecordType.A, cls: 3),
            TestQuery.Build("example.test", RecordType.A, ednsVersion: 1),
        };
        foreach (var query in queries)
        {
            var response = await _server.UdpAsync(query);
            Assert.True(response.HasOpt);
            Assert.Null(response.ExtendedError);
        }
    }

    [Fact]
    public void The_option_encodes_info_code_and_extra_text()
    {
        Span<byte> buffer = stackalloc byte[16];
        Assert.True(ExtendedDnsError.TryWrite(buffer, ExtendedDnsError.NotAuthoritative, "no"u8, out int written));
        Assert.Equal(new byte[] { 0, 15, 0, 4, 0, 20, (byte)'n', (byte)'o' }, buffer[..written].ToArray());
        Assert.False(ExtendedDnsError.TryWrite(buffer[..5], 20, default, out written));
        Assert.Equal(0, written);
    }
}
