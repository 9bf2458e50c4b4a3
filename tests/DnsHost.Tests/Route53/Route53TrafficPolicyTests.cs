using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Traffic policies (Traffic Flow) through the real AWS CLI: every operation with Route 53's errors, the
/// instance's set in ListResourceRecordSets, and what DNS answers for an instance (weighted, failover on a
/// health check that flips, geolocation, latency, a nested rule), after an update, a delete and a restart.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53TrafficPolicyTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private string _data = "";
    private RunningServer _server = null!;
    private AwsCli _aws = null!;
    private TcpListener _backend = null!;

    public async Task InitializeAsync()
    {
        _backend = new TcpListener(IPAddress.Loopback, 0);
        _backend.Start();
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase, clientValidation: false);
    }

    private Task<RunningServer> Start() => RunningServer.StartAsync(_zones.Directory, "--data", _data,
        "--HealthChecks:AllowPrivateTargets=true",
        "--ClientLocations:0:Cidr=127.0.0.2/32", "--ClientLocations:0:Country=DE",
        "--Routing:ClientLatencies:0:Cidr=127.0.0.3/32", "--Routing:ClientLatencies:0:Latencies:eu-central-1=20", "--Routing:ClientLatencies:0:Latencies:us-east-1=30");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _backend.Stop();
        _zones.Dispose();
    }

    private static string Weighted(string first, string second) => $$"""
        {
          "AWSPolicyFormatVersion": "2015-10-01",
          "RecordType": "A",
          "StartRule": "split",
          "Endpoints": { "a": { "Type": "value", "Value": "{{first}}" }, "b": { "Type": "value", "Value": "{{second}}" } },
          "Rules": { "split": { "RuleType": "weighted", "Items": [
            { "EndpointReference": "a", "Weight": "1" }, { "EndpointReference": "b", "Weight": "0" } ] } }
        }
        """;

    private async Task<string> Zone(string name)
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", name, "--caller-reference", "ref-" + name);
        return created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Replace("/hostedzone/", "");
    }

    private async Task<(string Id, int Version)> Policy(string name, string document)
    {
        var policy = (await _aws.Ok("create-traffic-policy", "--name", name, "--document", document)).GetProperty("TrafficPolicy");
        return (policy.GetProperty("Id").GetString()!, policy.GetProperty("Version").GetInt32());
    }

    private async Task<string> Instance(string zone, string name, string policy, int version, int ttl = 60)
    {
        var instance = (await _aws.Ok("create-traffic-policy-instance", "--hosted-zone-id", zone, "--name", name, "--ttl", ttl.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--traffic-policy-id", policy, "--traffic-policy-version", version.ToString(System.Globalization.CultureInfo.InvariantCulture))).GetProperty("TrafficPolicyInstance");
        Assert.Equal("Applied", instance.GetProperty("State").GetString());
        return instance.GetProperty("Id").GetString()!;
    }

    private async Task<string[]> Addresses(string name, string source = "127.0.0.1") =>
        (await _server.UdpFromAsync(source, TestQuery.Build(name, RecordType.A))).AnswerData("A").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Policies_and_versions_answer_as_route53_with_its_errors()
    {
        var (id, version) = await Policy("web", Weighted("192.0.2.1", "192.0.2.2"));
        Assert.Equal(1, version);
        var got = (await _aws.Ok("get-traffic-policy", "--id", id, "--traffic-policy-version", "1")).GetProperty("TrafficPolicy");
        Assert.Equal("web", got.GetProperty("Name").GetString());
        Assert.Equal("A", got.GetProperty("Type").GetString());
        Assert.Contains("\"split\"", got.GetProperty("Document").GetString());

        Assert.Equal("TrafficPolicyAlreadyExists", (await _aws.Run("create-traffic-policy", "--name", "web", "--document", Weighted("192.0.2.1", "192.0.2.2"))).ErrorCode);
        var invalid = await _aws.Run("create-traffic-policy", "--name", "bad", "--document", Weighted("192.0.2.1", "not-an-address"));
        Assert.Equal("InvalidTrafficPolicyDocument", invalid.ErrorCode);
        Assert.Contains("Endpoint 'b': Value 'not-an-address' is not a valid A value", invalid.Stderr);
        var missing = await _aws.Run("create-traffic-policy", "--name", "bad", "--document", Weighted("192.0.2.1", "192.0.2.2").Replace("\"StartRule\": \"split\"", "\"StartRule\": \"nowhere\""));
        Assert.Contains("StartRule 'nowhere' is not defined in Rules", missing.Stderr);

        var second = (await _aws.Ok("create-traffic-policy-version", "--id", id, "--document", Weighted("192.0.2.3", "192.0.2.4"), "--comment", "v2")).GetProperty("TrafficPolicy");
        Assert.Equal(2, second.GetProperty("Version").GetInt32());
        Assert.Equal("NoSuchTrafficPolicy", (await _aws.Run("create-traffic-policy-version", "--id", "no-such-policy", "--document", Weighted("192.0.2.3", "192.0.2.4"))).ErrorCode);
        Assert.Equal("NoSuchTrafficPolicy", (await _aws.Run("get-traffic-policy", "--id", id, "--traffic-policy-version", "3")).ErrorCode);

        var summary = (await _aws.Ok("list-traffic-policies")).GetProperty("TrafficPolicySummaries").EnumerateArray().Single();
        Assert.Equal(2, summary.GetProperty("LatestVersion").GetInt32());
        Assert.Equal(2, summary.GetProperty("TrafficPolicyCount").GetInt32());
        var versions = await _aws.Ok("list-traffic-policy-versions", "--id", id, "--max-items", "1");
        Assert.Equal(1, versions.GetProperty("TrafficPolicies").GetArrayLength());
        Assert.True(versions.GetProperty("IsTruncated").GetBoolean());
        Assert.Equal("2", versions.GetProperty("TrafficPolicyVersionMarker").GetString());

        var updated = (await _aws.Ok("update-traffic-policy-comment", "--id", id, "--traffic-policy-version", "1", "--comment", "first")).GetProperty("TrafficPolicy");
        Assert.Equal("first", updated.GetProperty("Comment").GetString());

        await _aws.Ok("delete-traffic-policy", "--id", id, "--traffic-policy-version", "1");
        Assert.Equal("NoSuchTrafficPolicy", (await _aws.Run("delete-traffic-policy", "--id", id, "--traffic-policy-version", "1")).ErrorCode);
        Assert.Equal(1, (await _aws.Ok("list-traffic-policy-versions", "--id", id)).GetProperty("TrafficPolicies").GetArrayLength());
    }

    [Fact]
    public async Task Instances_create_their_set_refuse_change_batches_and_keep_policies_in_use()
    {
        string zone = await Zone("tp.test");
        var (policy, _) = await Policy("web", Weighted("192.0.2.1", "192.0.2.2"));
        string instance = await Instance(zone, "www.tp.test", policy, 1);
        Assert.Equal(["192.0.2.1"], await Addresses("www.tp.test"));

        var sets = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", zone)).GetProperty("ResourceRecordSets").EnumerateArray();
        var set = sets.Single(s => s.GetProperty("Name").GetString() == "www.tp.test.");
        Assert.Equal(instance, set.GetProperty("TrafficPolicyInstanceId").GetString());

        var change = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch",
            """{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"www.tp.test","Type":"A","TTL":60,"ResourceRecords":[{"Value":"192.0.2.9"}]}}]}""");
        Assert.Equal("InvalidChangeBatch", change.ErrorCode);
        Assert.Contains($"created by traffic policy instance {instance}", change.Stderr);
        Assert.Equal(["192.0.2.1"], await Addresses("www.tp.test"));

        Assert.Equal("TrafficPolicyInstanceAlreadyExists", (await _aws.Run("create-traffic-policy-instance", "--hosted-zone-id", zone, "--name", "www.tp.test", "--ttl", "60",
            "--traffic-policy-id", policy, "--traffic-policy-version", "1")).ErrorCode);
        Assert.Equal("NoSuchHostedZone", (await _aws.Run("create-traffic-policy-instance", "--hosted-zone-id", "ZNOSUCHZONE", "--name", "x.tp.test", "--ttl", "60",
            "--traffic-policy-id", policy, "--traffic-policy-version", "1")).ErrorCode);
        Assert.Equal("NoSuchTrafficPolicy", (await _aws.Run("create-traffic-policy-instance", "--hosted-zone-id", zone, "--name", "x.tp.test", "--ttl", "60",
            "--traffic-policy-id", policy, "--traffic-policy-version", "9")).ErrorCode);
        Assert.Equal("InvalidInput", (await _aws.Run("create-traffic-policy-instance", "--hosted-zone-id", zone, "--name", "www.elsewhere.test", "--ttl", "60",
            "--traffic-policy-id", policy, "--traffic-policy-version", "1")).ErrorCode);
        Assert.Equal("TrafficPolicyInUse", (await _aws.Run("delete-traffic-policy", "--id", policy, "--traffic-policy-version", "1")).ErrorCode);

        var got = (await _aws.Ok("get-traffic-policy-instance", "--id", instance)).GetProperty("TrafficPolicyInstance");
        Assert.Equal("www.tp.test.", got.GetProperty("Name").GetString());
        Assert.Equal(zone, got.GetProperty("HostedZoneId").GetString());
        Assert.Equal(1, (await _aws.Ok("get-traffic-policy-instance-count")).GetProperty("TrafficPolicyInstanceCount").GetInt32());
        Assert.Equal(1, (await _aws.Ok("list-traffic-policy-instances")).GetProperty("TrafficPolicyInstances").GetArrayLength());
        Assert.Equal(1, (await _aws.Ok("list-traffic-policy-instances-by-hosted-zone", "--hosted-zone-id", zone)).GetProperty("TrafficPolicyInstances").GetArrayLength());
        Assert.Equal(1, (await _aws.Ok("list-traffic-policy-instances-by-policy", "--traffic-policy-id", policy, "--traffic-policy-version", "1")).GetProperty("TrafficPolicyInstances").GetArrayLength());

        // A version of another DNS type cannot replace the instance's.
        string aaaa = Weighted("2001:db8::1", "2001:db8::2").Replace("\"RecordType\": \"A\"", "\"RecordType\": \"AAAA\"");
        await _aws.Ok("create-traffic-policy-version", "--id", policy, "--document", aaaa);
        Assert.Equal("ConflictingTypes", (await _aws.Run("update-traffic-policy-instance", "--id", instance, "--ttl", "60", "--traffic-policy-id", policy, "--traffic-policy-version", "2")).ErrorCode);

        // UpdateTrafficPolicyInstance compiles the new version: DNS answers from it.
        await _aws.Ok("create-traffic-policy-version", "--id", policy, "--document", Weighted("192.0.2.5", "192.0.2.6"));
        var moved = (await _aws.Ok("update-traffic-policy-instance", "--id", instance, "--ttl", "30", "--traffic-policy-id", policy, "--traffic-policy-version", "3")).GetProperty("TrafficPolicyInstance");
        Assert.Equal(3, moved.GetProperty("TrafficPolicyVersion").GetInt32());
        var answer = await _server.UdpAsync(TestQuery.Build("www.tp.test", RecordType.A));
        Assert.Equal(["192.0.2.5"], answer.AnswerData("A"));
        Assert.Equal(30u, answer.Answer.Single().Ttl);
        await _aws.Ok("delete-traffic-policy", "--id", policy, "--traffic-policy-version", "1");

        await _aws.Ok("delete-traffic-policy-instance", "--id", instance);
        Assert.Equal(3, (await _server.UdpAsync(TestQuery.Build("www.tp.test", RecordType.A))).Rcode);
        Assert.DoesNotContain((await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", zone)).GetProperty("ResourceRecordSets").EnumerateArray(),
            s => s.GetProperty("Name").GetString() == "www.tp.test.");
        Assert.Equal("NoSuchTrafficPolicyInstance", (await _aws.Run("get-traffic-policy-instance", "--id", instance)).ErrorCode);
        Assert.Equal(0, (await _aws.Ok("get-traffic-policy-instance-count")).GetProperty("TrafficPolicyInstanceCount").GetInt32());
    }

    [Fact]
    public async Task A_nested_weighted_rule_fails_over_when_its_health_check_turns_unhealthy_and_survives_a_restart()
    {
        string zone = await Zone("flow.test");
        int port = ((IPEndPoint)_backend.LocalEndpoint).Port;
        string check = (await _aws.Ok("create-health-check", "--caller-reference", "hc-flow", "--health-check-config",
            $"Type=TCP,IPAddress=127.0.0.1,Port={port},RequestInterval=10,FailureThreshold=1")).GetProperty("HealthCheck").GetProperty("Id").GetString()!;
        string document = $$"""
            {
              "AWSPolicyFormatVersion": "2015-10-01",
              "RecordType": "A",
              "StartRule": "site",
              "Endpoints": {
                "one": { "Type": "value", "Value": "192.0.2.1" },
                "zero": { "Type": "value", "Value": "192.0.2.2" },
                "backup": { "Type": "value", "Value": "192.0.2.9" }
              },
              "Rules": {
                "site": { "RuleType": "failover",
                  "Primary": { "RuleReference": "spread", "HealthCheck": "{{check}}" },
                  "Secondary": { "EndpointReference": "backup" } },
                "spread": { "RuleType": "weighted", "Items": [
                  { "EndpointReference": "one", "Weight": 1 }, { "EndpointReference": "zero", "Weight": 0 } ] }
              }
            }
            """;
        var (policy, _) = await Policy("site", document);
        await Instance(zone, "app.flow.test", policy, 1);
        Assert.Equal(["192.0.2.1"], await Addresses("app.flow.test"));

        using var http = new HttpClient();
        using (var response = await http.PutAsync(new Uri(_server.ApiBase, $"dnshost/health-checks/{check}/override?status=Unhealthy"), null))
            response.EnsureSuccessStatusCode();
        Assert.Equal(["192.0.2.9"], await Addresses("app.flow.test"));
        using (var response = await http.DeleteAsync(new Uri(_server.ApiBase, $"dnshost/health-checks/{check}/override")))
            response.EnsureSuccessStatusCode();
        await Eventually(async () => (await Addresses("app.flow.test")).SequenceEqual(["192.0.2.1"]));

        await _server.DisposeAsync();
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase, clientValidation: false);
        Assert.Equal(["192.0.2.1"], await Addresses("app.flow.test"));
        Assert.Equal(1, (await _aws.Ok("list-traffic-policy-instances")).GetProperty("TrafficPolicyInstances").GetArrayLength());
    }

    [Fact]
    public async Task Geolocation_and_latency_rules_answer_by_the_clients_location()
    {
        string zone = await Zone("geo.test");
        var (geo, _) = await Policy("geo", """
            {
              "AWSPolicyFormatVersion": "2015-10-01",
              "RecordType": "A",
              "StartRule": "where",
              "Endpoints": { "eu": { "Type": "value", "Value": "192.0.2.10" }, "rest": { "Type": "value", "Value": "192.0.2.20" } },
              "Rules": { "where": { "RuleType": "geo", "Locations": [
                { "EndpointReference": "eu", "Country": "DE" }, { "EndpointReference": "rest", "IsDefault": true } ] } }
            }
            """);
        var (latency, _) = await Policy("latency", """
            {
              "AWSPolicyFormatVersion": "2015-10-01",
              "RecordType": "A",
              "StartRule": "fast",
              "Endpoints": { "fra": { "Type": "value", "Value": "192.0.2.30" }, "iad": { "Type": "value", "Value": "192.0.2.40" } },
              "Rules": { "fast": { "RuleType": "latency", "Regions": [
                { "EndpointReference": "fra", "Region": "eu-central-1" }, { "EndpointReference": "iad", "Region": "us-east-1" } ] } }
            }
            """);
        await Instance(zone, "geo.geo.test", geo, 1);
        await Instance(zone, "fast.geo.test", latency, 1);

        Assert.Equal(["192.0.2.10"], await Addresses("geo.geo.test", "127.0.0.2"));
        Assert.Equal(["192.0.2.20"], await Addresses("geo.geo.test", "127.0.0.1"));
        Assert.Equal(["192.0.2.30"], await Addresses("fast.geo.test", "127.0.0.3"));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        // The override's removal is published by the checker's next status write; poll briefly for it.
        for (int i = 0; i < 100; i++)
        {
            if (await condition())
                return;
            await Task.Delay(50);
        }
        Assert.Fail("the condition did not hold within 5 s");
    }
}
