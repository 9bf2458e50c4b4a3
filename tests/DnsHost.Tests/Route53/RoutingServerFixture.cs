using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Route53;

/// <summary>
/// A real DnsHost on loopback serving Route53/zones/*.json, with a client-location table, latencies,
/// a VPC (127.0.0.2) and an AWS alias target in configuration. Tests pick the client's location with
/// EDNS Client Subnet and flip health through the server's <see cref="HealthStates"/>.
/// </summary>
public sealed class RoutingServerFixture : IAsyncLifetime
{
    private readonly TestZones _zones = new();

    public RunningServer Server { get; private set; } = null!;
    public HealthStates Health => Server.Services.GetRequiredService<HealthStates>();

    public static readonly string[] Settings =
    [
        // Seattle, Washington
        "--ClientLocations:0:Cidr=198.51.100.0/24", "--ClientLocations:0:Continent=NA", "--ClientLocations:0:Country=US", "--ClientLocations:0:Subdivision=WA",
        "--ClientLocations:0:Latitude=47.61", "--ClientLocations:0:Longitude=-122.33",
        // Frankfurt
        "--ClientLocations:1:Cidr=203.0.113.0/24", "--ClientLocations:1:Country=DE", "--ClientLocations:1:Latitude=50.11", "--ClientLocations:1:Longitude=8.68",
        // New York, state unknown
        "--ClientLocations:2:Cidr=192.0.2.0/24", "--ClientLocations:2:Country=US", "--ClientLocations:2:Latitude=40.71", "--ClientLocations:2:Longitude=-74.0",
        // Montreal
        "--ClientLocations:3:Cidr=100.64.0.0/16", "--ClientLocations:3:Country=CA", "--ClientLocations:3:Latitude=45.5", "--ClientLocations:3:Longitude=-73.57",
        // Tokyo
        "--ClientLocations:4:Cidr=100.65.0.0/16", "--ClientLocations:4:Country=JP", "--ClientLocations:4:Latitude=35.68", "--ClientLocations:4:Longitude=139.69",
        "--Routing:ClientLatencies:0:Cidr=100.64.0.0/16", "--Routing:ClientLatencies:0:Latencies:eu-central-1=20", "--Routing:ClientLatencies:0:Latencies:us-east-1=30",
        "--Vpcs:vpc-inside:0=127.0.0.2/32",
        // These tests set health directly; the checker would judge the zone's checks itself.
        "--HealthChecks:Enabled=false",
        "--Routing:AliasTargets:my-lb-123.us-east-1.elb.amazonaws.com:0=127.0.0.80",
        "--Routing:AliasTargets:my-lb-123.us-east-1.elb.amazonaws.com:1=127.0.0.81",
    ];

    public async Task InitializeAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Route53", "zones"), "*.json"))
            File.Copy(file, Path.Combine(_zones.Directory, Path.GetFileName(file)));
        Server = await RunningServer.StartAsync(_zones.Directory, Settings);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _zones.Dispose();
    }

    /// <summary>An EDNS Client Subnet option (RFC 7871 6) for an IPv4 or IPv6 network.</summary>
    public static byte[] Ecs(string cidr)
    {
        var prefix = IpPrefix.Parse(cidr);
        var address = prefix.ToAddress().GetAddressBytes();
        int bytes = (prefix.Length + 7) / 8;
        return [0, 8, 0, (byte)(4 + bytes), 0, (byte)(prefix.IsV6 ? 2 : 1), prefix.Length, 0, .. address[..bytes]];
    }

    public Task<TestResponse> Query(string name, RecordType type = RecordType.A, string? subnet = null) =>
        Server.UdpAsync(TestQuery.Build(name, type, ednsOptions: subnet is null ? null : Ecs(subnet)));

    public async Task<string[]> Addresses(string name, string? subnet = null)
    {
        var response = await Query(name, RecordType.A, subnet);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        return response.AnswerData("A").Order().ToArray();
    }

    /// <summary>Sends a query from another loopback address (127.0.0.2 is inside vpc-inside).</summary>
    public Task<TestResponse> QueryFrom(string source, string name, RecordType type = RecordType.A, string? subnet = null) =>
        Server.UdpFromAsync(source, TestQuery.Build(name, type, ednsOptions: subnet is null ? null : Ecs(subnet)));

    /// <summary>Sets health for the duration of a test; dispose to make every check healthy again.</summary>
    public IDisposable Unhealthy(params string[] checks)
    {
        foreach (var check in checks)
            Health.Set(check, false);
        return new Restore(Health, checks);
    }

    private sealed class Restore(HealthStates health, string[] checks) : IDisposable
    {
        public void Dispose()
        {
            foreach (var check in checks)
                health.Set(check, true);
        }
    }
}
