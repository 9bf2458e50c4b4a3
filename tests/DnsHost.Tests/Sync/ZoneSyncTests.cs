using System.Text.Json.Nodes;
using Amazon.Runtime;
using DnsHost.Protocol;
using DnsHost.Route53.Client;
using DnsHost.Route53.Sync;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Route53;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Sync;

/// <summary>
/// The zone-sync job end to end: a zones folder, one DnsHost playing Route 53 and an empty DnsHost
/// playing the local server, all on loopback. After each apply both sides list the same record sets
/// (health check and alias ids translated) and answer the same clients the same way.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class ZoneSyncTests : IAsyncLifetime
{
    private readonly TestZones _source = new(), _remoteZones = new(), _localZones = new(), _pulled = new();
    private RunningServer _remote = null!, _local = null!;
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);

    private static readonly string[] Settings = [.. RoutingServerFixture.Settings, "--HealthChecks:AllowPrivateTargets=true"];

    public async Task InitializeAsync()
    {
        // Every routing policy, aliases (apex too), health checks and a calculated check, from the routing tests' zone.
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Route53", "zones", "routing.test.json")))!.AsObject();
        var checks = document["HealthChecks"]!.AsArray();
        checks.Add(JsonNode.Parse("""{ "Id": "hc-both", "CallerReference": "hc-both", "HealthCheckConfig": { "Type": "CALCULATED", "HealthThreshold": 1, "ChildHealthChecks": [ "hc-main", "hc-primary" ] } }"""));
        document["ResourceRecordSets"]!.AsArray().Add(JsonNode.Parse("""{ "Name": "calc.routing.test.", "Type": "A", "SetIdentifier": "c", "Weight": 1, "HealthCheckId": "hc-both", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.200" } ] }"""));
        _source.Write("routing.test.json", document.ToJsonString());
        _source.Write("plain.test.zone", "$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.53\nwww IN A 192.0.2.80\nmail IN MX 10 mx.plain.test.\n");
        _remote = await RunningServer.StartAsync(_remoteZones.Directory, ["--data", Path.Combine(_remoteZones.Directory, "api.db"), .. Settings]);
        _local = await RunningServer.StartAsync(_localZones.Directory, ["--data", Path.Combine(_localZones.Directory, "api.db"), .. Settings]);
    }

    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        foreach (var zones in new[] { _source, _remoteZones, _localZones, _pulled })
            zones.Dispose();
    }

    private static ISyncSide Side(RunningServer server, int attempts = 10) => SyncSideFactory.Create("route53:" + server.ApiBase, null, attempts, Credentials);

    private static async Task<(SyncPlan Plan, SyncSummary? Summary)> Sync(ISyncSide source, ISyncSide target, SyncOptions? options = null, bool apply = true)
    {
        var plan = await SyncPlanner.PlanAsync(source, target, options ?? new SyncOptions(), CancellationToken.None);
        return (plan, apply ? await SyncApplier.ApplyAsync(plan, target, wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None) : null);
    }

    /// <summary>Each side's record sets as text, with health check ids replaced by their keys and alias zone ids dropped.</summary>
    private static async Task<List<string>> Listing(ISyncSide side, string zone)
    {
        var checks = (await side.ListHealthChecksAsync(CancellationToken.None)).ToDictionary(c => c.Id, c => c.Key);
        var z = (await side.ListZonesAsync(CancellationToken.None)).Single(x => x.Name == zone && !x.IsPrivate);
        return (await side.ListRecordSetsAsync(z, CancellationToken.None))
            .Where(s => !(s.Type is "SOA" or "NS" && SyncNames.Normalize(s.Name!) == zone) && s.CidrRoutingConfig is null)
            .Select(s =>
            {
                if (s.HealthCheckId is { } id)
                    s.HealthCheckId = checks.GetValueOrDefault(id, id);
                if (s.AliasTarget is { } alias && alias.HostedZoneId is { } hz && !hz.StartsWith('Z'))
                    alias.HostedZoneId = "other";
                else if (s.AliasTarget is { } a)
                    a.HostedZoneId = "zone";
                return SyncPlanner.Canonical(s);
            })
            .Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<string> Answer(RunningServer server, string name, RecordType type, string? subnet)
    {
        var response = await server.UdpAsync(TestQuery.Build(name, type, ednsOptions: subnet is null ? null : RoutingServerFixture.Ecs(subnet)));
        return $"{response.ResponseCode} {string.Join(",", response.AnswerData(type.ToString()).Order())}";
    }

    [Fact]
    public async Task Folder_to_remote_to_local_copies_every_policy_and_check_and_a_second_plan_is_empty()
    {
        var folder = new DirectorySide(_source.Directory);
        var (first, summary) = await Sync(folder, Side(_remote));
        Assert.Equal(2, summary!.ZonesCreated);
        Assert.Equal(19, summary.HealthChecksCreated);
        Assert.Contains(first.Zones, z => z.Warnings.Any(w => w.Contains("CIDR")));

        var remote = Side(_remote);
        var local = Side(_local);
        var (_, copy) = await Sync(remote, local);
        Assert.Equal(2, copy!.ZonesCreated);
        Assert.Equal(await Listing(remote, "routing.test."), await Listing(local, "routing.test."));
        Assert.Equal(await Listing(remote, "plain.test."), await Listing(local, "plain.test."));
        Assert.Equal(await Listing(folder, "plain.test."), await Listing(local, "plain.test."));

        // Same answers for the same clients: Seattle, Frankfurt, New York, and no subnet, for every non-random name.
        string[] names = ["www", "failover", "standby", "geo", "geo-nodefault", "proximity", "latency", "to-failover", "lb", "cname", "x.wild", "", "nothing-here"];
        foreach (string name in names)
        {
            foreach (string? subnet in new[] { null, "198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24" })
            {
                string fqdn = name.Length == 0 ? "routing.test" : name + ".routing.test";
                var type = name == "x.wild" ? RecordType.TXT : RecordType.A;
                Assert.Equal($"{fqdn} {subnet} " + await Answer(_remote, fqdn, type, subnet), $"{fqdn} {subnet} " + await Answer(_local, fqdn, type, subnet));
            }
        }

        var (again, _) = await Sync(remote, local, apply: false);
        Assert.True(again.IsEmpty, string.Join("\n", again.Zones.SelectMany(z => z.Changes).Select(c => $"{c.Action} {SyncPlanner.Describe(c.Set)}")));
        Assert.True((await Sync(folder, remote, apply: false)).Plan.IsEmpty);
    }

    [Fact]
    public async Task Changes_on_the_source_are_planned_applied_in_a_valid_order_and_the_cli_reports_drift()
    {
        var remote = Side(_remote);
        var local = Side(_local);
        await Sync(new DirectorySide(_source.Directory), remote, new SyncOptions { Include = ["plain.test"] });
        await Sync(remote, local);

        // On the source: www becomes a CNAME (the A must go first), mail changes, a new alias points at a new set.
        var zone = (await remote.ListZonesAsync(default)).Single(z => z.Name == "plain.test.");
        var sets = await remote.ListRecordSetsAsync(zone, default);
        var www = sets.Single(s => s.Name == "www.plain.test." && s.Type == "A");
        await remote.ChangeAsync(zone, [
            new RecordSetChange("DELETE", www),
            new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "www.plain.test.", Type = "CNAME", TTL = 60, ResourceRecords = [new() { Value = "web.plain.test." }] }),
            new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "web.plain.test.", Type = "A", TTL = 60, ResourceRecords = [new() { Value = "192.0.2.90" }] }),
            new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "alias.plain.test.", Type = "A", AliasTarget = new() { HostedZoneId = zone.Id, DNSName = "web.plain.test.", EvaluateTargetHealth = false } }),
            new RecordSetChange("UPSERT", new ResourceRecordSetJson { Name = "mail.plain.test.", Type = "MX", TTL = 600, ResourceRecords = [new() { Value = "20 mx2.plain.test." }] }),
        ], default);

        var (cliPlan, exit) = await Cli("plan", "--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase, "--zone", "plain.test");
        Assert.Equal(2, exit);
        Assert.Contains("- www.plain.test. A", cliPlan);
        Assert.Contains("+ www.plain.test. CNAME", cliPlan);
        Assert.Contains("~ mail.plain.test. MX ttl=300 10 mx.plain.test.", cliPlan);

        var (_, applied) = await Cli("apply", "--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase, "--zone", "plain.test");
        Assert.Equal(0, applied);
        Assert.Equal("NoError 192.0.2.90", await Answer(_local, "alias.plain.test", RecordType.A, null));
        Assert.Equal(await Listing(remote, "plain.test."), await Listing(local, "plain.test."));
        Assert.Equal(0, (await Cli("plan", "--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase, "--zone", "plain.test")).Exit);

        // A set only the target has is left alone without --prune, and goes with it.
        var localZone = (await local.ListZonesAsync(default)).Single(z => z.Name == "plain.test.");
        await local.ChangeAsync(localZone, [new RecordSetChange("CREATE", new ResourceRecordSetJson { Name = "mine.plain.test.", Type = "TXT", TTL = 60, ResourceRecords = [new() { Value = "\"local only\"" }] })], default);
        Assert.True((await Sync(remote, local, apply: false)).Plan.IsEmpty);
        var (pruned, _) = await Sync(remote, local, new SyncOptions { Prune = true });
        Assert.Equal("DELETE", Assert.Single(pruned.Zones.Single(z => z.Source.Name == "plain.test.").Changes).Action);
        Assert.Equal(0, (await Cli("plan", "--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase, "--json")).Exit);
    }

    [Fact]
    public async Task Pull_into_a_folder_writes_zones_the_server_loads_with_their_health_checks()
    {
        await Sync(new DirectorySide(_source.Directory), Side(_remote));
        var (_, exit) = await Cli("pull", "--source", "route53:" + _remote.ApiBase, "--target", "dir:" + _pulled.Directory);
        Assert.Equal(0, exit);
        string file = Path.Combine(_pulled.Directory, "routing.test.json");
        var zone = HostedZoneLoader.Load(file, DnsHost.Zones.Routing.RoutingEnvironment.Default, new DnsHost.Zones.Routing.RoutingOptions());
        Assert.Equal(19, zone.HostedZone!.HealthChecks.Length);
        Assert.Equal(await Listing(Side(_remote), "routing.test."), await Listing(new DirectorySide(_pulled.Directory), "routing.test."));
        Assert.Equal(0, (await Cli("plan", "--source", "route53:" + _remote.ApiBase, "--target", "dir:" + _pulled.Directory)).Exit);
    }

    [Fact]
    public async Task A_target_that_throttles_a_fifth_of_requests_still_converges_and_the_summary_counts_retries()
    {
        await using var flaky = await RunningServer.StartAsync(_localZones.Directory, ["--data", Path.Combine(_localZones.Directory, "flaky.db"), .. Settings,
            "--Api:FaultInjection:ThrottleRate=0.2", "--Api:FaultInjection:ServerErrorRate=0.05", "--Api:FaultInjection:DropRate=0.05"]);
        var target = SyncSideFactory.Create("route53:" + flaky.ApiBase, null, 20, Credentials);
        var (_, summary) = await Sync(new DirectorySide(_source.Directory), target);
        Assert.True(summary!.Retries > 0, summary.ToString());
        var (again, _) = await Sync(new DirectorySide(_source.Directory), target, apply: false);
        Assert.True(again.IsEmpty, string.Join("\n", again.HealthChecks.Select(c => $"{c.Action} {c.Key} {System.Text.Json.JsonSerializer.Serialize(c.Config)} vs {System.Text.Json.JsonSerializer.Serialize(c.Existing?.Config)}").Concat(again.Zones.SelectMany(z => z.Changes).Select(c => $"{c.Action} {SyncPlanner.Describe(c.Set)}"))));
    }

    [Fact]
    public async Task A_background_job_in_the_server_pulls_a_remote_zone_and_follows_its_changes()
    {
        var remote = Side(_remote);
        await Sync(new DirectorySide(_source.Directory), remote, new SyncOptions { Include = ["plain.test"] });
        var zones = new TestZones();
        await using var local = await RunningServer.StartAsync(zones.Directory, ["--data", Path.Combine(zones.Directory, "api.db"), .. Settings,
            "--Sync:Jobs:0:Source=route53:" + _remote.ApiBase, "--Sync:Jobs:0:Target=local", "--Sync:Jobs:0:IntervalSeconds=1",
            "--Sync:Jobs:0:AccessKeyId=" + AwsCli.ExampleAccessKey, "--Sync:Jobs:0:SecretAccessKey=" + AwsCli.ExampleSecretKey]);
        async Task<string> Eventually(string name, string expected)
        {
            string answer = "";
            for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline && answer != expected; await Task.Delay(200))
            {
                // What is asserted is that the job converges; one answer slower than the query's 3 s on a loaded
                // machine (the flake check saw one while the job was applying) is asked again, not a failure.
                try { answer = await Answer(local, name, RecordType.A, null); }
                catch (TimeoutException) { answer = "no answer within 3 s"; }
            }
            return answer;
        }
        Assert.Equal("NoError 192.0.2.80", await Eventually("www.plain.test", "NoError 192.0.2.80"));
        var zone = (await remote.ListZonesAsync(default)).Single(z => z.Name == "plain.test.");
        await remote.ChangeAsync(zone, [new RecordSetChange("UPSERT", new ResourceRecordSetJson { Name = "www.plain.test.", Type = "A", TTL = 300, ResourceRecords = [new() { Value = "192.0.2.99" }] })], default);
        Assert.Equal("NoError 192.0.2.99", await Eventually("www.plain.test", "NoError 192.0.2.99"));
        zones.Dispose();
    }

    [Fact]
    public async Task An_apply_interrupted_after_its_first_batch_converges_when_run_again()
    {
        // 2,500 sets: three batches; the run is cancelled as soon as the first one is acknowledged.
        var sets = Enumerable.Range(0, 2500).Select(i => $"{{ \"Name\": \"n{i}.many.test.\", \"Type\": \"A\", \"TTL\": 60, \"ResourceRecords\": [ {{ \"Value\": \"10.0.{i / 256}.{i % 256}\" }} ] }}");
        var folder = new TestZones();
        folder.Write("many.test.json", $$"""{ "HostedZone": { "Name": "many.test." }, "ResourceRecordSets": [ {{string.Join(",", sets)}} ] }""");
        var source = new DirectorySide(folder.Directory);
        var target = Side(_local);
        var plan = await SyncPlanner.PlanAsync(source, target, new SyncOptions(), default);
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SyncApplier.ApplyAsync(plan, target, true, TimeSpan.FromSeconds(30), p => stop.Cancel(), stop.Token));
        var partial = await SyncPlanner.PlanAsync(source, target, new SyncOptions(), default);
        Assert.False(partial.Zones[0].CreateZone);
        Assert.Equal(1500, partial.ChangeCount);
        var (_, summary) = await Sync(source, target);
        Assert.Equal(2, summary!.Batches);
        Assert.True((await Sync(source, target, apply: false)).Plan.IsEmpty);
        folder.Dispose();
    }

    [Fact]
    public async Task A_private_zone_keeps_all_its_vpc_associations_on_the_target()
    {
        var folder = new TestZones();
        folder.Write("corp.test.private.json", """
            { "HostedZone": { "Name": "corp.test.", "Config": { "PrivateZone": true } },
              "VPCs": [ { "VPCRegion": "eu-west-1", "VPCId": "vpc-inside" }, { "VPCRegion": "us-east-1", "VPCId": "vpc-second" } ],
              "ResourceRecordSets": [ { "Name": "db.corp.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "10.1.2.3" } ] } ] }
            """);
        var remote = Side(_remote);
        var (plan, summary) = await Sync(new DirectorySide(folder.Directory), remote);
        Assert.Equal(1, summary!.VpcsAssociated);
        var zone = (await remote.ListZonesAsync(default)).Single(z => z.Name == "corp.test.");
        Assert.True(zone.IsPrivate);
        Assert.Equal(["vpc-inside", "vpc-second"], zone.Vpcs.Select(v => v.VpcId).Order());
        Assert.True((await Sync(new DirectorySide(folder.Directory), remote, apply: false)).Plan.IsEmpty);

        // A third association on the source reaches the target on the next apply, and the folder on a pull.
        await remote.AssociateVpcAsync(zone, new DnsHost.Zones.VpcAssociation("vpc-third", "ap-northeast-1"), default);
        var local = Side(_local);
        await Sync(remote, local);
        Assert.Equal(3, (await local.ListZonesAsync(default)).Single(z => z.Name == "corp.test.").Vpcs.Count);
        var (toFolder, _) = await Sync(remote, new DirectorySide(folder.Directory));
        Assert.Equal("vpc-third", Assert.Single(toFolder.Zones.Single(z => z.Source.Name == "corp.test.").VpcsToAssociate).VpcId);
        Assert.True((await Sync(remote, new DirectorySide(folder.Directory), apply: false)).Plan.IsEmpty);
        folder.Dispose();
    }

    [Fact]
    public void Batches_respect_route53_limits_counting_upsert_twice()
    {
        RecordSetChange Create(int i, string value, string action = "CREATE") =>
            new(action, new ResourceRecordSetJson { Name = $"n{i}.x.test.", Type = "TXT", TTL = 60, ResourceRecords = [new() { Value = value }] });
        Assert.Equal([1000, 1000, 500], SyncApplier.Pack(Enumerable.Range(0, 2500).Select(i => Create(i, "\"a\"")).ToList()).Select(b => b.Count));
        string big = "\"" + new string('x', 398) + "\"";
        Assert.Equal([80, 20], SyncApplier.Pack(Enumerable.Range(0, 100).Select(i => Create(i, big)).ToList()).Select(b => b.Count));
        Assert.Equal([40, 40, 20], SyncApplier.Pack(Enumerable.Range(0, 100).Select(i => Create(i, big, "UPSERT")).ToList()).Select(b => b.Count));
        Assert.Equal([500, 500], SyncApplier.Pack(Enumerable.Range(0, 1000).Select(i => Create(i, "\"a\"", "UPSERT")).ToList()).Select(b => b.Count));
    }

    [Fact]
    public void Deletes_come_first_and_aliases_after_the_sets_they_point_at()
    {
        ResourceRecordSetJson Alias(string name, string target) => new() { Name = name, Type = "A", AliasTarget = new() { HostedZoneId = "Z1", DNSName = target } };
        ResourceRecordSetJson Plain(string name) => new() { Name = name, Type = "A", TTL = 60, ResourceRecords = [new() { Value = "192.0.2.1" }] };
        var changes = new List<PlannedChange>
        {
            new("CREATE", null, Alias("c.x.", "b.x.")),
            new("CREATE", null, Alias("b.x.", "a.x.")),
            new("CREATE", null, Plain("a.x.")),
            new("DELETE", Plain("old.x."), null),
            new("DELETE", Alias("oldalias.x.", "old.x."), null),
        };
        Assert.Equal(["DELETE oldalias.x.", "DELETE old.x.", "CREATE a.x.", "CREATE b.x.", "CREATE c.x."],
            SyncApplier.Order(changes).Select(c => $"{c.Action} {c.Set.Name}"));
    }

    private static Task<(string Output, int Exit)> Cli(params string[] args) => SyncCli.RunAsync(args);
}
