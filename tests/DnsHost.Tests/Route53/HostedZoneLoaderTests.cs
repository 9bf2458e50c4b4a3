using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Route53;

/// <summary>zones/*.json: what loads, what Route 53 would refuse, and the message that says why.</summary>
[Trait("Kind", "Unit")]
public sealed class HostedZoneLoaderTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private Zone Load(string sets, string extra = "", string name = "example.test.", string file = "example.test.json")
    {
        var path = _zones.Write(file, $$"""
            { "HostedZone": { "Id": "/hostedzone/ZEXAMPLE", "Name": "{{name}}", "Config": { "PrivateZone": false } },
              {{extra}}
              "ResourceRecordSets": [ {{sets}} ] }
            """);
        return HostedZoneLoader.Load(path, RoutingEnvironment.Default, new RoutingOptions(), _zones.Directory);
    }

    private string Rejected(string sets, string extra = "")
    {
        var e = Assert.Throws<ZoneLoadException>(() => Load(sets, extra));
        var message = string.Join("\n", e.Problems);
        Assert.Contains("example.test.json", message);
        return message;
    }

    private const string A = "\"TTL\": 60, \"ResourceRecords\": [ { \"Value\": \"192.0.2.1\" } ]";

    [Fact]
    public void A_zone_without_soa_and_ns_gets_the_route53_defaults()
    {
        var zone = Load($$"""{ "Name": "www.example.test.", "Type": "A", {{A}} }""");
        Assert.Equal(1u, zone.Serial);
        Assert.Equal(900u, zone.Soa.Ttl);
        Assert.Equal(900u, zone.NegativeTtl); // min(SOA TTL 900, minimum 86400)
        Assert.Equal("ns1.dnshost.test. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400", RecordData.ToText(6, zone.Soa.RData[0]));
        var ns = zone.Apex.Find((ushort)RecordType.NS)!.Value;
        Assert.Equal(4, ns.RData.Length);
        Assert.Equal(172800u, ns.Ttl);
    }

    [Fact]
    public void The_output_of_list_resource_record_sets_loads_with_the_zone_name_from_the_file_name()
    {
        var path = _zones.Write("saved.test.json", """
            { "ResourceRecordSets": [
                { "Name": "saved.test.", "Type": "SOA", "TTL": 900, "ResourceRecords": [ { "Value": "ns-1.awsdns-1.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" } ] },
                { "Name": "saved.test.", "Type": "NS", "TTL": 172800, "ResourceRecords": [ { "Value": "ns-1.awsdns-1.org." } ] },
                { "Name": "\\052.saved.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.9" } ] }
              ], "IsTruncated": false, "MaxItems": "300" }
            """);
        var zone = HostedZoneLoader.Load(path, RoutingEnvironment.Default, new RoutingOptions());
        Assert.Equal("saved.test.", zone.OriginText);
        Assert.NotNull(zone.Apex.Wildcard);
        Assert.Equal("ns-1.awsdns-1.org.", RecordData.ToText(2, zone.Apex.Find(2)!.Value.RData[0]));
    }

    [Theory]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Wieght": 10, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "unknown field 'Wieght'")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Weight": 10, "Region": "us-east-1", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "record set [name='w.example.test.', type='A', set-identifier='a']: a record set has at most one routing policy, but this one has Weight and Region")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "Weight": 10, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "record set [name='w.example.test.', type='A']: SetIdentifier is required with Weight (a weighted record set)")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Weight": 10, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }, { "Name": "w.example.test.", "Type": "A", "SetIdentifier": "b", "Region": "eu-west-1", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }""",
        "record set [name='w.example.test.', type='A', set-identifier='b'] cannot be a latency record set because weighted record sets with the same name and type exist")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }, { "Name": "w.example.test.", "Type": "A", "SetIdentifier": "b", "Weight": 1, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }""",
        "a simple record set cannot share its name and type with weighted record sets")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }, { "Name": "w.example.test.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [ { "Value": "www.example.test" } ] }""",
        "RRSet of type CNAME with DNS name w.example.test. is not permitted as it conflicts with other records with the same DNS name in zone example.test.")]
    [InlineData("""{ "Name": "example.test.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [ { "Value": "www.example.org" } ] }""",
        "RRSet of type CNAME with DNS name example.test. is not permitted at apex in zone example.test.")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ], "AliasTarget": { "HostedZoneId": "ZEXAMPLE", "DNSName": "x.example.test.", "EvaluateTargetHealth": false } }""",
        "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found more than one")]
    [InlineData("""{ "Name": "www.example.org.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "RRSet with DNS name www.example.org. is not permitted in zone example.test.")]
    [InlineData("""{ "Name": "a.example.test.", "Type": "A", "AliasTarget": { "HostedZoneId": "ZEXAMPLE", "DNSName": "missing.example.test.", "EvaluateTargetHealth": false } }""",
        "Tried to create an alias that targets missing.example.test., type A in zone ZEXAMPLE, but that target was not found")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Weight": 300, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "Weight 300 is outside 0-255")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Failover": "MAIN", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "Failover must be PRIMARY or SECONDARY, not 'MAIN'")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "GeoLocation": { "ContinentCode": "EU", "CountryCode": "DE" }, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "GeoLocation: ContinentCode and CountryCode cannot both be given")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "Region": "mars-north-1", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "Region 'mars-north-1' is not an AWS Region")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "SetIdentifier": "a", "CidrRoutingConfig": { "CollectionId": "nope", "LocationName": "x" }, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }""",
        "CIDR collection 'nope' does not exist")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2" } ] }""",
        "invalid value '192.0.2': '192.0.2' is not a valid IPv4 address")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] }, { "Name": "W.example.test", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }""",
        "Tried to create resource record set [name='w.example.test.', type='A'] but it already exists")]
    [InlineData("""{ "Name": "m.example.test.", "Type": "CNAME", "SetIdentifier": "a", "MultiValueAnswer": true, "TTL": 60, "ResourceRecords": [ { "Value": "www.example.test" } ] }""",
        "a multivalue answer record set cannot be a CNAME")]
    [InlineData("""{ "Name": "w.example.test.", "Type": "LOC", "TTL": 60, "ResourceRecords": [ { "Value": "x" } ] }""",
        "type 'LOC' is not supported by Route 53")]
    public void Content_route53_would_refuse_is_rejected_with_the_record_set_and_reason(string sets, string expected)
    {
        Assert.Contains(expected, Rejected(sets));
    }

    [Fact]
    public void Private_zones_refuse_geoproximity_and_need_a_vpc()
    {
        var path = _zones.Write("private.test.json", """
            { "HostedZone": { "Name": "private.test.", "Config": { "PrivateZone": true } },
              "ResourceRecordSets": [ { "Name": "p.private.test.", "Type": "A", "SetIdentifier": "a", "GeoProximityLocation": { "AWSRegion": "us-east-1" }, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] } ] }
            """);
        var message = string.Join("\n", Assert.Throws<ZoneLoadException>(() => HostedZoneLoader.Load(path, RoutingEnvironment.Default, new RoutingOptions())).Problems);
        Assert.Contains("a private hosted zone needs at least one VPC", message);
        Assert.Contains("geoproximity routing is not available in private hosted zones", message);
    }

    [Fact]
    public void A_json_syntax_error_names_the_file_and_line()
    {
        var path = _zones.Write("broken.test.json", "{\n  \"ResourceRecordSets\": [\n    { \"Name\": \"x.broken.test.\", \"Type\": \"A\" \n  ]\n}\n");
        var problem = Assert.Single(Assert.Throws<ZoneLoadException>(() => HostedZoneLoader.Load(path, RoutingEnvironment.Default, new RoutingOptions(), _zones.Directory)).Problems);
        Assert.EndsWith("broken.test.json", problem.File);
        Assert.Equal(4, problem.Line);
    }

    [Fact]
    public void Server_serves_json_zones_beside_master_files_and_keeps_the_last_good_version_of_a_broken_one()
    {
        var zone = Load($$"""{ "Name": "www.example.test.", "Type": "A", {{A}} }""");
        Assert.Equal("example.test.", zone.OriginText);
        Assert.Equal("ZEXAMPLE", zone.HostedZone!.Id);
    }
}
