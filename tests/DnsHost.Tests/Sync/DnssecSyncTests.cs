using Amazon.Runtime;
using DnsHost.Protocol;
using DnsHost.Route53.Client;
using DnsHost.Route53.Sync;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Sync;

/// <summary>
/// The sync job carries a zone's DNSSEC settings (signing status, each KSK's name, KMS key ARN and
/// status; never private keys) between two DnsHosts on loopback, one playing Route 53, and says so
/// in the plan; the target then signs with keys of its own.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class DnssecSyncTests : IAsyncLifetime
{
    private const string ArnA = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab";
    private const string ArnB = "arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab";
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);
    private readonly TestZones _remoteZones = new(), _localZones = new();
    private RunningServer _remote = null!, _local = null!;
    private Route53RestClient _remoteClient = null!, _localClient = null!;
    private string _zoneId = null!;

    public async Task InitializeAsync()
    {
        _remote = await RunningServer.StartAsync(_remoteZones.Directory, "--data", Path.Combine(_remoteZones.Directory, "api.db"), $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}");
        _local = await RunningServer.StartAsync(_localZones.Directory, "--data", Path.Combine(_localZones.Directory, "api.db"), $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}");
        _remoteClient = new Route53RestClient(Credentials, new Route53ClientOptions { Endpoint = _remote.ApiBase, MaxAttempts = 1 });
        _localClient = new Route53RestClient(Credentials, new Route53ClientOptions { Endpoint = _local.ApiBase, MaxAttempts = 1 });
        var (zone, _) = await _remoteClient.CreateHostedZoneAsync("synced.test", "synced", null, null);
        _zoneId = zone.Id;
        await _remoteClient.ChangeResourceRecordSetsAsync(_zoneId, null,
            [new RecordSetChange("CREATE", new() { Name = "www.synced.test.", Type = "A", TTL = 60, ResourceRecords = [new() { Value = "192.0.2.7" }] })]);
    }

    public async Task DisposeAsync()
    {
        _remoteClient.Dispose();
        _localClient.Dispose();
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        _remoteZones.Dispose();
        _localZones.Dispose();
    }

    private static ISyncSide Side(RunningServer server) => SyncSideFactory.Create("route53:" + server.ApiBase, null, 1, Credentials);

    private async Task<(SyncPlan Plan, string Text)> Plan(SyncOptions? options = null)
    {
        var plan = await SyncPlanner.PlanAsync(Side(_remote), Side(_local), options ?? new SyncOptions(), CancellationToken.None);
        var text = new StringWriter();
        SyncPlanner.Write(plan, text);
        return (plan, text.ToString());
    }

    private Task<SyncSummary> Apply(SyncPlan plan) => SyncApplier.ApplyAsync(plan, Side(_local), wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None);

    private async Task<string> LocalZoneId() => (await _localClient.ListHostedZonesAsync()).Single(z => z.Name == "synced.test.").Id;

    private static string Settings(DnssecSettings s) =>
        s.ServeSignature + " " + string.Join(",", s.KeySigningKeys.OrderBy(k => k.Name, StringComparer.Ordinal).Select(k => $"{k.Name}={k.KmsArn}={k.Status}"));

    [Fact]
    public async Task Signing_status_and_ksk_settings_go_to_the_target_which_signs_with_its_own_keys()
    {
        await _remoteClient.CreateKeySigningKeyAsync(_zoneId, "ksk_a", ArnA, "ACTIVE", "a");
        await _remoteClient.CreateKeySigningKeyAsync(_zoneId, "ksk_b", ArnB, "INACTIVE", "b");
        await _remoteClient.EnableHostedZoneDnssecAsync(_zoneId);

        var (plan, text) = await Plan();
        var zone = Assert.Single(plan.Zones);
        Assert.Equal([DnssecStep.Create, DnssecStep.Create, DnssecStep.Enable], zone.Dnssec.Select(s => s.Action));
        Assert.Contains($"+ KSK ksk_a (KMS key {ArnA}, ACTIVE)", text);
        Assert.Contains($"+ KSK ksk_b (KMS key {ArnB}, INACTIVE)", text);
        Assert.Contains("dnssec: enable signing (NOT_SIGNING -> SIGNING)", text);
        Assert.Contains("private keys are not", text);
        var summary = await Apply(plan);
        Assert.Equal(3, summary.DnssecChanges);

        string localId = await LocalZoneId();
        var remoteSettings = await _remoteClient.GetDnssecAsync(_zoneId);
        var localSettings = await _localClient.GetDnssecAsync(localId);
        Assert.Equal(Settings(remoteSettings), Settings(localSettings));
        Assert.Equal("SIGNING ksk_a=" + ArnA + "=ACTIVE,ksk_b=" + ArnB + "=INACTIVE", Settings(localSettings));
        // Key material stays where it was made: the target publishes a KSK of its own.
        var remoteKeys = await DnskeysAsync(_remote);
        var localKeys = await DnskeysAsync(_local);
        Assert.Equal(2, localKeys.Count);
        Assert.Empty(remoteKeys.Intersect(localKeys));
        var www = SignedAnswers.Read((await _local.UdpRawAsync(TestQuery.Build("www.synced.test", RecordType.A, dnssecOk: true)))!);
        Assert.Contains(www.In(0), r => r.Type == (ushort)RecordType.RRSIG);

        var (again, againText) = await Plan();
        Assert.True(again.IsEmpty, againText);
        Assert.Contains("zone synced.test.: in sync", againText);
    }

    [Fact]
    public async Task A_ksk_rollover_and_disabling_on_the_source_apply_in_an_order_route53_accepts_and_prune_deletes()
    {
        await _remoteClient.CreateKeySigningKeyAsync(_zoneId, "ksk_a", ArnA, "ACTIVE", "a");
        await _remoteClient.CreateKeySigningKeyAsync(_zoneId, "ksk_b", ArnB, "INACTIVE", "b");
        await _remoteClient.EnableHostedZoneDnssecAsync(_zoneId);
        await Apply((await Plan()).Plan);

        // On the source: signing off, ksk_b on, ksk_a off. The target's only ACTIVE KSK (ksk_a) may be
        // deactivated only once signing is off or ksk_b is active: the plan orders the steps so.
        await _remoteClient.DisableHostedZoneDnssecAsync(_zoneId);
        await _remoteClient.ActivateKeySigningKeyAsync(_zoneId, "ksk_b");
        await _remoteClient.DeactivateKeySigningKeyAsync(_zoneId, "ksk_a");
        var (plan, text) = await Plan();
        Assert.Equal([DnssecStep.Activate, DnssecStep.Disable, DnssecStep.Deactivate], Assert.Single(plan.Zones).Dnssec.Select(s => s.Action));
        Assert.Contains("~ KSK ksk_b INACTIVE -> ACTIVE", text);
        Assert.Contains("dnssec: disable signing (SIGNING -> NOT_SIGNING)", text);
        await Apply(plan);
        string localId = await LocalZoneId();
        Assert.Equal(Settings(await _remoteClient.GetDnssecAsync(_zoneId)), Settings(await _localClient.GetDnssecAsync(localId)));
        var www = SignedAnswers.Read((await _local.UdpRawAsync(TestQuery.Build("www.synced.test", RecordType.A, dnssecOk: true)))!);
        Assert.DoesNotContain(www.In(0), r => r.Type == (ushort)RecordType.RRSIG);

        // A KSK deleted on the source stays on the target unless the sync prunes.
        await _remoteClient.DeleteKeySigningKeyAsync(_zoneId, "ksk_a");
        var (kept, keptText) = await Plan();
        Assert.Empty(Assert.Single(kept.Zones).Dnssec);
        Assert.Contains("KSK ksk_a is on the target only", keptText);
        var (pruned, _) = await Plan(new SyncOptions { Prune = true });
        Assert.Equal([DnssecStep.Delete], Assert.Single(pruned.Zones).Dnssec.Select(s => s.Action));
        await Apply(pruned);
        Assert.Equal("NOT_SIGNING ksk_b=" + ArnB + "=ACTIVE", Settings(await _localClient.GetDnssecAsync(localId)));
    }

    private static async Task<List<string>> DnskeysAsync(RunningServer server) =>
        SignedAnswers.Read((await server.UdpRawAsync(TestQuery.Build("synced.test", RecordType.DNSKEY, dnssecOk: true)))!)
            .In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => Convert.ToBase64String(r.RData)).ToList();
}
