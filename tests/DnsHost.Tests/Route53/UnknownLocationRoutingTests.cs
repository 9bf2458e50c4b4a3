using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Route53;

/// <summary>
/// A client whose location is unknown gets the same geoproximity and latency answer whatever order the
/// zone lists its sets in (the smallest set identifier), so a zone and its sync copy agree.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class UnknownLocationRoutingTests
{
    private static HostedZoneDocument Zone(bool reversed)
    {
        var sets = new List<ResourceRecordSetJson>
        {
            new() { Name = "order.test.", Type = "SOA", TTL = 900, ResourceRecords = [new() { Value = "ns.order.test. h.order.test. 1 7200 900 1209600 86400" }] },
            new() { Name = "order.test.", Type = "NS", TTL = 900, ResourceRecords = [new() { Value = "ns.order.test." }] },
        };
        var routed = new List<ResourceRecordSetJson>
        {
            new() { Name = "near.order.test.", Type = "A", SetIdentifier = "b-ireland", GeoProximityLocation = new() { AWSRegion = "eu-west-1" }, TTL = 60, ResourceRecords = [new() { Value = "192.0.2.2" }] },
            new() { Name = "near.order.test.", Type = "A", SetIdentifier = "a-virginia", GeoProximityLocation = new() { AWSRegion = "us-east-1" }, TTL = 60, ResourceRecords = [new() { Value = "192.0.2.1" }] },
            new() { Name = "fast.order.test.", Type = "A", SetIdentifier = "z-tokyo", Region = "ap-northeast-1", TTL = 60, ResourceRecords = [new() { Value = "192.0.2.4" }] },
            new() { Name = "fast.order.test.", Type = "A", SetIdentifier = "m-frankfurt", Region = "eu-central-1", TTL = 60, ResourceRecords = [new() { Value = "192.0.2.3" }] },
        };
        if (reversed)
            routed.Reverse();
        sets.AddRange(routed);
        return new HostedZoneDocument { HostedZone = new HostedZoneJson { Id = "/hostedzone/ZORDER", Name = "order.test." }, ResourceRecordSets = sets };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_smallest_set_identifier_answers_a_client_without_a_location(bool reversed)
    {
        var options = new RoutingOptions();
        var routing = RoutingEnvironment.Create(options, [], new Dictionary<string, List<string>>());
        var registry = new ZoneRegistry();
        registry.Replace(ZoneCatalog.Create([HostedZoneLoader.Build(Zone(reversed), "test", null, routing, options)]));
        var processor = new QueryProcessor(registry, new DnsServerOptions(), routing);
        var response = new byte[65535];
        string Answer(string name)
        {
            processor.Process(TestQuery.Build(name, RecordType.A), response, overTcp: false, transferAllowed: false, IpPrefix.Parse("127.0.0.1"), out _, out _);
            return string.Join(",", TestResponse.Parse(response).AnswerData("A"));
        }
        Assert.Equal("192.0.2.1", Answer("near.order.test"));
        Assert.Equal("192.0.2.3", Answer("fast.order.test"));
    }
}
