using Amazon.Runtime;
using DnsHost.Protocol;
using DnsHost.Route53.Client;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Sync;

/// <summary>
/// A traffic policy instance synced between two DnsHosts playing Route 53: the plan lists the policy and the
/// instance (not the sets the instance made), the apply creates the policy and the instance on the target,
/// which then answers as the policy says, and a second plan is empty. A new policy version on the source is
/// carried as a new version on the target, and with --prune an instance only the target has is deleted.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class TrafficPolicySyncTests : IAsyncLifetime
{
    private readonly TestZones _remoteZones = new(), _localZones = new();
    private RunningServer _remote = null!, _local = null!;
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);

    public async Task InitializeAsync()
    {
        _remote = await RunningServer.StartAsync(_remoteZones.Directory, ["--data", Path.Combine(_remoteZones.Directory, "api.db")]);
        _local = await RunningServer.StartAsync(_localZones.Directory, ["--data", Path.Combine(_localZones.Directory, "api.db")]);
    }

    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        _remoteZones.Dispose();
        _localZones.Dispose();
    }

    private static Route53RestClient Client(RunningServer server) => new(Credentials, new Route53ClientOptions { Endpoint = server.ApiBase });

    /// <summary>A weighted policy that answers only <paramref name="chosen"/> (weight 1; the other has 0).</summary>
    private static string Weighted(string chosen, string other) => $$"""
        {
          "AWSPolicyFormatVersion": "2015-10-01",
          "RecordType": "A",
          "StartRule": "split",
          "Endpoints": { "a": { "Type": "value", "Value": "{{chosen}}" }, "b": { "Type": "value", "Value": "{{other}}" } },
          "Rules": { "split": { "RuleType": "weighted", "Items": [
            { "EndpointReference": "a", "Weight": "1" }, { "EndpointReference": "b", "Weight": "0" } ] } }
        }
        """;

    private static async Task<string> Answer(RunningServer server, string name)
    {
        var response = await server.UdpAsync(TestQuery.Build(name, RecordType.A));
        return $"{response.ResponseCode} {string.Join(",", response.AnswerData("A").Order())}";
    }

    [Fact]
    public async Task An_instance_is_synced_as_its_policy_plus_the_instance_and_new_versions_and_prunes_are_carried()
    {
        using var remote = Client(_remote);
        var (zone, _) = await remote.CreateHostedZoneAsync("tp.test.", "seed", null, null);
        await remote.ChangeResourceRecordSetsAsync(zone.Id, null, [
            new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "plain.tp.test.", Type = "A", TTL = 300, ResourceRecords = [new ResourceRecordJson { Value = "192.0.2.5" }] }),
        ]);
        var policy = await remote.CreateTrafficPolicyAsync("web", Weighted("192.0.2.1", "192.0.2.2"));
        await remote.CreateTrafficPolicyInstanceAsync(zone.Id, "www.tp.test.", 60, policy.Id, policy.Version);
        Assert.Equal("NoError 192.0.2.1", await Answer(_remote, "www.tp.test"));
        string[] sides = ["--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase];

        var (plan, exit) = await Cli(["plan", .. sides]);
        Assert.True(exit == 2, plan);
        Assert.Contains("traffic policy + web (source version 1)\n", plan);
        Assert.Contains("zone tp.test.: create the zone; 1 to create, 0 to update, 0 to delete\n", plan);
        Assert.Contains("  + traffic policy instance www.tp.test. A ttl=60 policy web (new version)\n", plan);
        Assert.Contains("  + plain.tp.test. A", plan);
        // The instance's own record set is not copied as a record set.
        Assert.DoesNotContain("  + www.tp.test. A", plan);

        var (applied, applyExit) = await Cli(["apply", .. sides]);
        Assert.True(applyExit == 0, applied);
        Assert.Equal("NoError 192.0.2.1", await Answer(_local, "www.tp.test"));
        Assert.Equal("NoError 192.0.2.5", await Answer(_local, "plain.tp.test"));
        using var local = Client(_local);
        var localZone = Assert.Single(await local.ListHostedZonesAsync());
        var made = Assert.Single(await local.ListTrafficPolicyInstancesByHostedZoneAsync(localZone.Id));
        Assert.Equal(("www.tp.test.", 60L, 1), (made.Name, made.Ttl, made.PolicyVersion));
        Assert.Equal("web", Assert.Single(await local.ListTrafficPolicyVersionsAsync(made.PolicyId)).Name);
        var (again, againExit) = await Cli(["plan", .. sides]);
        Assert.True(againExit == 0, again);

        // The source's policy gets a version that answers the other address; the target gets an instance of its own.
        var second = await remote.CreateTrafficPolicyVersionAsync(policy.Id, Weighted("192.0.2.2", "192.0.2.1"));
        var sourceInstance = Assert.Single(await remote.ListTrafficPolicyInstancesByHostedZoneAsync(zone.Id));
        await remote.UpdateTrafficPolicyInstanceAsync(sourceInstance.Id, 60, policy.Id, second.Version);
        await local.CreateTrafficPolicyInstanceAsync(localZone.Id, "stray.tp.test.", 30, made.PolicyId, 1);
        var (changed, changedExit) = await Cli(["plan", .. sides]);
        Assert.True(changedExit == 2, changed);
        Assert.Contains("traffic policy ~ web: new version (source version 2)\n", changed);
        Assert.Contains("  ~ traffic policy instance www.tp.test. A ttl=60 policy web (new version)\n", changed);
        Assert.DoesNotContain("stray", changed);
        var (pruned, prunedExit) = await Cli(["plan", "--prune", .. sides]);
        Assert.True(prunedExit == 2, pruned);
        Assert.Contains($"  - traffic policy instance stray.tp.test. A ttl=30 policy {made.PolicyId} v1\n", pruned);

        Assert.Equal(0, (await Cli(["apply", "--prune", .. sides])).Exit);
        Assert.Equal("NoError 192.0.2.2", await Answer(_local, "www.tp.test"));
        Assert.Equal("NXDomain ", await Answer(_local, "stray.tp.test"));
        Assert.Equal(2, (await local.ListTrafficPolicyVersionsAsync(made.PolicyId)).Count);
        var (last, lastExit) = await Cli(["plan", "--prune", .. sides]);
        Assert.True(lastExit == 0, last);
    }

    [Fact]
    public async Task With_a_folder_target_the_instance_sets_are_left_out_with_a_warning()
    {
        using var remote = Client(_remote);
        var (zone, _) = await remote.CreateHostedZoneAsync("tp.test.", "seed", null, null);
        var policy = await remote.CreateTrafficPolicyAsync("web", Weighted("192.0.2.1", "192.0.2.2"));
        await remote.CreateTrafficPolicyInstanceAsync(zone.Id, "www.tp.test.", 60, policy.Id, policy.Version);
        string folder = Path.Combine(_localZones.Directory, "out");
        Directory.CreateDirectory(folder);

        var (plan, exit) = await Cli(["plan", "--source", "route53:" + _remote.ApiBase, "--target", "dir:" + folder]);
        Assert.True(exit == 2, plan);
        Assert.Contains("! 1 record set(s) of traffic policy instances left out: traffic policies are synced only between Route 53 sides, not with", plan);
        Assert.DoesNotContain("www.tp.test", plan);
    }

    private static Task<(string Output, int Exit)> Cli(string[] args) => SyncCli.RunAsync(args);
}
