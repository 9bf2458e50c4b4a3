using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Quotas and reusable delegation sets through the real AWS CLI: GetAccountLimit, GetHostedZoneLimit,
/// GetReusableDelegationSetLimit and GetCheckerIpRanges report the configured quotas, the quotas are
/// enforced, and a zone made on a reusable delegation set serves that set's name servers over DNS.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53LimitsTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        // Small quotas, so that reaching them takes a few calls.
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            "--HealthChecks:Enabled=false", "--HealthChecks:AllowPrivateTargets=true",
            "--Api:Quotas:HostedZones=6", "--Api:Quotas:RecordSetsPerZone=4", "--Api:Quotas:HealthChecks=1", "--Api:Quotas:ZonesPerDelegationSet=2");
        _aws = new AwsCli(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private static string Batch(params object[] changes) => JsonSerializer.Serialize(new { Changes = changes });

    private static object Create(string name, string value) =>
        new { Action = "CREATE", ResourceRecordSet = new { Name = name, Type = "A", TTL = 60, ResourceRecords = new[] { new { Value = value } } } };

    private async Task<string> CreateZone(string name, string reference, params string[] more)
    {
        var created = await _aws.Ok(["create-hosted-zone", "--name", name, "--caller-reference", reference, .. more]);
        return created.GetProperty("HostedZone").GetProperty("Id").GetString()!;
    }

    [Fact]
    public async Task Quotas_are_reported_and_enforced()
    {
        string zone = await CreateZone("quota.test", "quota-1");
        var limit = await _aws.Ok("get-account-limit", "--type", "MAX_HOSTED_ZONES_BY_OWNER");
        Assert.Equal(6, limit.GetProperty("Limit").GetProperty("Value").GetInt64());
        Assert.Equal(1, limit.GetProperty("Count").GetInt64());
        Assert.Equal(50, (await _aws.Ok("get-account-limit", "--type", "MAX_TRAFFIC_POLICIES_BY_OWNER")).GetProperty("Limit").GetProperty("Value").GetInt64());
        Assert.Equal("InvalidInput", (await _aws.Run("get-account-limit", "--type", "MAX_NOTHING")).ErrorCode);

        // Two sets more than SOA and NS fill the zone's quota of 4; a fifth is refused and nothing of the batch applies.
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(Create("a.quota.test", "192.0.2.1"), Create("b.quota.test", "192.0.2.2")));
        var zoneLimit = await _aws.Ok("get-hosted-zone-limit", "--hosted-zone-id", zone, "--type", "MAX_RRSETS_BY_ZONE");
        Assert.Equal(4, zoneLimit.GetProperty("Limit").GetProperty("Value").GetInt64());
        Assert.Equal(4, zoneLimit.GetProperty("Count").GetInt64());
        var full = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(Create("c.quota.test", "192.0.2.3")));
        Assert.Equal("InvalidChangeBatch", full.ErrorCode);
        Assert.Contains("Exceeded limit MAX_RRSETS_BY_ZONE", full.Stderr);
        var answer = await _server.UdpAsync(TestQuery.Build("c.quota.test", RecordType.A));
        Assert.Equal(ResponseCode.NXDomain, answer.ResponseCode);
        Assert.Equal(300, (await _aws.Ok("get-hosted-zone-limit", "--hosted-zone-id", zone, "--type", "MAX_VPCS_ASSOCIATED_BY_ZONE")).GetProperty("Limit").GetProperty("Value").GetInt64());

        // One health check allowed.
        await _aws.Ok("create-health-check", "--caller-reference", "quota-hc-1", "--health-check-config", "Type=TCP,IPAddress=127.0.0.1,Port=9");
        Assert.Equal("TooManyHealthChecks", (await _aws.Run("create-health-check", "--caller-reference", "quota-hc-2", "--health-check-config", "Type=TCP,IPAddress=127.0.0.1,Port=10")).ErrorCode);
        Assert.Equal(1, (await _aws.Ok("get-account-limit", "--type", "MAX_HEALTH_CHECKS_BY_OWNER")).GetProperty("Count").GetInt64());

        // Six zones in all.
        for (int i = 2; i <= 6; i++)
            await CreateZone($"quota{i}.test", $"quota-{i}");
        Assert.Equal("TooManyHostedZones", (await _aws.Run("create-hosted-zone", "--name", "quota7.test", "--caller-reference", "quota-7")).ErrorCode);

        var ranges = (await _aws.Ok("get-checker-ip-ranges")).GetProperty("CheckerIpRanges").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Equal(["127.0.0.0/8", "::1/128"], ranges);
    }

    [Fact]
    public async Task Reusable_delegation_sets_give_zones_their_name_servers()
    {
        var made = (await _aws.Ok("create-reusable-delegation-set", "--caller-reference", "set-1")).GetProperty("DelegationSet");
        string setId = made.GetProperty("Id").GetString()!;
        Assert.StartsWith("/delegationset/N", setId);
        var names = made.GetProperty("NameServers").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Equal(4, names.Count);
        Assert.DoesNotContain("ns1.dnshost.test", names);
        Assert.Equal("DelegationSetAlreadyCreated", (await _aws.Run("create-reusable-delegation-set", "--caller-reference", "set-1")).ErrorCode);
        Assert.Equal(names, (await _aws.Ok("get-reusable-delegation-set", "--id", setId)).GetProperty("DelegationSet").GetProperty("NameServers").EnumerateArray().Select(n => n.GetString()!));

        // A zone on the set: its delegation and its served NS set are the set's names, its SOA names the first.
        var created = await _aws.Ok("create-hosted-zone", "--name", "reuse.test", "--caller-reference", "reuse-1", "--delegation-set-id", setId);
        string zone = created.GetProperty("HostedZone").GetProperty("Id").GetString()!;
        Assert.Equal(setId, created.GetProperty("DelegationSet").GetProperty("Id").GetString());
        Assert.Equal(names, (await _aws.Ok("get-hosted-zone", "--id", zone)).GetProperty("DelegationSet").GetProperty("NameServers").EnumerateArray().Select(n => n.GetString()!));
        var ns = await _server.UdpAsync(TestQuery.Build("reuse.test", RecordType.NS));
        Assert.Equal(names.Select(n => n + ".").Order(), ns.AnswerData("NS").Order());
        var soa = await _server.UdpAsync(TestQuery.Build("reuse.test", RecordType.SOA));
        Assert.StartsWith(names[0] + ". ", soa.AnswerData("SOA").Single());

        // Two zones of one name cannot share a set; the set holds two zones here; list by set.
        Assert.Equal("ConflictingDomainExists", (await _aws.Run("create-hosted-zone", "--name", "reuse.test", "--caller-reference", "reuse-2", "--delegation-set-id", setId)).ErrorCode);
        await CreateZone("reuse2.test", "reuse-3", "--delegation-set-id", setId);
        Assert.Equal("LimitsExceeded", (await _aws.Run("create-hosted-zone", "--name", "reuse3.test", "--caller-reference", "reuse-4", "--delegation-set-id", setId)).ErrorCode);
        var limit = await _aws.Ok("get-reusable-delegation-set-limit", "--delegation-set-id", setId, "--type", "MAX_ZONES_BY_REUSABLE_DELEGATION_SET");
        Assert.Equal((2L, 2L), (limit.GetProperty("Limit").GetProperty("Value").GetInt64(), limit.GetProperty("Count").GetInt64()));
        var onSet = (await _aws.Ok("list-hosted-zones", "--delegation-set-id", setId)).GetProperty("HostedZones").EnumerateArray().Select(z => z.GetProperty("Name").GetString()).Order().ToList();
        Assert.Equal(["reuse.test.", "reuse2.test."], onSet);

        // An existing zone's delegation made reusable keeps its name servers.
        string plain = await CreateZone("plain.test", "plain-1");
        var copied = (await _aws.Ok("create-reusable-delegation-set", "--caller-reference", "set-2", "--hosted-zone-id", plain)).GetProperty("DelegationSet");
        Assert.Equal(["ns1.dnshost.test", "ns2.dnshost.test", "ns3.dnshost.test", "ns4.dnshost.test"], copied.GetProperty("NameServers").EnumerateArray().Select(n => n.GetString()!));
        Assert.Equal(copied.GetProperty("Id").GetString(), (await _aws.Ok("get-hosted-zone", "--id", plain)).GetProperty("DelegationSet").GetProperty("Id").GetString());
        Assert.Equal(2, (await _aws.Ok("list-reusable-delegation-sets")).GetProperty("DelegationSets").GetArrayLength());

        // A set in use cannot go; once its zones are deleted it can.
        Assert.Equal("DelegationSetInUse", (await _aws.Run("delete-reusable-delegation-set", "--id", setId)).ErrorCode);
        await _aws.Ok("delete-hosted-zone", "--id", zone);
        await _aws.Ok("delete-hosted-zone", "--id", (await _aws.Ok("list-hosted-zones-by-name", "--dns-name", "reuse2.test", "--max-items", "1")).GetProperty("HostedZones")[0].GetProperty("Id").GetString()!);
        await _aws.Ok("delete-reusable-delegation-set", "--id", setId);
        Assert.Equal("NoSuchDelegationSet", (await _aws.Run("get-reusable-delegation-set", "--id", setId)).ErrorCode);
    }
}
