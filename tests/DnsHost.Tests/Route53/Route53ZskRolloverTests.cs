using System.Text.Json;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Route53.Dnssec;
using DnsHost.Server;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace DnsHost.Tests.Route53;

/// <summary>
/// The ZSK of a zone signed through Route 53's DNSSEC API (AWS CLI) rolls by itself, by pre-publication, on the
/// host's fake clock with the default 90-day lifetime and nobody querying: the next ZSK joins the DNSKEY RRset,
/// signs once the DNSKEY TTL and the propagation delay have passed (not a second before), and the old one leaves
/// once the largest TTL the zone serves and the propagation delay have passed. The host is restarted on the same
/// SQLite store in each state between steps and goes on from there, with the same keys; <c>dnshost dnssec status</c>
/// shows the ZSKs and the next step.
/// </summary>
[Collection("Console")]
[Trait("Kind", "Interop")]
public sealed class Route53ZskRolloverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Zone = "zskroll.test";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90), PropagationDelay = TimeSpan.FromHours(1);
    private readonly TestZones _zones = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private string _data = null!;
    private RunningServer _server = null!;
    private string _zoneId = null!;

    public async Task InitializeAsync()
    {
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
    }

    private Task<RunningServer> Start() => RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
        "--data", _data, $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", "--Dnssec:Rollover:PropagationDelay=01:00:00");

    private async Task Restart()
    {
        await _server.DisposeAsync();
        _server = await Start();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<SignedAnswers> Query(string name, RecordType type) =>
        SignedAnswers.Read((await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: true, ednsSize: 4096)))!);

    /// <summary>The ZSKs (flags 256) in the DNSKEY RRset, by tag, and the tag of the key whose RRSIG over www's A verifies.</summary>
    private async Task<(string Zsks, ushort Signer)> Keys()
    {
        var dnskey = await Query(Zone, RecordType.DNSKEY);
        var keys = dnskey.In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => r.RData).ToList();
        // The DNSKEY RRset is signed by the KSK whatever the ZSKs do.
        var keySig = Assert.Single(dnskey.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        Assert.Contains(keys, k => k[1] == 1 && SignedAnswers.Verifies(keySig.RData, DnsName.Parse(Zone + "."), (ushort)RecordType.DNSKEY, keys, k));
        var www = await Query("www." + Zone, RecordType.A);
        var a = Assert.Single(www.In(0), r => r.Type == (ushort)RecordType.A);
        var rrsig = Assert.Single(www.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        var signer = Assert.Single(keys, k => SignedAnswers.Verifies(rrsig.RData, a.Owner, (ushort)RecordType.A, [a.RData], k));
        Assert.Equal(256, signer[0] << 8 | signer[1]);
        return (Tags([.. keys.Where(k => k[1] == 0).Select(k => KeyTag.Compute(k))]), KeyTag.Compute(signer));
    }

    private static string Tags(params ushort[] tags) => string.Join(' ', tags.Order());

    private IReadOnlyList<KeyRollover.RolloverStep> Steps() => _server.Services.GetRequiredService<HostedZoneDnssec>().RolloverSteps(_zoneId);

    private void Advance(TimeSpan by)
    {
        // One tick at a time where it matters: the rollover timer fires once per Advance.
        _time.Advance(by);
        _time.Advance(RolloverTimer.Period);
    }

    [Fact]
    public async Task The_zsk_is_pre_published_then_signs_then_leaves_on_time_across_restarts()
    {
        var aws = new AwsCli(_server.ApiBase);
        var created = await aws.Ok("create-hosted-zone", "--name", Zone, "--caller-reference", "zsk-rollover");
        _zoneId = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        var www = new { Action = "CREATE", ResourceRecordSet = new { Name = "www." + Zone, Type = "A", TTL = 300, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } };
        await aws.Ok("change-resource-record-sets", "--hosted-zone-id", _zoneId, "--change-batch", JsonSerializer.Serialize(new { Changes = new[] { www } }));
        await aws.Ok("create-key-signing-key", "--hosted-zone-id", _zoneId, "--name", "rolled_ksk",
            "--key-management-service-arn", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--status", "ACTIVE", "--caller-reference", "ksk");
        await aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);
        var enabled = _time.GetUtcNow();
        // Route 53 shows no ZSK in GetDNSSEC, and neither does DnsHost, rollover or not.
        var dnssec = await aws.Ok("get-dnssec", "--hosted-zone-id", _zoneId);
        Assert.Equal(1, dnssec.GetProperty("KeySigningKeys").GetArrayLength());

        // The TTLs the zone serves: what caches hold, so what the schedule must wait for.
        uint keyTtl = (await Query(Zone, RecordType.DNSKEY)).In(0).First(r => r.Type == (ushort)RecordType.DNSKEY).Ttl;
        uint maxTtl = new[] { (Zone, RecordType.NS), (Zone, RecordType.SOA), ("www." + Zone, RecordType.A), ("nope." + Zone, RecordType.A) }
            .Select(q => Query(q.Item1, q.Item2).Result).SelectMany(r => r.Records).Where(r => r.Type != (ushort)RecordType.OPT).Max(r => r.Ttl);
        output.WriteLine($"DNSKEY TTL {keyTtl} s, largest TTL served {maxTtl} s");

        var (zsks, signer) = await Keys();
        ushort first = ushort.Parse(zsks, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(first, signer);
        Assert.Contains(Status(), l => l.StartsWith($"ZSK   {first,-6} 13   active", StringComparison.Ordinal));

        // Just before the lifetime ends nothing happens; at its end (next tick) the next ZSK is published, not signing.
        Advance(Lifetime - TimeSpan.FromMinutes(1));
        Assert.Equal((Tags(first), first), await Keys());
        Advance(TimeSpan.FromMinutes(1));
        var published = Assert.Single(Steps());
        Assert.Equal(KeyState.Published, published.State);
        Assert.InRange(published.At, enabled + Lifetime, enabled + Lifetime + 2 * RolloverTimer.Period);
        ushort second = published.KeyTag;
        Assert.Equal((Tags(first, second), first), await Keys());
        var status = Status();
        Assert.Contains(status, l => l.StartsWith($"ZSK   {second,-6} 13   published", StringComparison.Ordinal));
        var activeAt = published.At + PropagationDelay + TimeSpan.FromSeconds(keyTtl);
        Assert.Contains(status, l => l.Contains($"{activeAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}") && l.Contains($"ZSK {second} becomes active"));

        // A restart while the next key is only published: the same two keys, the old one still signs.
        await Restart();
        Assert.Equal((Tags(first, second), first), await Keys());

        // RFC 7583 3.2.1: it signs once Dprp + TTLkey have passed since it was published, not before.
        Advance(activeAt - _time.GetUtcNow() - TimeSpan.FromSeconds(3));
        Assert.Equal((Tags(first, second), first), await Keys());
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((Tags(first, second), second), await Keys());
        var activated = Assert.Single(Steps(), s => s.KeyTag == second && s.State == KeyState.Active);
        Assert.Contains(Steps(), s => s.KeyTag == first && s.State == KeyState.Retired);

        // A restart while the old key is retired: still published beside the new one, which signs.
        await Restart();
        Assert.Equal((Tags(first, second), second), await Keys());

        // It leaves once Dprp + the largest TTL served have passed (its signatures may be in caches until then).
        var removedAt = activated.At + PropagationDelay + TimeSpan.FromSeconds(maxTtl);
        Advance(removedAt - _time.GetUtcNow() - TimeSpan.FromSeconds(3));
        Assert.Equal((Tags(first, second), second), await Keys());
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((Tags(second), second), await Keys());
        var removed = Assert.Single(Steps(), s => s.KeyTag == first && s.State == KeyState.Removed);
        Assert.InRange(removed.At, removedAt, removedAt + 2 * RolloverTimer.Period);
        status = Status();
        Assert.DoesNotContain(status, l => l.StartsWith($"ZSK   {first,-6}", StringComparison.Ordinal));
        // The signing key's line keeps when it was published and when it began to sign.
        Assert.Contains(status, l => l.StartsWith($"ZSK   {second,-6} 13   active", StringComparison.Ordinal)
            && l.Contains($"{published.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  {activated.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        Assert.Contains(status, l => l.Contains($"{(activated.At + Lifetime).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}") && l.Contains($"ZSK {second} reaches its lifetime"));

        output.WriteLine($"enabled        {enabled:u}");
        output.WriteLine($"published {second} +{(published.At - enabled).TotalSeconds} s");
        output.WriteLine($"activated {second} +{(activated.At - enabled).TotalSeconds} s (published +{(activated.At - published.At).TotalSeconds} s)");
        output.WriteLine($"removed   {first} +{(removed.At - enabled).TotalSeconds} s (activated +{(removed.At - activated.At).TotalSeconds} s)");
        output.WriteLine(string.Join("\n", status));
    }

    /// <summary>What <c>dnshost dnssec status ZONE</c> prints for the zone, read from the store as the command does (the server running).</summary>
    private List<string> Status()
    {
        var text = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(text);
        try
        {
            Assert.Equal(0, DnssecCommand.Run(CommandLine.Parse(["dnssec", "status", Zone, "--data", _data, "--Dnssec:Rollover:PropagationDelay=01:00:00", .. TestStore.FromEnvironment(["--data", _data])])));
        }
        finally
        {
            Console.SetOut(previous);
        }
        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
    }
}
