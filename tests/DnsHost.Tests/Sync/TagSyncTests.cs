using Amazon.Runtime;
using DnsHost.Route53.Client;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Route53;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Sync;

/// <summary>
/// Tags of hosted zones and of the health checks their sets use, synced between two DnsHosts playing
/// Route 53 through the CLI: the plan lists them, the apply sets them, a second plan is empty, a changed
/// value is carried and a key only the target has goes with --prune only.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class TagSyncTests : IAsyncLifetime
{
    private readonly TestZones _remoteZones = new(), _localZones = new();
    private RunningServer _remote = null!, _local = null!;
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);
    private static readonly string[] Settings = [.. RoutingServerFixture.Settings, "--HealthChecks:AllowPrivateTargets=true"];

    public async Task InitializeAsync()
    {
        _remote = await RunningServer.StartAsync(_remoteZones.Directory, ["--data", Path.Combine(_remoteZones.Directory, "api.db"), .. Settings]);
        _local = await RunningServer.StartAsync(_localZones.Directory, ["--data", Path.Combine(_localZones.Directory, "api.db"), .. Settings]);
    }

    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        _remoteZones.Dispose();
        _localZones.Dispose();
    }

    private static Route53RestClient Client(RunningServer server) => new(Credentials, new Route53ClientOptions { Endpoint = server.ApiBase });

    private static async Task<string> Tags(Route53RestClient client, string type, string id) =>
        string.Join(",", (await client.ListTagsForResourceAsync(type, id)).Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));

    [Fact]
    public async Task Zone_and_health_check_tags_are_planned_applied_and_pruned_only_when_asked()
    {
        using var remote = Client(_remote);
        var (zone, _) = await remote.CreateHostedZoneAsync("tags.test.", "seed", null, null);
        var check = await remote.CreateHealthCheckAsync("hc-tags", new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "TCP" });
        await remote.ChangeResourceRecordSetsAsync(zone.Id, null, [
            new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "www.tags.test.", Type = "A", SetIdentifier = "p", Failover = "PRIMARY", HealthCheckId = check.Id, TTL = 60, ResourceRecords = [new() { Value = "192.0.2.1" }] }),
        ]);
        await remote.ChangeTagsForResourceAsync("hostedzone", zone.Id, [new("env", "prod"), new("team", "dns")], []);
        await remote.ChangeTagsForResourceAsync("healthcheck", check.Id, [new("purpose", "edge")], []);
        string[] sides = ["--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase];

        var (plan, exit) = await Cli(["plan", .. sides]);
        Assert.Equal(2, exit);
        Assert.Contains("health check tags ~ hc-tags\n  + tag purpose=edge\n", plan);
        Assert.Contains("  + tag env=prod\n  + tag team=dns\n", plan);
        var (applied, applyExit) = await Cli(["apply", .. sides]);
        Assert.True(applyExit == 0, applied);

        using var local = Client(_local);
        var localZone = Assert.Single(await local.ListHostedZonesAsync());
        var localCheck = Assert.Single(await local.ListHealthChecksAsync());
        Assert.Equal("env=prod,team=dns", await Tags(local, "hostedzone", localZone.Id));
        Assert.Equal("purpose=edge", await Tags(local, "healthcheck", localCheck.Id));
        Assert.Equal(0, (await Cli(["plan", .. sides])).Exit);

        // A value changes on the source; the target gains a key of its own, which stays without --prune.
        await remote.ChangeTagsForResourceAsync("hostedzone", zone.Id, [new("env", "staging")], []);
        await local.ChangeTagsForResourceAsync("hostedzone", localZone.Id, [new("mine", "1")], []);
        var (changed, changedExit) = await Cli(["plan", .. sides]);
        Assert.Equal(2, changedExit);
        Assert.Contains("  ~ tag env=prod -> staging\n", changed);
        Assert.DoesNotContain("- tag mine", changed);
        var (pruning, _) = await Cli(["plan", .. sides, "--prune"]);
        Assert.Contains("  - tag mine\n", pruning);
        Assert.Equal(0, (await Cli(["apply", .. sides, "--prune"])).Exit);
        Assert.Equal("env=staging,team=dns", await Tags(local, "hostedzone", localZone.Id));
        Assert.Equal(0, (await Cli(["plan", .. sides, "--prune"])).Exit);
    }

    private static Task<(string Output, int Exit)> Cli(string[] args) => SyncCli.RunAsync(args);
}
