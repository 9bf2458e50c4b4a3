using DnsHost.Protocol;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Zones;

/// <summary>Traffic policy documents: what CreateTrafficPolicy refuses (and the reason it gives) and the groups a valid one compiles to.</summary>
[Trait("Kind", "Unit")]
public sealed class TrafficPolicyDocumentTests
{
    private const string Endpoints = """
        "Endpoints": { "a": { "Type": "value", "Value": "192.0.2.1" }, "b": { "Type": "value", "Value": "192.0.2.2" } }
        """;

    private static string Document(string rules, string start = "\"StartRule\": \"r\"", string type = "A") =>
        $$"""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "{{type}}", {{start}}, {{Endpoints}}, "Rules": { {{rules}} } }""";

    [Theory]
    [InlineData("""{ "AWSPolicyFormatVersion": "2014-01-01", "RecordType": "A", "StartEndpoint": "a" }""", "AWSPolicyFormatVersion '2014-01-01' is not supported")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "SOA", "StartEndpoint": "a" }""", "RecordType 'SOA' is not supported")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "a", "StartRule": "r" }""", "exactly one of StartEndpoint and StartRule")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "a", "Extra": 1 }""", "unknown field 'Extra'")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "a", "Endpoints": { "a": { "Type": "value", "Value": "2001:db8::1" } } }""", "Endpoint 'a': Value '2001:db8::1' is not a valid A value")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "TXT", "StartEndpoint": "a", "Endpoints": { "a": { "Type": "cloudfront", "Value": "d1.cloudfront.net" } } }""", "needs RecordType A or AAAA")]
    [InlineData("""{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "a", "Endpoints": { "a": { "Type": "s3-website", "Value": "www.example.com" } } }""", "an s3-website endpoint needs Region")]
    [InlineData("{ not json", "The document is not valid JSON")]
    public void Invalid_documents_name_the_problem(string json, string reason)
    {
        Assert.Null(TrafficPolicyDocument.Parse(json, out string error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("\"r\": { \"RuleType\": \"random\" }", "RuleType 'random' is not one of")]
    [InlineData("\"r\": { \"RuleType\": \"failover\", \"Primary\": { \"EndpointReference\": \"a\" } }", "a failover rule needs Primary and Secondary")]
    [InlineData("\"r\": { \"RuleType\": \"weighted\", \"Items\": [ { \"EndpointReference\": \"a\", \"Weight\": 256 } ] }", "Weight 256 is outside 0-255")]
    [InlineData("\"r\": { \"RuleType\": \"weighted\", \"Items\": [ { \"EndpointReference\": \"c\", \"Weight\": 1 } ] }", "EndpointReference 'c' is not defined in Endpoints")]
    [InlineData("\"r\": { \"RuleType\": \"weighted\", \"Items\": [ { \"EndpointReference\": \"a\", \"RuleReference\": \"r\", \"Weight\": 1 } ] }", "exactly one of EndpointReference and RuleReference")]
    [InlineData("\"r\": { \"RuleType\": \"weighted\", \"Items\": [ { \"RuleReference\": \"r\", \"Weight\": 1 } ] }", "Rule 'r' refers back to itself (r -> r)")]
    [InlineData("\"r\": { \"RuleType\": \"geo\", \"Locations\": [ { \"EndpointReference\": \"a\", \"Country\": \"DE\", \"Continent\": \"EU\" } ] }", "exactly one of IsDefault, Continent and Country")]
    [InlineData("\"r\": { \"RuleType\": \"latency\", \"Regions\": [ { \"EndpointReference\": \"a\", \"Region\": \"mars-1\" } ] }", "Region 'mars-1' is not an AWS Region")]
    [InlineData("\"r\": { \"RuleType\": \"latency\", \"Regions\": [ { \"EndpointReference\": \"a\", \"Region\": \"us-east-1\" }, { \"EndpointReference\": \"b\", \"Region\": \"us-east-1\" } ] }", "the Region us-east-1 is given more than once")]
    [InlineData("\"r\": { \"RuleType\": \"geoproximity\", \"GeoproximityLocations\": [ { \"EndpointReference\": \"a\", \"Region\": \"aws:route53:us-east-1\", \"Bias\": 100 } ] }", "Bias 100 is outside -99..99")]
    [InlineData("\"r\": { \"RuleType\": \"multivalue\", \"Items\": [ { \"RuleReference\": \"r\" } ] }", "a multivalue rule routes only to endpoints of Type value")]
    [InlineData("\"r\": { \"RuleType\": \"weighted\", \"Items\": [] }", "Items must be a non-empty array")]
    public void Invalid_rules_name_the_rule_and_the_problem(string rules, string reason)
    {
        Assert.Null(TrafficPolicyDocument.Parse(Document(rules), out string error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Rules_nested_deeper_than_the_cap_are_refused()
    {
        var rules = Enumerable.Range(0, TrafficPolicyDocument.MaxDepth + 1).Select(i =>
            $"\"r{i}\": {{ \"RuleType\": \"weighted\", \"Items\": [ {{ {(i == TrafficPolicyDocument.MaxDepth ? "\"EndpointReference\": \"a\"" : $"\"RuleReference\": \"r{i + 1}\"")}, \"Weight\": 1 }} ] }}");
        Assert.Null(TrafficPolicyDocument.Parse(Document(string.Join(", ", rules), "\"StartRule\": \"r0\""), out string error));
        Assert.Contains($"Rules nest more than {TrafficPolicyDocument.MaxDepth} deep", error);
        // One level less is accepted.
        var fewer = Enumerable.Range(0, TrafficPolicyDocument.MaxDepth).Select(i =>
            $"\"r{i}\": {{ \"RuleType\": \"weighted\", \"Items\": [ {{ {(i == TrafficPolicyDocument.MaxDepth - 1 ? "\"EndpointReference\": \"a\"" : $"\"RuleReference\": \"r{i + 1}\"")}, \"Weight\": 1 }} ] }}");
        Assert.NotNull(TrafficPolicyDocument.Parse(Document(string.Join(", ", fewer), "\"StartRule\": \"r0\""), out error));
    }

    [Fact]
    public void A_nested_rule_compiles_to_a_group_under_its_branch()
    {
        var document = TrafficPolicyDocument.Parse(Document("""
            "r": { "RuleType": "failover", "Primary": { "RuleReference": "w", "HealthCheck": "hc" }, "Secondary": { "EndpointReference": "b" } },
            "w": { "RuleType": "weighted", "Items": [ { "EndpointReference": "a", "Weight": "3" }, { "EndpointReference": "b", "Weight": "0" } ] }
            """), out string error);
        Assert.True(document is not null, error);
        Assert.Equal(["hc"], document.HealthChecks);
        var group = document.Compile(DnsName.Parse("www.example.com."), 42, RoutingEnvironment.Default, new RoutingOptions());
        Assert.Equal(RoutingPolicy.Failover, group.Policy);
        var primary = group.Sets[group.PrimaryIndex];
        Assert.True(primary.EvaluateRuleHealth);
        Assert.Equal(RoutingPolicy.Weighted, primary.Rule!.Policy);
        Assert.Equal([3, 0], primary.Rule.Sets.Select(s => (int)s.Weight));
        Assert.Equal(42u, primary.Rule.Sets[0].Data!.Value.Ttl);
        Assert.Null(group.Sets[group.SecondaryIndex].Rule);
    }
}
