using System.Text.Json;
using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Route 53's DNSSEC API (EnableHostedZoneDNSSEC, the key-signing key operations, GetDNSSEC) driven by
/// the real AWS CLI against a real DnsHost on loopback; what the API says is checked in the DNS
/// answers that follow (DNSKEY RRset, RRSIGs), and across a restart on the same store.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53DnssecApiTests : IAsyncLifetime
{
    private const string Arn1 = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string Arn2 = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";
    private const string Arn3 = "arn:aws:kms:us-east-1:111122223333:key/ffffffff-09fe-87dc-65ba-ab0987654321";
    private readonly TestZones _zones = new();
    private string _data = null!;
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase);
    }

    private Task<RunningServer> Start(bool withKek = true) => RunningServer.StartAsync(_zones.Directory,
        ["--data", _data, "--Vpcs:vpc-aaa:0=127.0.0.2/32", .. withKek ? new[] { $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}" } : []]);

    private async Task Restart(bool withKek = true)
    {
        await _server.DisposeAsync();
        _server = await Start(withKek);
        _aws = new AwsCli(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<string> CreateZone(string name, params string[] records)
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", name, "--caller-reference", "ref-" + name);
        string id = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        if (records.Length > 0)
        {
            var changes = records.Select(r => r.Split(' ', 3)).Select(p => new
            {
                Action = "UPSERT",
                ResourceRecordSet = new { Name = p[0], Type = p[1], TTL = 300, ResourceRecords = p[2].Split('|').Select(v => new { Value = v }) },
            });
            await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", JsonSerializer.Serialize(new { Changes = changes }));
        }
        return id;
    }

    private Task<JsonElement> CreateKsk(string zoneId, string name, string arn, string status = "ACTIVE") =>
        _aws.Ok("create-key-signing-key", "--hosted-zone-id", zoneId, "--name", name, "--key-management-service-arn", arn,
            "--status", status, "--caller-reference", "ksk-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private async Task<string?> Error(params string[] args) => (await _aws.Run(args)).ErrorCode;

    private async Task<SignedAnswers> Query(string name, RecordType type) =>
        SignedAnswers.Read((await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: true, ednsSize: 4096)))!);

    [Fact]
    public async Task A_ksk_made_with_the_cli_signs_the_keys_and_a_managed_zsk_signs_the_answers_until_signing_is_disabled()
    {
        string id = await CreateZone("signed.test", "www.signed.test A 192.0.2.1");
        var created = await CreateKsk(id, "ksk_one", Arn1);
        var ksk = created.GetProperty("KeySigningKey");
        Assert.Equal(257, ksk.GetProperty("Flag").GetInt32());
        Assert.Equal("ECDSAP256SHA256", ksk.GetProperty("SigningAlgorithmMnemonic").GetString());
        Assert.Equal(13, ksk.GetProperty("SigningAlgorithmType").GetInt32());
        Assert.Equal("SHA-256", ksk.GetProperty("DigestAlgorithmMnemonic").GetString());
        Assert.Equal(2, ksk.GetProperty("DigestAlgorithmType").GetInt32());
        Assert.Equal(Arn1, ksk.GetProperty("KmsArn").GetString());
        Assert.Equal("ACTIVE", ksk.GetProperty("Status").GetString());
        Assert.Equal("PENDING", created.GetProperty("ChangeInfo").GetProperty("Status").GetString());

        // Not signing yet: no DNSKEY, no RRSIG.
        var before = await _aws.Ok("get-dnssec", "--hosted-zone-id", id);
        Assert.Equal("NOT_SIGNING", before.GetProperty("Status").GetProperty("ServeSignature").GetString());
        Assert.DoesNotContain((await Query("www.signed.test", RecordType.A)).Records, r => r.Type == (ushort)RecordType.RRSIG);

        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", id);
        var status = await _aws.Ok("get-dnssec", "--hosted-zone-id", id);
        Assert.Equal("SIGNING", status.GetProperty("Status").GetProperty("ServeSignature").GetString());
        var listed = Assert.Single(status.GetProperty("KeySigningKeys").EnumerateArray());
        int keyTag = listed.GetProperty("KeyTag").GetInt32();
        string publicKey = listed.GetProperty("PublicKey").GetString()!;
        Assert.Equal($"257 3 13 {publicKey}", listed.GetProperty("DNSKEYRecord").GetString());
        Assert.Equal($"{keyTag} 13 2 {listed.GetProperty("DigestValue").GetString()}", listed.GetProperty("DSRecord").GetString());

        // DNS: the KSK from the API and a ZSK (flags 256); the KSK signs the DNSKEY RRset, the ZSK the answers.
        var keys = await Query("signed.test", RecordType.DNSKEY);
        var dnskeys = keys.In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => r.RData).ToList();
        Assert.Equal(2, dnskeys.Count);
        var kskKey = Assert.Single(dnskeys, k => k[1] == 1);
        var zskKey = Assert.Single(dnskeys, k => k[1] == 0);
        Assert.Equal(publicKey, Convert.ToBase64String(kskKey.AsSpan(4)));
        Assert.Equal(keyTag, KeyTag.Compute(kskKey));
        Assert.Contains(keys.Check(0, kskKey), c => c.Type == "DNSKEY" && c.Verified);
        var www = await Query("www.signed.test", RecordType.A);
        Assert.Contains(www.Check(0, zskKey), c => c.Type == "A" && c.Verified);
        Assert.DoesNotContain(www.Check(0, kskKey), c => c.Verified);
        // The DS that get-dnssec gives is the digest of the KSK served.
        var ds = new byte[36];
        Assert.Equal(32, DsDigest.Compute(DsDigestType.Sha256, DnsName.Parse("signed.test."), kskKey, ds));
        Assert.Equal(Convert.ToHexString(ds.AsSpan(0, 32)), listed.GetProperty("DigestValue").GetString());

        await _aws.Ok("disable-hosted-zone-dnssec", "--hosted-zone-id", id);
        Assert.Equal("NOT_SIGNING", (await _aws.Ok("get-dnssec", "--hosted-zone-id", id)).GetProperty("Status").GetProperty("ServeSignature").GetString());
        Assert.DoesNotContain((await Query("www.signed.test", RecordType.A)).Records, r => r.Type == (ushort)RecordType.RRSIG);
        Assert.DoesNotContain((await Query("signed.test", RecordType.DNSKEY)).Records, r => r.Type == (ushort)RecordType.DNSKEY);
    }

    [Fact]
    public async Task The_keys_survive_a_restart_and_signing_resumes_with_the_same_ksk_and_zsk()
    {
        string id = await CreateZone("durable.test", "www.durable.test A 192.0.2.2");
        await CreateKsk(id, "ksk_one", Arn1);
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", id);
        var keysBefore = (await Query("durable.test", RecordType.DNSKEY)).In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => Convert.ToBase64String(r.RData)).Order().ToList();
        string dsBefore = (await _aws.Ok("get-dnssec", "--hosted-zone-id", id)).GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString()!;

        await Restart();

        var status = await _aws.Ok("get-dnssec", "--hosted-zone-id", id);
        Assert.Equal("SIGNING", status.GetProperty("Status").GetProperty("ServeSignature").GetString());
        Assert.Equal(dsBefore, status.GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString());
        var keysAfter = (await Query("durable.test", RecordType.DNSKEY)).In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => Convert.ToBase64String(r.RData)).Order().ToList();
        Assert.Equal(keysBefore, keysAfter);
        var zsk = Convert.FromBase64String(keysAfter.Single(k => Convert.FromBase64String(k)[1] == 0));
        Assert.Contains((await Query("www.durable.test", RecordType.A)).Check(0, zsk), c => c.Type == "A" && c.Verified);
    }

    [Fact]
    public async Task Without_the_key_encryption_key_no_ksk_is_made_and_stored_keys_report_internal_failure()
    {
        string id = await CreateZone("nokek.test");
        await CreateKsk(id, "ksk_one", Arn1);
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", id);

        await Restart(withKek: false);

        var refused = await _aws.Run("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two", "--key-management-service-arn", Arn2, "--status", "ACTIVE", "--caller-reference", "r2");
        Assert.Equal("InvalidKMSArn", refused.ErrorCode);
        Assert.Contains("Dnssec:KeyEncryptionKey", refused.Stderr);
        var status = await _aws.Ok("get-dnssec", "--hosted-zone-id", id);
        Assert.Equal("INTERNAL_FAILURE", status.GetProperty("Status").GetProperty("ServeSignature").GetString());
        Assert.Contains("Dnssec:KeyEncryptionKey", status.GetProperty("Status").GetProperty("StatusMessage").GetString());
        Assert.Equal("ACTION_NEEDED", status.GetProperty("KeySigningKeys")[0].GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Key_signing_key_errors_are_route53s()
    {
        string id = await CreateZone("errors.test");
        Assert.Equal("InvalidKeySigningKeyName", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "bad-name", "--key-management-service-arn", Arn1, "--status", "ACTIVE", "--caller-reference", "e1"));
        Assert.Equal("InvalidKMSArn", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_one", "--key-management-service-arn", "not-an-arn", "--status", "ACTIVE", "--caller-reference", "e2"));
        Assert.Equal("InvalidKeySigningKeyStatus", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_one", "--key-management-service-arn", Arn1, "--status", "ENABLED", "--caller-reference", "e3"));
        Assert.Equal("NoSuchHostedZone", await Error("create-key-signing-key", "--hosted-zone-id", "ZNOSUCHZONE000000000", "--name", "ksk_one", "--key-management-service-arn", Arn1, "--status", "ACTIVE", "--caller-reference", "e4"));

        await CreateKsk(id, "ksk_one", Arn1, "INACTIVE");
        // Enabling needs an ACTIVE KSK.
        Assert.Equal("KeySigningKeyWithActiveStatusNotFound", await Error("enable-hosted-zone-dnssec", "--hosted-zone-id", id));
        Assert.Equal("KeySigningKeyAlreadyExists", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_one", "--key-management-service-arn", Arn2, "--status", "ACTIVE", "--caller-reference", "e5"));
        Assert.Equal("KeySigningKeyAlreadyExists", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two", "--key-management-service-arn", Arn1, "--status", "ACTIVE", "--caller-reference", "e6"));
        await CreateKsk(id, "ksk_two", Arn2);
        Assert.Equal("TooManyKeySigningKeys", await Error("create-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_three", "--key-management-service-arn", Arn3, "--status", "ACTIVE", "--caller-reference", "e7"));

        Assert.Equal("NoSuchKeySigningKey", await Error("activate-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_none"));
        Assert.Equal("NoSuchKeySigningKey", await Error("delete-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_none"));
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", id);
        // ksk_two is the only ACTIVE one of a signing zone.
        Assert.Equal("KeySigningKeyInUse", await Error("deactivate-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two"));
        Assert.Equal("InvalidKeySigningKeyStatus", await Error("delete-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two"));

        // A KSK rollover the Route 53 way: activate the new one, then retire the old.
        await _aws.Ok("activate-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_one");
        var keys = await Query("errors.test", RecordType.DNSKEY);
        Assert.Equal(3, keys.In(0).Count(r => r.Type == (ushort)RecordType.DNSKEY));
        Assert.Equal(2, keys.In(0).Count(r => r.Type == (ushort)RecordType.RRSIG));
        await _aws.Ok("deactivate-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two");
        await _aws.Ok("delete-key-signing-key", "--hosted-zone-id", id, "--name", "ksk_two");
        var left = Assert.Single((await _aws.Ok("get-dnssec", "--hosted-zone-id", id)).GetProperty("KeySigningKeys").EnumerateArray());
        Assert.Equal("ksk_one", left.GetProperty("Name").GetString());
        Assert.Equal(2, (await Query("errors.test", RecordType.DNSKEY)).In(0).Count(r => r.Type == (ushort)RecordType.DNSKEY));
    }

    [Fact]
    public async Task Zone_level_errors_are_route53s()
    {
        string id = await CreateZone("fresh.test");
        Assert.Equal("DNSSECNotFound", await Error("disable-hosted-zone-dnssec", "--hosted-zone-id", id));
        Assert.Equal("KeySigningKeyWithActiveStatusNotFound", await Error("enable-hosted-zone-dnssec", "--hosted-zone-id", id));
        Assert.Equal("NoSuchHostedZone", await Error("get-dnssec", "--hosted-zone-id", "ZNOSUCHZONE000000000"));
        Assert.Equal("NoSuchHostedZone", await Error("enable-hosted-zone-dnssec", "--hosted-zone-id", "ZNOSUCHZONE000000000"));
        var empty = await _aws.Ok("get-dnssec", "--hosted-zone-id", id);
        Assert.Equal("NOT_SIGNING", empty.GetProperty("Status").GetProperty("ServeSignature").GetString());
        Assert.Empty(empty.GetProperty("KeySigningKeys").EnumerateArray());

        // Route 53 signs public zones only.
        var created = await _aws.Ok("create-hosted-zone", "--name", "private.test", "--caller-reference", "private-ref",
            "--vpc", "VPCRegion=us-east-1,VPCId=vpc-aaa", "--hosted-zone-config", "PrivateZone=true");
        string privateId = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        var refused = await _aws.Run("get-dnssec", "--hosted-zone-id", privateId);
        Assert.Equal("InvalidArgument", refused.ErrorCode);
        Assert.Contains("Operation is unsupported for private hosted zones", refused.Stderr);
        Assert.Equal("InvalidArgument", await Error("create-key-signing-key", "--hosted-zone-id", privateId, "--name", "ksk_one", "--key-management-service-arn", Arn1, "--status", "ACTIVE", "--caller-reference", "p1"));
        Assert.Equal("InvalidArgument", await Error("enable-hosted-zone-dnssec", "--hosted-zone-id", privateId));
    }

    [Fact]
    public async Task A_signing_zone_is_deleted_only_once_signing_is_disabled()
    {
        string id = await CreateZone("deleted.test");
        await CreateKsk(id, "ksk_one", Arn1);
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", id);
        var refused = await _aws.Run("delete-hosted-zone", "--id", id);
        Assert.Equal("HostedZoneNotEmpty", refused.ErrorCode);
        Assert.Contains("DNSSEC", refused.Stderr);
        await _aws.Ok("disable-hosted-zone-dnssec", "--hosted-zone-id", id);
        await _aws.Ok("delete-hosted-zone", "--id", id);
        Assert.Equal("NoSuchHostedZone", await Error("get-dnssec", "--hosted-zone-id", id));
    }

    [Fact]
    public async Task A_parent_served_here_is_checked_for_its_delegation_and_its_ds()
    {
        string parent = await CreateZone("parent.test", "child.parent.test NS ns1.elsewhere.example.|ns2.elsewhere.example.");
        string child = await CreateZone("child.parent.test", "www.child.parent.test A 192.0.2.3");
        await CreateKsk(child, "ksk_one", Arn1);
        // The parent delegates to other name servers than the child's own.
        Assert.Equal("HostedZonePartiallyDelegated", await Error("enable-hosted-zone-dnssec", "--hosted-zone-id", child));

        var childNs = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", child)).GetProperty("ResourceRecordSets").EnumerateArray()
            .Single(s => s.GetProperty("Type").GetString() == "NS").GetProperty("ResourceRecords").EnumerateArray().Select(r => r.GetProperty("Value").GetString()!);
        var ds = (await _aws.Ok("get-dnssec", "--hosted-zone-id", child)).GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString()!;
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", parent, "--change-batch", JsonSerializer.Serialize(new
        {
            Changes = new object[]
            {
                new { Action = "UPSERT", ResourceRecordSet = new { Name = "child.parent.test", Type = "NS", TTL = 300, ResourceRecords = childNs.Select(v => new { Value = v }) } },
                new { Action = "UPSERT", ResourceRecordSet = new { Name = "child.parent.test", Type = "DS", TTL = 300, ResourceRecords = new[] { new { Value = ds } } } },
            },
        }));
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", child);
        await CreateKsk(child, "ksk_two", Arn2);
        // The parent's DS names ksk_one: retiring it or signing would break the chain of trust.
        Assert.Equal("KeySigningKeyInParentDSRecord", await Error("deactivate-key-signing-key", "--hosted-zone-id", child, "--name", "ksk_one"));
        Assert.Equal("KeySigningKeyInParentDSRecord", await Error("disable-hosted-zone-dnssec", "--hosted-zone-id", child));
        await _aws.Ok("deactivate-key-signing-key", "--hosted-zone-id", child, "--name", "ksk_two");
    }
}
