using System.Text.Json;
using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Route 53's TTL limit for signed zones (Developer Guide, "Working with key-signing keys": "When DNSSEC signing is
/// enabled for a hosted zone, Route 53 limits the TTL to one week ... you don't get an error, but Route 53 enforces a
/// TTL of one week"): through the AWS CLI, a record set with a 30-day TTL is accepted and listed with it, DNS serves
/// it for one week (with and without DO; the RRSIG's original TTL says one week and verifies) while signing is on,
/// and for 30 days again once signing is disabled.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53SignedTtlTests : IAsyncLifetime
{
    private const string Zone = "r53ttl.test";
    private const uint Month = 30 * 24 * 3600, Week = 7 * 24 * 3600;
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private AwsCli _aws = null!;
    private string _zoneId = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}");
        _aws = new AwsCli(_server.ApiBase);
        var created = await _aws.Ok("create-hosted-zone", "--name", Zone, "--caller-reference", "ttl");
        _zoneId = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        object Simple(string name, long ttl, string value) =>
            new { Action = "CREATE", ResourceRecordSet = new { Name = name, Type = "A", TTL = ttl, ResourceRecords = new[] { new { Value = value } } } };
        var changes = new[] { Simple("long." + Zone, Month, "192.0.2.1"), Simple("short." + Zone, 300, "192.0.2.2") };
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", _zoneId, "--change-batch", JsonSerializer.Serialize(new { Changes = changes }));
        await _aws.Ok("create-key-signing-key", "--hosted-zone-id", _zoneId, "--name", "ttl_ksk",
            "--key-management-service-arn", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--status", "ACTIVE", "--caller-reference", "ksk");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<SignedAnswers> AskAsync(string name, RecordType type, bool dnssecOk) =>
        SignedAnswers.Read((await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: dnssecOk)))!);

    private async Task<uint> ServedTtlAsync(string name, bool dnssecOk) =>
        Assert.Single((await AskAsync(name, RecordType.A, dnssecOk)).In(0), r => r.Type == (ushort)RecordType.A).Ttl;

    private async Task<long> ListedTtlAsync(string name)
    {
        var sets = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", _zoneId)).GetProperty("ResourceRecordSets");
        return sets.EnumerateArray().Single(s => s.GetProperty("Name").GetString() == name + ".").GetProperty("TTL").GetInt64();
    }

    [Fact]
    public async Task A_ttl_over_a_week_is_served_as_a_week_while_signing_and_listed_as_given()
    {
        Assert.Equal(Month, await ServedTtlAsync("long." + Zone, dnssecOk: false));

        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);
        Assert.Equal(Week, await ServedTtlAsync("long." + Zone, dnssecOk: false));
        Assert.Equal(Week, await ServedTtlAsync("long." + Zone, dnssecOk: true));
        Assert.Equal(300u, await ServedTtlAsync("short." + Zone, dnssecOk: true));
        // The signature covers the TTL served (RFC 4034 3.1.4: the original TTL) and verifies with the zone's key.
        var signed = await AskAsync("long." + Zone, RecordType.A, dnssecOk: true);
        var rrsig = Assert.Single(signed.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        Assert.True(RrsigRecord.TryRead(rrsig.RData, out var parsed));
        Assert.Equal(Week, parsed.OriginalTtl);
        var keys = (await AskAsync(Zone, RecordType.DNSKEY, dnssecOk: true)).In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => r.RData).ToList();
        var a = Assert.Single(signed.In(0), r => r.Type == (ushort)RecordType.A);
        Assert.Contains(keys, k => SignedAnswers.Verifies(rrsig.RData, a.Owner, (ushort)RecordType.A, [a.RData], k));
        // The API keeps and lists what was set: no error, no silent change of the record set.
        Assert.Equal(Month, await ListedTtlAsync("long." + Zone));

        await _aws.Ok("disable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);
        Assert.Equal(Month, await ServedTtlAsync("long." + Zone, dnssecOk: true));
    }
}
