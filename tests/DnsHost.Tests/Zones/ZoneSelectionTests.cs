using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Zones;

/// <summary>One function picks the zone that answers; the query path and explain (TestDNSAnswer) agree through it.</summary>
[Trait("Kind", "Unit")]
public sealed class ZoneSelectionTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public ZoneSelectionTests() =>
        // A child zone under the sample's delegation dev.example.test (which has a DS in the parent).
        _zones.Write("dev.example.test.zone", """
            $ORIGIN dev.example.test.
            $TTL 300
            @    IN SOA ns1 admin ( 7 3600 600 604800 300 )
                 IN NS  ns1
            ns1  IN A   192.0.2.53
            host IN A   192.0.2.54
            """);

    public void Dispose() => _zones.Dispose();

    [Fact]
    public void Ds_at_a_cut_is_answered_by_the_parent_when_both_are_served()
    {
        var catalog = _zones.LoadRegistry().Current;
        var lower = DnsName.Parse("dev.example.test.");
        Assert.Equal("example.test.", ZoneSelection.Select(catalog, lower, (ushort)RecordType.DS, 0)!.OriginText);
        Assert.Equal("dev.example.test.", ZoneSelection.Select(catalog, lower, (ushort)RecordType.SOA, 0)!.OriginText);
        Assert.Equal("dev.example.test.", ZoneSelection.Select(catalog, DnsName.Parse("host.dev.example.test."), (ushort)RecordType.DS, 0)!.OriginText);
    }

    [Fact]
    public void Explain_and_the_server_agree_on_ds_at_a_cut()
    {
        var registry = _zones.LoadRegistry();
        var server = new DnsHost.Server.QueryProcessor(registry, new DnsHost.Server.DnsServerOptions()).Ask("dev.example.test", RecordType.DS);
        var explained = Explainer.Explain(registry.Current, RoutingEnvironment.Default, "dev.example.test", (ushort)RecordType.DS, new IpPrefix(false, 0x7F000001, 32), null);

        Assert.Equal("example.test.", explained.Zone);
        Assert.Equal(server.ResponseCode, explained.ResponseCode);
        var ds = Assert.Single(server.Answer);
        Assert.Equal("DS", ds.Type);
        Assert.Equal(Assert.Single(explained.RecordData).ToLowerInvariant(), ds.Data.ToLowerInvariant());
        Assert.Contains(explained.Reasons, r => r.Contains("RFC 4035 3.1.4.1", StringComparison.Ordinal));
    }
}
