using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// A secondary zone whose primary has been unreachable since the first start, with no stored copy: queries, SOA, AXFR
/// and IXFR get SERVFAIL with Extended DNS Error 24 (Invalid Data), and AXFR over UDP NOTIMP, as Knot 3.2 answers
/// (<see cref="UntransferredSecondaryAgreementTests"/> asks Knot the same questions). Names outside it stay REFUSED.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class UntransferredSecondaryTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private readonly DeadPrimary _primary = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RunningServer.StartAsync(_zones.Directory, "--Transfers:Secondary:Zones:0:Name=dead.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{_primary.Port}", "--Transfers:Secondary:BootstrapRetrySeconds=3600",
            "--Transfers:Secondary:TimeoutSeconds=5");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _primary.Dispose();
        _zones.Dispose();
    }

    [Fact]
    public async Task A_zone_never_transferred_answers_servfail_with_invalid_data_for_queries_and_transfers()
    {
        var service = _server.Services.GetRequiredService<SecondaryService>();
        Assert.NotNull(await service.RefreshNowAsync(service.Find("dead.test")!));

        var a = await _server.UdpAsync(TestQuery.Build("www.dead.test", RecordType.A));
        Assert.Equal(ResponseCode.ServFail, a.ResponseCode);
        Assert.Equal(24, a.ExtendedError?.InfoCode);
        Assert.False(a.AA);
        Assert.Equal("www.dead.test.", a.QuestionName);
        Assert.Empty(a.Answer);

        var soa = await _server.UdpAsync(TestQuery.Build("dead.test", RecordType.SOA, ednsSize: null));
        Assert.Equal(ResponseCode.ServFail, soa.ResponseCode);
        Assert.False(soa.HasOpt);

        var transfers = await _server.TcpAsync(TestQuery.Build("dead.test", RecordType.AXFR), TestQuery.Build("dead.test", RecordType.IXFR, id: 7));
        Assert.All(transfers, t => Assert.Equal(ResponseCode.ServFail, t.ResponseCode));
        Assert.All(transfers, t => Assert.Equal(24, t.ExtendedError?.InfoCode));

        Assert.Equal(ResponseCode.NotImp, (await _server.UdpAsync(TestQuery.Build("dead.test", RecordType.AXFR))).ResponseCode);
        var outside = await _server.UdpAsync(TestQuery.Build("www.alive.test", RecordType.A));
        Assert.Equal(ResponseCode.Refused, outside.ResponseCode);
    }

    [Fact]
    public async Task Explain_says_servfail_and_why_for_a_zone_never_transferred()
    {
        var explain = await DnsTool.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "explain", "www.dead.test", "A", "--client", "192.0.2.99",
            "--zones", _zones.Directory, "--data", Path.Combine(_zones.Directory, "explain", "api.db"), "--Transfers:Secondary:Zones:0:Name=dead.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{_primary.Port}"], timeoutMs: 60000);
        Assert.True(explain.ExitCode == 0, explain.All);
        Assert.Contains("SERVFAIL", explain.Output);
        Assert.Contains($"zone dead.test. is a secondary of 127.0.0.1:{_primary.Port} with no copy yet", explain.Output);
    }
}

/// <summary>The same questions to Knot 3.2 as a secondary of the same dead primary, and to DnsHost: the same rcode and Extended DNS Error.</summary>
[Trait("Kind", "Interop")]
public sealed class UntransferredSecondaryAgreementTests
{
    [Fact]
    public async Task DnsHost_answers_a_zone_never_transferred_as_knot_does()
    {
        using var zones = new TestZones();
        using var primary = new DeadPrimary();
        await using var knot = await KnotPeer.StartSecondaryAsync(["dead.test"], new IPEndPoint(IPAddress.Loopback, primary.Port),
            TransferAgreementTests.Key, waitForZones: false);
        await using var server = await RunningServer.StartAsync(zones.Directory, "--Transfers:Secondary:Zones:0:Name=dead.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{primary.Port}", "--Transfers:Secondary:BootstrapRetrySeconds=3600");
        (string Name, RecordType Type, bool Tcp, int? Edns)[] questions =
        [
            ("www.dead.test", RecordType.A, false, 1232),
            ("dead.test", RecordType.SOA, false, null),
            ("dead.test", RecordType.SOA, true, 1232),
            ("dead.test", RecordType.AXFR, true, 1232),
            ("dead.test", RecordType.IXFR, true, null),
            ("dead.test", RecordType.AXFR, false, 1232),
        ];
        foreach (var (name, type, tcp, edns) in questions)
        {
            var query = TestQuery.Build(name, type, ednsSize: edns);
            var ours = await AskAsync(server.EndPoint, query, tcp);
            var theirs = await AskAsync(knot.EndPoint, query, tcp);
            string what = $"{name} {type} over {(tcp ? "TCP" : "UDP")}";
            Assert.True(theirs.ResponseCode == ours.ResponseCode, $"{what}: Knot {theirs.ResponseCode}, DnsHost {ours.ResponseCode}");
            Assert.True(theirs.ExtendedError?.InfoCode == ours.ExtendedError?.InfoCode, $"{what}: Knot EDE {theirs.ExtendedError}, DnsHost EDE {ours.ExtendedError}");
            Assert.Equal(theirs.AA, ours.AA);
        }
    }

    private static async Task<TestResponse> AskAsync(IPEndPoint server, byte[] query, bool tcp)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        if (tcp)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server, cts.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(new[] { (byte)(query.Length >> 8), (byte)query.Length }, cts.Token);
            await stream.WriteAsync(query, cts.Token);
            return TestResponse.Parse(await RunningServer.ReadMessage(stream, cts.Token));
        }
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(server);
        await udp.SendAsync(query, cts.Token);
        return TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
    }
}

/// <summary>A loopback port held by a TCP socket that never listens: connections to it are refused, and no one else can take it.</summary>
public sealed class DeadPrimary : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public DeadPrimary() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}
