using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Server;

/// <summary>
/// A malformed EDNS Client Subnet or COOKIE option is FORMERR *with* an OPT record (RFC 7871 7.1.1,
/// RFC 7873 5.2.2), the question echoed, as Knot DNS (with its cookies module) answers the same bytes.
/// Before issue 16 DnsHost answered these without an OPT record.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class MalformedOptionTests : IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;
    private PeerProcess _knot = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory);
        _knot = await KnotServer.StartAsync([("example.test.", Path.Combine(_zones.Directory, "example.test.zone"))],
            modules: "mod-cookies:\n  - id: default\n");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _knot.DisposeAsync();
        _zones.Dispose();
    }

    private static byte[] Option(ushort code, byte[] data) => [(byte)(code >> 8), (byte)code, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    public static TheoryData<string, byte[]> MalformedCookies => new()
    {
        // RFC 7873 5.2.2: a client cookie alone is 8 bytes; with a server cookie 16 to 40.
        { "5 bytes", Option(EdnsOption.Cookie, [1, 2, 3, 4, 5]) },
        { "12 bytes: a client cookie and half a server cookie", Option(EdnsOption.Cookie, new byte[12]) },
        { "41 bytes", Option(EdnsOption.Cookie, new byte[41]) },
    };

    [Theory]
    [MemberData(nameof(MalformedCookies))]
    public async Task A_malformed_cookie_is_formerr_with_an_opt_record_as_knot_answers(string why, byte[] option)
    {
        var query = TestQuery.Build("www.example.test", RecordType.A, ednsOptions: option);
        var ours = await _server.UdpAsync(query);
        var knots = TestResponse.Parse(await Udp(_knot.EndPoint, query));
        foreach (var (server, response) in new[] { ("DnsHost", ours), ("Knot", knots) })
        {
            Assert.True(response.ResponseCode == ResponseCode.FormErr, $"{server}, {why}: {response.ResponseCode}");
            Assert.True(response.HasOpt, $"{server}, {why}: no OPT record");
            Assert.Empty(response.OptData); // no cookie (nor anything else) echoed
            Assert.Equal("www.example.test.", response.QuestionName);
            Assert.Empty(response.Answer);
        }
    }

    public static TheoryData<string, byte[]> MalformedClientSubnets => new()
    {
        // FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS (RFC 7871 6)
        { "family 3", Option(EdnsOption.ClientSubnet, [0, 3, 0, 0]) },
        { "IPv4 /33", Option(EdnsOption.ClientSubnet, [0, 1, 33, 0, 192, 0, 2, 1, 0]) },
        { "/24 with four address bytes", Option(EdnsOption.ClientSubnet, [0, 1, 24, 0, 192, 0, 2, 1]) },
        { "bits set past the prefix", Option(EdnsOption.ClientSubnet, [0, 1, 23, 0, 192, 0, 3]) },
        { "three bytes", Option(EdnsOption.ClientSubnet, [0, 1, 0]) },
    };

    /// <summary>Knot without a module that reads ECS ignores the option, so only DnsHost is asked here.</summary>
    [Theory]
    [MemberData(nameof(MalformedClientSubnets))]
    public async Task A_malformed_client_subnet_is_formerr_with_an_opt_record(string why, byte[] option)
    {
        foreach (bool tcp in new[] { false, true })
        {
            var query = TestQuery.Build("www.example.test", RecordType.A, ednsOptions: option, dnssecOk: true);
            var response = tcp ? (await _server.TcpAsync(query))[0] : await _server.UdpAsync(query);
            Assert.True(response.ResponseCode == ResponseCode.FormErr, $"{why}: {response.ResponseCode}");
            Assert.True(response.HasOpt, $"{why}: no OPT record");
            Assert.Null(response.ClientSubnet);
            Assert.Equal(EdnsInfo.DoBit, response.OptFlags); // RFC 3225 3: DO copied
        }
    }

    [Fact]
    public async Task A_good_option_beside_a_bad_one_is_not_echoed_in_the_formerr()
    {
        byte[] options = [.. Option(EdnsOption.ClientSubnet, [0, 1, 24, 0, 192, 0, 2]), .. Option(EdnsOption.Cookie, [1, 2, 3])];
        var response = await _server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A, ednsOptions: options));
        Assert.Equal(ResponseCode.FormErr, response.ResponseCode);
        Assert.True(response.HasOpt);
        Assert.Empty(response.OptData);
    }

    [Fact]
    public async Task Two_opt_records_are_still_formerr_without_edns()
    {
        // RFC 6891 6.1.1: more than one OPT is FORMERR, and which OPT to answer with is unknown.
        var single = TestQuery.Build("www.example.test", RecordType.A);
        byte[] opt = single[^11..];
        byte[] query = [.. single, .. opt];
        query[11] = 2; // ARCOUNT
        var response = await _server.UdpAsync(query);
        Assert.Equal(ResponseCode.FormErr, response.ResponseCode);
        Assert.False(response.HasOpt);
    }

    private static async Task<byte[]> Udp(IPEndPoint server, byte[] query)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(server);
        await udp.SendAsync(query);
        using var cts = new CancellationTokenSource(3000);
        return (await udp.ReceiveAsync(cts.Token)).Buffer;
    }
}
