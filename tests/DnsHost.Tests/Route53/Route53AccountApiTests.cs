using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Route53;

/// <summary>
/// VPC associations, CIDR collections, tags, change status and file zones' record sets through the
/// real AWS CLI, with the DNS answers that each change brings, asked from the addresses of the VPCs
/// and CIDR locations involved.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53AccountApiTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private string _data = null!;
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    // 127.0.0.2 is inside vpc-aaa, 127.0.0.3 inside vpc-bbb; everyone else is outside both.
    private static readonly string[] Settings = ["--Vpcs:vpc-aaa:0=127.0.0.2/32", "--Vpcs:vpc-bbb:0=127.0.0.3/32", "--HealthChecks:Enabled=false", "--HealthChecks:AllowPrivateTargets=true", "--Api:PendingSeconds=1"];

    public async Task InitializeAsync()
    {
        _zones.Write("files.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.53\nwww 300 IN A 192.0.2.80\nwww 300 IN A 192.0.2.81\n  IN TXT \"hello world\"\n");
        _zones.Write("json.test.json", """
            { "HostedZone": { "Id": "/hostedzone/ZJSONFILE", "Name": "json.test." },
              "ResourceRecordSets": [
                { "Name": "json.test.", "Type": "SOA", "TTL": 900, "ResourceRecords": [ { "Value": "ns.json.test. h.json.test. 1 7200 900 1209600 86400" } ] },
                { "Name": "json.test.", "Type": "NS", "TTL": 172800, "ResourceRecords": [ { "Value": "ns.json.test." } ] },
                { "Name": "w.json.test", "Type": "A", "SetIdentifier": "one", "Weight": 1, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.1" } ] } ] }
            """);
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase);
    }

    /// <summary>The server's clock: changes report PENDING until the test moves it past Api:PendingSeconds.</summary>
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private Task<RunningServer> Start() => RunningServer.StartAsync(_zones.Directory, services => services.AddSingleton<TimeProvider>(_time), ["--data", _data, .. Settings]);

    private async Task Restart()
    {
        await _server.DisposeAsync();
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private Task<TestResponse> QueryFrom(string source, string name, RecordType type = RecordType.A) =>
        _server.UdpFromAsync(source, TestQuery.Build(name, type));

    private async Task<string[]> A(string source, string name) => (await QueryFrom(source, name)).AnswerData("A").Order().ToArray();

    private static string Batch(params object[] changes) => JsonSerializer.Serialize(new { Changes = changes });

    private async Task<string> Change(string zoneId, string batch) =>
        (await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zoneId, "--change-batch", batch)).GetProperty("ChangeInfo").GetProperty("Id").GetString()!;

    private static object Upsert(object set) => new { Action = "UPSERT", ResourceRecordSet = set };

    [Fact]
    public async Task Vpc_associations_decide_which_clients_see_a_private_zone_and_survive_a_restart()
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", "corp.test", "--caller-reference", "private-1",
            "--vpc", "VPCRegion=us-east-1,VPCId=vpc-aaa", "--hosted-zone-config", "PrivateZone=true");
        string id = created.GetProperty("HostedZone").GetProperty("Id").GetString()!;
        await Change(id, Batch(Upsert(new { Name = "db.corp.test", Type = "A", TTL = 60, ResourceRecords = new[] { new { Value = "10.0.0.5" } } })));
        Assert.Equal(["10.0.0.5"], await A("127.0.0.2", "db.corp.test"));
        Assert.Empty(await A("127.0.0.3", "db.corp.test"));

        var associated = await _aws.Ok("associate-vpc-with-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-bbb", "--comment", "second office");
        Assert.Equal("second office", associated.GetProperty("ChangeInfo").GetProperty("Comment").GetString());
        Assert.Equal(["10.0.0.5"], await A("127.0.0.3", "db.corp.test"));
        var byVpc = await _aws.Ok("list-hosted-zones-by-vpc", "--vpc-id", "vpc-bbb", "--vpc-region", "eu-west-1");
        var summary = Assert.Single(byVpc.GetProperty("HostedZoneSummaries").EnumerateArray());
        Assert.Equal(id.Split('/')[^1], summary.GetProperty("HostedZoneId").GetString());
        Assert.Equal("corp.test.", summary.GetProperty("Name").GetString());
        Assert.Empty((await _aws.Ok("list-hosted-zones-by-vpc", "--vpc-id", "vpc-bbb", "--vpc-region", "us-east-1")).GetProperty("HostedZoneSummaries").EnumerateArray());

        Assert.Equal("ConflictingDomainExists", (await _aws.Run("associate-vpc-with-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-bbb")).ErrorCode);
        Assert.Equal("ConflictingDomainExists", (await _aws.Run("create-hosted-zone", "--name", "corp.test", "--caller-reference", "private-2",
            "--vpc", "VPCRegion=us-east-1,VPCId=vpc-aaa", "--hosted-zone-config", "PrivateZone=true")).ErrorCode);
        Assert.Equal("InvalidVPCId", (await _aws.Run("associate-vpc-with-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=eu-west-1,VPCId=subnet-1")).ErrorCode);
        Assert.Equal("VPCAssociationNotFound", (await _aws.Run("disassociate-vpc-from-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-ccc")).ErrorCode);

        await _aws.Ok("disassociate-vpc-from-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=us-east-1,VPCId=vpc-aaa");
        Assert.Empty(await A("127.0.0.2", "db.corp.test"));
        Assert.Equal("LastVPCAssociation", (await _aws.Run("disassociate-vpc-from-hosted-zone", "--hosted-zone-id", id, "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-bbb")).ErrorCode);

        var publicZone = (await _aws.Ok("create-hosted-zone", "--name", "open.test", "--caller-reference", "public-1")).GetProperty("HostedZone").GetProperty("Id").GetString()!;
        Assert.Equal("PublicZoneVPCAssociation", (await _aws.Run("associate-vpc-with-hosted-zone", "--hosted-zone-id", publicZone, "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-bbb")).ErrorCode);

        await Restart();
        Assert.Equal(["10.0.0.5"], await A("127.0.0.3", "db.corp.test"));
        Assert.Empty(await A("127.0.0.2", "db.corp.test"));
        var vpcs = (await _aws.Ok("get-hosted-zone", "--id", id)).GetProperty("VPCs").EnumerateArray().Select(v => v.GetProperty("VPCId").GetString()).ToList();
        Assert.Equal(["vpc-bbb"], vpcs);
    }

    [Fact]
    public async Task Cidr_collections_drive_ip_based_answers_and_refuse_changes_that_would_break_them()
    {
        var collection = (await _aws.Ok("create-cidr-collection", "--name", "offices", "--caller-reference", "c-1")).GetProperty("Collection");
        string cid = collection.GetProperty("Id").GetString()!;
        Assert.Equal(1, collection.GetProperty("Version").GetInt64());
        Assert.Equal("arn:aws:route53:::cidrcollection/" + cid, collection.GetProperty("Arn").GetString());
        // The same request again is the same collection; the name with another reference is refused.
        Assert.Equal(cid, (await _aws.Ok("create-cidr-collection", "--name", "offices", "--caller-reference", "c-1")).GetProperty("Collection").GetProperty("Id").GetString());
        Assert.Equal("CidrCollectionAlreadyExistsException", (await _aws.Run("create-cidr-collection", "--name", "offices", "--caller-reference", "c-2")).ErrorCode);

        await _aws.Ok("change-cidr-collection", "--id", cid, "--collection-version", "1", "--changes",
            """[{"LocationName":"loopback","Action":"PUT","CidrList":["127.0.0.0/24"]},{"LocationName":"branch","Action":"PUT","CidrList":["198.51.100.0/24","2001:db8::/48"]}]""");
        Assert.Equal("CidrCollectionVersionMismatchException", (await _aws.Run("change-cidr-collection", "--id", cid, "--collection-version", "1", "--changes",
            """[{"LocationName":"x","Action":"PUT","CidrList":["10.0.0.0/24"]}]""")).ErrorCode);
        Assert.Equal("InvalidInput", (await _aws.Run("change-cidr-collection", "--id", cid, "--changes",
            """[{"LocationName":"x","Action":"PUT","CidrList":["10.0.0.0/8x"]}]""")).ErrorCode);

        string zone = (await _aws.Ok("create-hosted-zone", "--name", "cidr.test", "--caller-reference", "cidr-zone")).GetProperty("HostedZone").GetProperty("Id").GetString()!;
        Assert.Equal("NoSuchCidrLocationException", (await _aws.Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch",
            Batch(Upsert(new { Name = "ip.cidr.test", Type = "A", TTL = 60, SetIdentifier = "x", CidrRoutingConfig = new { CollectionId = cid, LocationName = "nowhere" }, ResourceRecords = new[] { new { Value = "192.0.2.9" } } })))).ErrorCode);
        Assert.Equal("NoSuchCidrCollectionException", (await _aws.Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch",
            Batch(Upsert(new { Name = "ip.cidr.test", Type = "A", TTL = 60, SetIdentifier = "x", CidrRoutingConfig = new { CollectionId = "0b1c2d3e-0000-4000-8000-000000000000", LocationName = "loopback" }, ResourceRecords = new[] { new { Value = "192.0.2.9" } } })))).ErrorCode);
        await Change(zone, Batch(
            Upsert(new { Name = "ip.cidr.test", Type = "A", TTL = 60, SetIdentifier = "lo", CidrRoutingConfig = new { CollectionId = cid, LocationName = "loopback" }, ResourceRecords = new[] { new { Value = "192.0.2.1" } } }),
            Upsert(new { Name = "ip.cidr.test", Type = "A", TTL = 60, SetIdentifier = "rest", CidrRoutingConfig = new { CollectionId = cid, LocationName = "*" }, ResourceRecords = new[] { new { Value = "192.0.2.2" } } })));
        Assert.Equal(["192.0.2.1"], await A("127.0.0.1", "ip.cidr.test"));

        // Emptying a location that record sets use is refused, and changes nothing.
        Assert.Equal("CidrBlockInUseException", (await _aws.Run("change-cidr-collection", "--id", cid, "--changes",
            """[{"LocationName":"loopback","Action":"DELETE_IF_EXISTS","CidrList":["127.0.0.0/24"]}]""")).ErrorCode);
        Assert.Equal(["192.0.2.1"], await A("127.0.0.1", "ip.cidr.test"));
        // Moving loopback's block away in one request: the next query falls to the default location.
        await _aws.Ok("change-cidr-collection", "--id", cid, "--collection-version", "2", "--changes",
            """[{"LocationName":"loopback","Action":"PUT","CidrList":["10.9.0.0/16"]},{"LocationName":"loopback","Action":"DELETE_IF_EXISTS","CidrList":["127.0.0.0/24"]},{"LocationName":"branch","Action":"PUT","CidrList":["127.0.0.0/24"]}]""");
        Assert.Equal(["192.0.2.2"], await A("127.0.0.1", "ip.cidr.test"));

        var locations = (await _aws.Ok("list-cidr-locations", "--collection-id", cid, "--page-size", "1")).GetProperty("CidrLocations").EnumerateArray().Select(l => l.GetProperty("LocationName").GetString()).ToList();
        Assert.Equal(["branch", "loopback"], locations);
        var blocks = (await _aws.Ok("list-cidr-blocks", "--collection-id", cid, "--page-size", "1")).GetProperty("CidrBlocks").EnumerateArray()
            .Select(b => b.GetProperty("LocationName").GetString() + " " + b.GetProperty("CidrBlock").GetString()).ToList();
        Assert.Equal(["branch 127.0.0.0/24", "branch 198.51.100.0/24", "branch 2001:db8::/48", "loopback 10.9.0.0/16"], blocks.Order(StringComparer.Ordinal));
        Assert.Single((await _aws.Ok("list-cidr-blocks", "--collection-id", cid, "--location-name", "loopback")).GetProperty("CidrBlocks").EnumerateArray());
        Assert.Equal("NoSuchCidrLocationException", (await _aws.Run("list-cidr-blocks", "--collection-id", cid, "--location-name", "mars")).ErrorCode);
        var summary = Assert.Single((await _aws.Ok("list-cidr-collections")).GetProperty("CidrCollections").EnumerateArray());
        Assert.Equal(3, summary.GetProperty("Version").GetInt64());

        await Restart();
        Assert.Equal(["192.0.2.2"], await A("127.0.0.1", "ip.cidr.test"));
        Assert.Equal("CidrCollectionInUseException", (await _aws.Run("delete-cidr-collection", "--id", cid)).ErrorCode);
        Assert.Equal("NoSuchCidrCollectionException", (await _aws.Run("delete-cidr-collection", "--id", "0b1c2d3e-0000-4000-8000-000000000000")).ErrorCode);

        var empty = (await _aws.Ok("create-cidr-collection", "--name", "spare", "--caller-reference", "c-3")).GetProperty("Collection").GetProperty("Id").GetString()!;
        await _aws.Ok("delete-cidr-collection", "--id", empty);
        Assert.Single((await _aws.Ok("list-cidr-collections")).GetProperty("CidrCollections").EnumerateArray());
    }

    [Fact]
    public async Task Tags_on_zones_and_health_checks_are_kept_changed_listed_and_validated()
    {
        string zone = (await _aws.Ok("create-hosted-zone", "--name", "tags.test", "--caller-reference", "tags-zone")).GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        string check = (await _aws.Ok("create-health-check", "--caller-reference", "tags-check", "--health-check-config", "Type=TCP,IPAddress=127.0.0.1,Port=9"))
            .GetProperty("HealthCheck").GetProperty("Id").GetString()!;

        await _aws.Ok("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone, "--add-tags", "Key=team,Value=dns", "Key=env,Value=dev");
        await _aws.Ok("change-tags-for-resource", "--resource-type", "healthcheck", "--resource-id", check, "--add-tags", "Key=Name,Value=backend");
        await _aws.Ok("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone, "--add-tags", "Key=env,Value=prod", "--remove-tag-keys", "team");

        var set = (await _aws.Ok("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone)).GetProperty("ResourceTagSet");
        Assert.Equal(zone, set.GetProperty("ResourceId").GetString());
        Assert.Equal(["env=prod"], set.GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString() + "=" + t.GetProperty("Value").GetString()).ToArray());

        await Restart();
        var sets = (await _aws.Ok("list-tags-for-resources", "--resource-type", "healthcheck", "--resource-ids", check)).GetProperty("ResourceTagSets").EnumerateArray().ToList();
        Assert.Equal("backend", Assert.Single(Assert.Single(sets).GetProperty("Tags").EnumerateArray()).GetProperty("Value").GetString());

        Assert.Equal("NoSuchHostedZone", (await _aws.Run("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", "ZNOSUCHZONE")).ErrorCode);
        Assert.Equal("NoSuchHealthCheck", (await _aws.Run("change-tags-for-resource", "--resource-type", "healthcheck", "--resource-id", "00000000-0000-0000-0000-000000000000", "--add-tags", "Key=a,Value=b")).ErrorCode);
        var unchecked_ = new AwsCli(_server.ApiBase, clientValidation: false);
        string[] eleven = Enumerable.Range(0, 11).Select(i => $"Key=k{i},Value=v").ToArray();
        Assert.Equal("InvalidInput", (await unchecked_.Run(["change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone, "--add-tags", .. eleven])).ErrorCode);
        Assert.Equal("InvalidInput", (await unchecked_.Run("list-tags-for-resource", "--resource-type", "recordset", "--resource-id", zone)).ErrorCode);

        // A deleted resource takes its tags with it: a new zone never inherits them.
        await _aws.Ok("delete-health-check", "--health-check-id", check);
        Assert.Equal("NoSuchHealthCheck", (await _aws.Run("list-tags-for-resource", "--resource-type", "healthcheck", "--resource-id", check)).ErrorCode);
    }

    [Fact]
    public async Task A_change_is_served_at_once_reports_pending_and_then_insync()
    {
        string zone = (await _aws.Ok("create-hosted-zone", "--name", "pending.test", "--caller-reference", "pending-zone")).GetProperty("HostedZone").GetProperty("Id").GetString()!;
        string change = await Change(zone, Batch(Upsert(new { Name = "p.pending.test", Type = "A", TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.7" } } })));
        Assert.Equal("PENDING", (await _aws.Ok("get-change", "--id", change)).GetProperty("ChangeInfo").GetProperty("Status").GetString());
        Assert.Equal(["192.0.2.7"], await A("127.0.0.1", "p.pending.test"));
        // Still PENDING however long the CLI took, until the server's clock passes Api:PendingSeconds.
        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal("PENDING", (await _aws.Ok("get-change", "--id", change)).GetProperty("ChangeInfo").GetProperty("Status").GetString());
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal("INSYNC", (await _aws.Ok("get-change", "--id", change)).GetProperty("ChangeInfo").GetProperty("Status").GetString());
        // The CLI's waiter reads the same status (its first poll is immediate).
        await _aws.Ok("wait", "resource-record-sets-changed", "--id", change);
        Assert.Equal("NoSuchChange", (await _aws.Run("get-change", "--id", "CNOSUCHCHANGE")).ErrorCode);
    }

    [Fact]
    public async Task Zones_from_files_list_their_record_sets_and_stay_read_only()
    {
        var zones = (await _aws.Ok("list-hosted-zones")).GetProperty("HostedZones").EnumerateArray().ToList();
        string master = zones.Single(z => z.GetProperty("Name").GetString() == "files.test.").GetProperty("Id").GetString()!;
        var sets = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", master)).GetProperty("ResourceRecordSets").EnumerateArray().ToList();
        Assert.Equal(["files.test. NS", "files.test. SOA", "ns.files.test. A", "www.files.test. A", "www.files.test. TXT"],
            sets.Select(s => s.GetProperty("Name").GetString() + " " + s.GetProperty("Type").GetString()).ToArray());
        var www = sets.Single(s => s.GetProperty("Name").GetString() == "www.files.test." && s.GetProperty("Type").GetString() == "A");
        Assert.Equal(300, www.GetProperty("TTL").GetInt32());
        Assert.Equal(["192.0.2.80", "192.0.2.81"], www.GetProperty("ResourceRecords").EnumerateArray().Select(r => r.GetProperty("Value").GetString()!).Order().ToArray());
        Assert.Equal("\"hello world\"", sets.Single(s => s.GetProperty("Type").GetString() == "TXT").GetProperty("ResourceRecords")[0].GetProperty("Value").GetString());

        var json = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", "ZJSONFILE")).GetProperty("ResourceRecordSets").EnumerateArray().ToList();
        var weighted = json.Single(s => s.GetProperty("Type").GetString() == "A");
        Assert.Equal("w.json.test.", weighted.GetProperty("Name").GetString());
        Assert.Equal("one", weighted.GetProperty("SetIdentifier").GetString());
        Assert.Equal(1, weighted.GetProperty("Weight").GetInt32());

        Assert.Equal("InvalidInput", (await _aws.Run("change-resource-record-sets", "--hosted-zone-id", "ZJSONFILE", "--change-batch",
            Batch(Upsert(new { Name = "x.json.test", Type = "A", TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.3" } } })))).ErrorCode);
    }
}
