using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>The real host on a loopback port, queried over the wire by DnsClient and by hand-made packets.</summary>
[Trait("Kind", "Integration")]
public sealed class ServerIntegrationTests : IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(_zones.Directory);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private LookupClient Client(bool tcp = false) => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, _server.Port))
    {
        UseCache = false,
        Recursion = false,
        UseTcpOnly = tcp,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(3),
        ContinueOnDnsError = true,
        ThrowDnsErrors = false,
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Answers_the_sample_zone_over_udp_and_tcp(bool tcp)
    {
        var result = await Client(tcp).QueryAsync("www.example.test", QueryType.A);
        Assert.False(result.HasError, result.ErrorMessage);
        Assert.True(result.Header.HasAuthorityAnswer);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], result.Answers.ARecords().Select(a => a.Address.ToString()).Order());
    }

    [Fact]
    public async Task Nxdomain_over_the_wire_has_the_soa()
    {
        var result = await Client().QueryAsync("nope.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, result.Header.ResponseCode);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(result.Authorities));
        Assert.Equal(300, soa.InitialTimeToLive);
    }

    [Fact]
    public async Task Mx_answer_includes_the_mail_host_addresses()
    {
        var result = await Client().QueryAsync("example.test", QueryType.MX);
        Assert.Equal(2, result.Answers.MxRecords().Count());
        Assert.Contains(result.Additionals.ARecords(), a => a.DomainName.Value == "mail.example.test." && a.Address.ToString() == "192.0.2.25");
    }

    [Fact]
    public async Task Referral_for_the_delegated_child()
    {
        var result = await Client().QueryAsync("host.dev.example.test", QueryType.A);
        Assert.False(result.Header.HasAuthorityAnswer);
        Assert.Empty(result.Answers);
        Assert.Equal(2, result.Authorities.NsRecords().Count());
        Assert.Contains(result.Additionals.ARecords(), a => a.Address.ToString() == "192.0.2.153");
    }

    [Fact]
    public async Task Tcp_connection_answers_several_pipelined_queries_in_order()
    {
        var queries = Enumerable.Range(0, 5).Select(i => TestQuery.Build(i % 2 == 0 ? "www.example.test" : "mail.example.test", RecordType.A, id: (ushort)(100 + i))).ToArray();
        var responses = await _server.TcpAsync(queries);
        Assert.Equal([100, 101, 102, 103, 104], responses.Select(r => (int)r.Id));
        Assert.All(responses, r => Assert.Equal(ResponseCode.NoError, r.ResponseCode));
        Assert.Equal("192.0.2.25", responses[1].Answer[0].Data);
    }

    [Fact]
    public async Task Axfr_over_tcp_from_loopback_transfers_the_zone()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.EndPoint);
        var stream = client.GetStream();
        var query = TestQuery.Build("example.test", RecordType.AXFR, ednsSize: null);
        await stream.WriteAsync(new[] { (byte)(query.Length >> 8), (byte)query.Length });
        await stream.WriteAsync(query);
        var records = new List<TestRecord>();
        using var cts = new CancellationTokenSource(5000);
        while (records.Count(r => r.Type == "SOA") < 2)
        {
            var message = TestResponse.Parse(await RunningServer.ReadMessage(stream, cts.Token));
            Assert.Equal(ResponseCode.NoError, message.ResponseCode);
            records.AddRange(message.Answer);
        }
        Assert.Equal("SOA", records[0].Type);
        Assert.Equal("SOA", records[^1].Type);
        var zoneFile = File.ReadAllText(Path.Combine(_zones.Directory, "example.test.zone"));
        Assert.Equal(38 + 1, records.Count); // every record once, the SOA twice
        Assert.Contains(records, r => r.Name == "*.apps.example.test." && r.Type == "TXT");
    }

    [Fact]
    public async Task Idle_tcp_connection_is_closed_after_the_timeout()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:TcpIdleTimeoutSeconds=1");
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(5000);
        int read = await client.GetStream().ReadAsync(buffer, cts.Token);
        Assert.Equal(0, read); // the server closed it: read returns end of stream well before our 5 s guard
    }

    [Fact]
    public async Task A_silent_tcp_client_does_not_block_other_clients()
    {
        using var silent = new TcpClient();
        await silent.ConnectAsync(_server.EndPoint);
        await silent.GetStream().WriteAsync(new byte[] { 0, 40, 1, 2 }); // announces 40 bytes, sends 2
        var result = await Client(tcp: true).QueryAsync("www.example.test", QueryType.A);
        Assert.False(result.HasError);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_close_the_idlest_and_others_still_served()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:MaxTcpConnections=2");
        var held = new List<TcpClient>();
        for (int i = 0; i < 2; i++)
        {
            var c = new TcpClient();
            await c.ConnectAsync(server.EndPoint);
            held.Add(c);
        }
        // RFC 7766 6.2.3: the newcomer is served; the idlest held connection (the first) is closed for it.
        var responses = await server.TcpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, responses[0].ResponseCode);
        using var cts = new CancellationTokenSource(5000);
        int read = await held[0].GetStream().ReadAsync(new byte[4], cts.Token);
        Assert.Equal(0, read);
        foreach (var c in held)
            c.Dispose();
        var udp = await server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, udp.ResponseCode);
    }

    [Fact]
    public async Task Changed_zone_file_is_reloaded_without_dropping_the_zone()
    {
        var path = Path.Combine(_zones.Directory, "example.test.zone");
        var text = File.ReadAllText(path).Replace("2026112501 ; serial", "2026112502 ; serial") + "new IN A 192.0.2.200\n";
        File.WriteAllText(path, text);
        TestResponse? response = null;
        for (int i = 0; i < 50; i++)
        {
            response = await _server.UdpAsync(TestQuery.Build("new.example.test", RecordType.A));
            if (response.ResponseCode == ResponseCode.NoError)
                break;
            await Task.Delay(100);
        }
        Assert.Equal("192.0.2.200", Assert.Single(response!.Answer).Data);
    }

    [Fact]
    public async Task Broken_zone_file_on_reload_keeps_the_last_good_zone()
    {
        var path = Path.Combine(_zones.Directory, "example.test.zone");
        File.AppendAllText(path, "broken IN MX not-a-number\n");
        await Task.Delay(1000);
        var response = await _server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(2, response.Answer.Count);
    }

    [Fact]
    public async Task Axfr_from_a_client_outside_the_access_list_is_refused()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:TransferAllow:0=192.0.2.0/24");
        var responses = await server.TcpAsync(TestQuery.Build("example.test", RecordType.AXFR, ednsSize: null));
        Assert.Equal(ResponseCode.Refused, responses[0].ResponseCode);
        Assert.Empty(responses[0].Answer);
    }

    [Fact]
    public async Task Listens_on_ipv6_loopback_too()
    {
        var command = DnsHost.CommandLine.Parse(["serve", "--zones", _zones.Directory, "--address", "::1", "--port", "0", "--api", "[::1]:0", "--data", Path.Combine(_zones.Directory, "api.db"), "--Logging:LogLevel:Default=Warning"]);
        using var host = DnsHost.ServeCommand.Build(command);
        await host.StartAsync();
        try
        {
            int port = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<DnsHost.Server.DnsListeners>(host.Services).Port;
            using var udp = new UdpClient(AddressFamily.InterNetworkV6);
            udp.Connect(IPAddress.IPv6Loopback, port);
            await udp.SendAsync(TestQuery.Build("www.example.test", RecordType.A));
            using var cts = new CancellationTokenSource(3000);
            var response = TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
            Assert.Equal(2, response.Answer.Count);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("--Dns:UdpBatchSize=32")]
    [InlineData("--Dns:UdpBatchSize=1")]
    [InlineData("--Dns:UdpBlockingThreads=false")]
    public async Task Every_udp_receive_loop_answers_concurrent_clients(string setting)
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, setting);
        var names = new[] { "www.example.test", "mail.example.test", "nope.example.test", "x.apps.example.test" };
        var tasks = Enumerable.Range(0, 200).Select(i => server.UdpAsync(TestQuery.Build(names[i % 4], RecordType.A, id: (ushort)i))).ToArray();
        var responses = await Task.WhenAll(tasks);
        for (int i = 0; i < responses.Length; i++)
        {
            Assert.Equal((ushort)i, responses[i].Id);
            Assert.Equal(i % 4 == 2 ? ResponseCode.NXDomain : ResponseCode.NoError, responses[i].ResponseCode);
        }
        Assert.Null(await server.UdpRawAsync([0xAB, 0xCD, 0x80], timeoutMs: 300));
    }

    [Fact]
    public async Task Reloading_under_load_drops_no_query_and_never_serves_a_half_built_zone()
    {
        var service = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<DnsHost.Server.ZoneDirectoryService>(_server.Services);
        var path = Path.Combine(_zones.Directory, "example.test.zone");
        var original = File.ReadAllText(path);
        using var stop = new CancellationTokenSource();
        var reloads = Task.Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                File.WriteAllText(path, original + $"reload{i} IN A 192.0.2.{i + 100}\n");
                service.ReloadAll("test");
                await Task.Delay(20);
            }
            stop.Cancel();
        });
        int answered = 0;
        while (!stop.IsCancellationRequested)
        {
            var response = await _server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A, id: (ushort)answered));
            Assert.Equal(ResponseCode.NoError, response.ResponseCode);
            Assert.Equal(2, response.Answer.Count);
            answered++;
        }
        await reloads;
        Assert.True(answered > 20, $"only {answered} queries ran during the reloads");
        var last = await _server.UdpAsync(TestQuery.Build("reload19.example.test", RecordType.A));
        Assert.Equal("192.0.2.119", Assert.Single(last.Answer).Data);
    }
}
