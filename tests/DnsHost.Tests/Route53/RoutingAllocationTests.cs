using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Route53;

/// <summary>Routing-policy answers follow the zero-allocation rule of the query path.</summary>
[Trait("Kind", "Unit")]
public sealed class RoutingAllocationTests
{
    [Fact]
    public void Routed_and_alias_answers_allocate_nothing_in_steady_state()
    {
        var options = new RoutingOptions();
        options.AliasTargets["my-lb-123.us-east-1.elb.amazonaws.com"] = ["127.0.0.80"];
        var routing = RoutingEnvironment.Create(options,
            [new ClientLocationEntry { Cidr = "198.51.100.0/24", Country = "US", Subdivision = "WA", Latitude = 47.61, Longitude = -122.33 }],
            new Dictionary<string, List<string>> { ["vpc-inside"] = ["127.0.0.2/32"] });
        var zonesDir = Path.Combine(AppContext.BaseDirectory, "Route53", "zones");
        var zones = Directory.GetFiles(zonesDir, "*.json").Select(f => HostedZoneLoader.Load(f, routing, options)).ToList();
        var registry = new ZoneRegistry();
        registry.Replace(ZoneCatalog.Create(zones));
        var processor = new QueryProcessor(registry, new DnsServerOptions(), routing);
        routing.Health.Set("hc-multi-3", false);
        routing.Health.Set("hc-primary", false);
        var ecs = RoutingServerFixture.Ecs("198.51.100.0/24");
        byte[][] queries =
        [
            TestQuery.Build("weighted.routing.test", RecordType.A),
            TestQuery.Build("failover.routing.test", RecordType.A),
            TestQuery.Build("geo.routing.test", RecordType.A, ednsOptions: ecs),
            TestQuery.Build("proximity.routing.test", RecordType.A, ednsOptions: ecs),
            TestQuery.Build("latency.routing.test", RecordType.A, ednsOptions: ecs),
            TestQuery.Build("multi.routing.test", RecordType.A),
            TestQuery.Build("ip.routing.test", RecordType.A, ednsOptions: RoutingServerFixture.Ecs("198.18.5.0/24")),
            TestQuery.Build("routing.test", RecordType.A),
            TestQuery.Build("site.routing.test", RecordType.A),
            TestQuery.Build("lb.routing.test", RecordType.A),
            TestQuery.Build("loop1.routing.test", RecordType.A),
            TestQuery.Build("cname.routing.test", RecordType.A),
        ];
        var fromVpc = IpPrefix.Parse("127.0.0.2");
        var response = new byte[65535];
        var allocating = new List<string>();
        foreach (var q in queries)
        {
            foreach (var source in new[] { IpPrefix.Parse("127.0.0.1"), fromVpc })
            {
                for (int i = 0; i < 200; i++)
                    processor.Process(q, response, overTcp: false, transferAllowed: false, source, out _, out _);
                long allocated = Allocations.Measure(() =>
                {
                    for (int i = 0; i < 1000; i++)
                        processor.Process(q, response, overTcp: false, transferAllowed: false, source, out _, out _);
                });
                if (allocated != 0)
                    allocating.Add($"{TestResponse.Parse(response).QuestionName} from {source}: {allocated / 1000.0} B per query");
            }
        }
        Assert.Empty(allocating);
    }
}
