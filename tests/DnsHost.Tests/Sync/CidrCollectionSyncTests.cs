using Amazon.Runtime;
using DnsHost.Protocol;
using DnsHost.Route53.Client;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Route53;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Sync;

/// <summary>
/// IP-based (CIDR) record sets and their CIDR collection synced between two DnsHosts playing Route 53:
/// the plan lists the collection's changes, the apply creates the collection on the target (its own id)
/// and the sets name it, the target then answers by client subnet as the source does, and a second plan
/// is empty. A later change of the source's blocks is carried too.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class CidrCollectionSyncTests : IAsyncLifetime
{
    private readonly TestZones _remoteZones = new(), _localZones = new();
    private RunningServer _remote = null!, _local = null!;
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);

    public async Task InitializeAsync()
    {
        _remote = await RunningServer.StartAsync(_remoteZones.Directory, ["--data", Path.Combine(_remoteZones.Directory, "api.db"), .. RoutingServerFixture.Settings]);
        _local = await RunningServer.StartAsync(_localZones.Directory, ["--data", Path.Combine(_localZones.Directory, "api.db"), .. RoutingServerFixture.Settings]);
    }

    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        _remoteZones.Dispose();
        _localZones.Dispose();
    }

    private static Route53RestClient Client(RunningServer server) => new(Credentials, new Route53ClientOptions { Endpoint = server.ApiBase });

    private static ResourceRecordSetJson Ip(string id, string collection, string location, string value) => new()
    {
        Name = "edge.ip.test.", Type = "A", SetIdentifier = id, TTL = 60,
        CidrRoutingConfig = new CidrRoutingConfigJson { CollectionId = collection, LocationName = location },
        ResourceRecords = [new ResourceRecordJson { Value = value }],
    };

    private static async Task<string> Answer(RunningServer server, string? subnet)
    {
        var response = await server.UdpAsync(TestQuery.Build("edge.ip.test", RecordType.A, ednsOptions: subnet is null ? null : RoutingServerFixture.Ecs(subnet)));
        return $"{response.ResponseCode} {string.Join(",", response.AnswerData("A").Order())}";
    }

    [Fact]
    public async Task A_collection_is_created_on_the_target_its_sets_follow_and_block_changes_are_carried()
    {
        using var remote = Client(_remote);
        var collection = await remote.CreateCidrCollectionAsync("offices", "seed");
        await remote.ChangeCidrCollectionAsync(collection.Id, null, [
            new CidrChange("office", "PUT", ["203.0.113.0/24"]),
            new CidrChange("lab", "PUT", ["198.51.100.0/24"]),
        ]);
        var (zone, _) = await remote.CreateHostedZoneAsync("ip.test.", "seed", null, null);
        await remote.ChangeResourceRecordSetsAsync(zone.Id, null, [
            new RecordSetChange("CREATE", Ip("office", collection.Id, "office", "192.0.2.61")),
            new RecordSetChange("CREATE", Ip("lab", collection.Id, "lab", "192.0.2.62")),
            new RecordSetChange("CREATE", Ip("default", collection.Id, "*", "192.0.2.69")),
        ]);
        string[] sides = ["--source", "route53:" + _remote.ApiBase, "--target", "route53:" + _local.ApiBase];

        var (plan, exit) = await Cli(["plan", .. sides]);
        Assert.Equal(2, exit);
        Assert.Contains("cidr collection + offices\n  + lab 198.51.100.0/24\n  + office 203.0.113.0/24\n", plan);
        Assert.Contains("  + edge.ip.test. A id=office cidr=offices/office ttl=60 192.0.2.61", plan);
        Assert.DoesNotContain("left out", plan);

        var (applied, applyExit) = await Cli(["apply", .. sides]);
        Assert.True(applyExit == 0, applied);
        foreach (string? subnet in new[] { "203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", null })
            Assert.Equal(await Answer(_remote, subnet), await Answer(_local, subnet));
        Assert.Equal("NoError 192.0.2.61", await Answer(_local, "203.0.113.0/24"));

        // The target's sets name the target's own collection.
        using var local = Client(_local);
        var made = Assert.Single(await local.ListCidrCollectionsAsync());
        Assert.Equal("offices", made.Name);
        Assert.NotEqual(collection.Id, made.Id);
        var localZone = Assert.Single(await local.ListHostedZonesAsync());
        Assert.All((await local.ListResourceRecordSetsAsync(localZone.Id)).Where(s => s.Type == "A"), s => Assert.Equal(made.Id, s.CidrRoutingConfig!.CollectionId));
        Assert.Equal(0, (await Cli(["plan", .. sides])).Exit);

        // The source's blocks change: the lab moves to another network, the office gains one.
        await remote.ChangeCidrCollectionAsync(collection.Id, null, [
            new CidrChange("lab", "DELETE_IF_EXISTS", ["198.51.100.0/24"]),
            new CidrChange("lab", "PUT", ["100.64.0.0/24"]),
            new CidrChange("office", "PUT", ["192.0.2.0/24"]),
        ]);
        var (changed, changedExit) = await Cli(["plan", .. sides]);
        Assert.Equal(2, changedExit);
        Assert.Contains("cidr collection ~ offices\n  - lab 198.51.100.0/24\n  + lab 100.64.0.0/24\n  + office 192.0.2.0/24\n", changed);
        Assert.Contains("zone ip.test.: in sync", changed);
        Assert.Equal(0, (await Cli(["apply", .. sides])).Exit);
        Assert.Equal("NoError 192.0.2.61", await Answer(_local, "192.0.2.0/24"));
        Assert.Equal("NoError 192.0.2.69", await Answer(_local, "198.51.100.0/24"));
        Assert.Equal("NoError 192.0.2.62", await Answer(_local, "100.64.0.0/24"));
        Assert.Equal(0, (await Cli(["plan", .. sides])).Exit);
    }

    private static Task<(string Output, int Exit)> Cli(string[] args) => SyncCli.RunAsync(args);
}
