using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Route53;
using DnsHost.Route53.Storage;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Server;

/// <summary>API zones are in the registry before the DNS listeners answer (see the start-up order in ServeCommand).</summary>
[Trait("Kind", "Integration")]
public sealed class StartupOrderTests : IDisposable
{
    private readonly TestZones _zones = new();
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dnshost-startup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _zones.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_first_answer_already_comes_from_the_api_zone_which_wins_over_a_file_of_the_same_name()
    {
        Directory.CreateDirectory(_data);
        var dataPath = Path.Combine(_data, "api.db");
        using (var store = new ApiStore(dataPath))
            new HostedZoneService(new ZoneRegistry(), store, RoutingEnvironment.Default, new RoutingOptions()).Create("api.test.", "startup-ref", null, false, null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _zones.Write("api.test.zone", """
            $ORIGIN api.test.
            @ 300 IN SOA ns1 admin ( 4242 3600 600 604800 300 )
              300 IN NS  ns1
            ns1 300 IN A 192.0.2.1
            """);

        var command = DnsHost.CommandLine.Parse(["serve", "--zones", _zones.Directory, "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0",
            "--data", dataPath, "--Logging:LogLevel:Default=Warning"]);
        using var host = DnsHost.ServeCommand.Build(command);
        var listeners = host.Services.GetRequiredService<DnsListeners>();
        listeners.Bind();

        // The query is queued on the bound socket before the host starts: it is answered by the first receive.
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(new IPEndPoint(IPAddress.Loopback, listeners.Port));
        await udp.SendAsync(TestQuery.Build("api.test", RecordType.SOA));
        var start = host.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
        await start;
        await host.StopAsync();

        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.True(response.AA);
        var soa = Assert.Single(response.Answer);
        Assert.DoesNotContain(" 4242 ", soa.Data);
    }
}
