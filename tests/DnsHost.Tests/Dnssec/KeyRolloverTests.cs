using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Key rollovers walked on a fake clock through the real host: at every step the apex's DNSKEY
/// RRset, the CDS RRset, and which key signs the DNSKEY RRset and the zone's data, as a validator
/// asking over the wire would see them; and the key ring on disk carrying the schedule over a restart.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class KeyRolloverTests : IAsyncLifetime
{
    private const string Zone = """
        $ORIGIN roll.test.
        $TTL 300
        @    SOA ns1 hostmaster 1 3600 600 86400 300
        @    NS  ns1
        ns1  A   192.0.2.1
        www  A   192.0.2.3
        """;

    // Dprp 1 h, TTLkey = TTLsig = 300 s (the zone's), TTLds 2 h, parent Dprp 1 h. Lifetimes of days, not months:
    // moving the fake clock runs the host's 2-second zones-folder check once per period, a year of it takes a minute.
    private static readonly TimeSpan PublishSafety = TimeSpan.FromHours(1) + TimeSpan.FromSeconds(300);
    private static readonly TimeSpan DsSafety = TimeSpan.FromHours(2) + TimeSpan.FromHours(1);

    private readonly SignedZoneFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private RunningServer? _server;

    public Task InitializeAsync()
    {
        _folder.Zones.Write("roll.test.zone", Zone);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task StartAsync(string zskLifetime, string kskLifetime)
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _server = await RunningServer.StartAsync(_folder.Zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
            "--Dnssec:SignedZones:0=roll.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", $"--Dnssec:KeyDirectory={_folder.KeyDirectory}",
            "--Dnssec:Rollover:Enabled=true", $"--Dnssec:Rollover:ZskLifetime={zskLifetime}", $"--Dnssec:Rollover:KskLifetime={kskLifetime}",
            "--Dnssec:Rollover:PropagationDelay=01:00:00", "--Dnssec:Rollover:ParentDsTtl=02:00:00", "--Dnssec:Rollover:ParentPropagationDelay=01:00:00");
    }

    private async Task<SignedAnswers> AskAsync(string name, RecordType type)
    {
        var raw = await _server!.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: true));
        Assert.NotNull(raw);
        return SignedAnswers.Read(raw);
    }

    /// <summary>What a validator sees at this moment: the DNSKEY tags (sorted), the tag that signs DNSKEY, the tag that signs www A, the CDS tags.</summary>
    private async Task<(ushort[] Dnskeys, ushort KeySigner, ushort DataSigner, ushort[] Cds)> SeeAsync()
    {
        var keys = await AskAsync("roll.test", RecordType.DNSKEY);
        var dnskeys = keys.In(0).Where(r => r.Type == (ushort)RecordType.DNSKEY).Select(r => r.RData).ToList();
        var keySig = Assert.Single(keys.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        // The RRSIG must verify with a key of the set it signs, and that key must be a KSK (SEP flag).
        var signingKey = Assert.Single(dnskeys, k => SignedAnswers.Verifies(keySig.RData, DnsName.Parse("roll.test."), (ushort)RecordType.DNSKEY, dnskeys, k));
        Assert.Equal(SigningKey.CskFlags, (ushort)(signingKey[0] << 8 | signingKey[1]));

        var www = await AskAsync("www.roll.test", RecordType.A);
        var dataSig = Assert.Single(www.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        // The data's signer must be in the DNSKEY RRset served at the same moment, or a validator fails.
        var dataKey = Assert.Single(dnskeys, k => SignedAnswers.Verifies(dataSig.RData, DnsName.Parse("www.roll.test."), (ushort)RecordType.A,
            www.In(0).Where(r => r.Type == (ushort)RecordType.A).Select(r => r.RData).ToList(), k));

        var cds = await AskAsync("roll.test", RecordType.CDS);
        var cdsTags = cds.In(0).Where(r => r.Type == (ushort)RecordType.CDS).Select(r => (ushort)(r.RData[0] << 8 | r.RData[1])).Order().ToArray();
        Assert.All(cds.In(0).Where(r => r.Type == (ushort)RecordType.RRSIG), sig => Assert.Equal(KeyTag.Compute(signingKey), RrsigTag(sig.RData)));
        return ([.. dnskeys.Select(k => KeyTag.Compute(k)).Order()], KeyTag.Compute(signingKey), KeyTag.Compute(dataKey), cdsTags);
    }

    private static ushort RrsigTag(byte[] rrsig) => (ushort)(rrsig[16] << 8 | rrsig[17]);

    private KeyRing Ring() => new KeyRingStore(new KeyStore(_folder.KeyDirectory, Convert.FromBase64String(SignedZoneFolder.Kek))).Load("roll.test.")!;

    private ushort Tag(KeyRole role, KeyState state) => Assert.Single(Ring().Keys, k => k.Role == role && k.State == state).KeyTag;

    [Fact]
    public async Task A_zsk_is_pre_published_then_signs_then_stays_published_until_its_signatures_left_the_caches()
    {
        await StartAsync(zskLifetime: "1.00:00:00", kskLifetime: "0");
        var start = await SeeAsync();
        ushort ksk = Tag(KeyRole.Ksk, KeyState.Active), zsk1 = Tag(KeyRole.Zsk, KeyState.Active);
        Assert.Equal(new[] { ksk, zsk1 }.Order(), start.Dnskeys);
        Assert.Equal((ksk, zsk1), (start.KeySigner, start.DataSigner));
        Assert.Equal([ksk], start.Cds);

        // A second before the lifetime ends nothing has changed.
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(start.Dnskeys, (await SeeAsync()).Dnskeys);

        // Lifetime over: the successor is published, the old ZSK still signs.
        _time.Advance(TimeSpan.FromSeconds(1));
        var published = await SeeAsync();
        ushort zsk2 = Tag(KeyRole.Zsk, KeyState.Published);
        Assert.Equal(new[] { ksk, zsk1, zsk2 }.Order(), published.Dnskeys);
        Assert.Equal(zsk1, published.DataSigner);

        // Not before every cache can hold the new DNSKEY RRset (Dprp + TTLkey) does the new ZSK sign.
        _time.Advance(PublishSafety - TimeSpan.FromSeconds(1));
        Assert.Equal(zsk1, (await SeeAsync()).DataSigner);
        _time.Advance(TimeSpan.FromSeconds(1));
        var active = await SeeAsync();
        Assert.Equal(zsk2, active.DataSigner);
        Assert.Equal(new[] { ksk, zsk1, zsk2 }.Order(), active.Dnskeys);
        Assert.Equal(zsk1, Tag(KeyRole.Zsk, KeyState.Retired));

        // The old ZSK leaves the DNSKEY RRset once its signatures have left every cache (Dprp + TTLsig).
        _time.Advance(PublishSafety - TimeSpan.FromSeconds(1));
        Assert.Contains(zsk1, (await SeeAsync()).Dnskeys);
        _time.Advance(TimeSpan.FromSeconds(1));
        var removed = await SeeAsync();
        Assert.Equal(new[] { ksk, zsk2 }.Order(), removed.Dnskeys);
        Assert.Equal((ksk, zsk2), (removed.KeySigner, removed.DataSigner));
        var old = Assert.Single(Ring().Keys, k => k.KeyTag == zsk1);
        Assert.Equal(KeyState.Removed, old.State);
        Assert.Null(old.Private); // the removed key's private part is erased from the file
    }

    [Fact]
    public async Task A_ksk_rollover_waits_for_the_operator_then_swaps_after_the_parents_ds_ttl_and_survives_a_restart()
    {
        await StartAsync(zskLifetime: "0", kskLifetime: "2.00:00:00");
        var start = await SeeAsync();
        ushort ksk1 = Tag(KeyRole.Ksk, KeyState.Active), zsk = Tag(KeyRole.Zsk, KeyState.Active);

        // Lifetime over: a new KSK is made; it is not in the DNSKEY RRset, but the CDS asks the parent for both DS.
        _time.Advance(TimeSpan.FromDays(2));
        var generated = await SeeAsync();
        ushort ksk2 = Tag(KeyRole.Ksk, KeyState.Generated);
        Assert.Equal(start.Dnskeys, generated.Dnskeys);
        Assert.Equal((ksk1, zsk), (generated.KeySigner, generated.DataSigner));
        Assert.Equal(new[] { ksk1, ksk2 }.Order(), generated.Cds);

        // Without the operator nothing moves, however long it takes; a restart keeps the new key waiting.
        _time.Advance(TimeSpan.FromDays(1));
        await StartAsync(zskLifetime: "0", kskLifetime: "2.00:00:00");
        var waiting = await SeeAsync();
        Assert.Equal(generated.Dnskeys, waiting.Dnskeys);
        Assert.Equal(generated.Cds, waiting.Cds);
        Assert.Equal((ksk1, zsk), (waiting.KeySigner, waiting.DataSigner));
        Assert.Equal(ksk2, Tag(KeyRole.Ksk, KeyState.Generated));
        var status = KeyRingStatus.Describe(Ring(), new RolloverOptions().Timings(300, 300), _time.GetUtcNow());
        Assert.Contains(status, l => l.Contains($"dnshost dnssec ds-seen roll.test. {ksk2}", StringComparison.Ordinal));

        // The operator saw the DS in the parent (what dnshost dnssec ds-seen writes).
        var store = new KeyRingStore(new KeyStore(_folder.KeyDirectory, Convert.FromBase64String(SignedZoneFolder.Kek)));
        Assert.Null(store.MarkDsSeen("roll.test.", zsk, _time.GetUtcNow(), out string problem));
        Assert.Contains($"does not wait for its DS; {ksk2} does", problem);
        Assert.NotNull(store.MarkDsSeen("roll.test.", ksk2, _time.GetUtcNow(), out _));

        // The swap waits until no cache can hold a DS RRset without the new DS (parent Dprp + TTLds).
        _time.Advance(DsSafety - TimeSpan.FromSeconds(1));
        Assert.Equal(ksk1, (await SeeAsync()).KeySigner);
        _time.Advance(TimeSpan.FromSeconds(1));
        var swapped = await SeeAsync();
        Assert.Equal(new[] { ksk2, zsk }.Order(), swapped.Dnskeys);
        Assert.Equal((ksk2, zsk), (swapped.KeySigner, swapped.DataSigner));
        Assert.Equal([ksk2], swapped.Cds);
        Assert.Equal(ksk1, Tag(KeyRole.Ksk, KeyState.Retired));

        // The old KSK is removed (its DS may leave the parent) once no cache holds its DNSKEY RRset.
        _time.Advance(PublishSafety);
        await SeeAsync();
        Assert.Equal(KeyState.Removed, Assert.Single(Ring().Keys, k => k.KeyTag == ksk1).State);
        var steps = Ring().Keys.Where(k => k.Role == KeyRole.Ksk).Select(k => (k.KeyTag, k.State, k.Activated, k.Retired, k.Removed)).ToList();
        Assert.Equal(2, steps.Count);
    }
}
