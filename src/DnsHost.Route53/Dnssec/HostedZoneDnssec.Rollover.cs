using System.Data.Common;
using System.Security.Cryptography;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;

namespace DnsHost.Route53.Dnssec;

/// <summary>
/// The automatic rollover of a signed API zone's ZSK, as Route 53 rotates its own without the user seeing
/// it: pre-publication (RFC 6781 4.1.1.1) on <see cref="KeyRollover"/>'s schedule, the one master-file
/// zones follow. Each step is stored in the zone's <see cref="DnssecDocument"/> before it is served, so a
/// restart resumes at the step the store holds, and a new signer (with a new signature cache) is built
/// for every change of the keys.
/// </summary>
public sealed partial class HostedZoneDnssec
{
    private readonly Dictionary<string, (Zone Zone, DateTimeOffset Next)> _schedules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rolloverProblems = new(StringComparer.Ordinal);
    private readonly List<(string ZoneId, KeyRollover.RolloverStep Step)> _steps = [];

    /// <summary>
    /// The ZSK schedule of an API zone (Dnssec:Rollover:HostedZoneZskLifetime, Dnssec:Rollover:PropagationDelay and
    /// the zone's TTLs); null keeps every ZSK for ever.
    /// </summary>
    public Func<Zone, RolloverTimings>? ZskSchedule { get; init; }

    /// <summary>The ZSK steps this server took for a zone, in order (for logs and tests).</summary>
    public IReadOnlyList<KeyRollover.RolloverStep> RolloverSteps(string zoneId)
    {
        string id = HostedZoneService.StripPrefix(zoneId, "/hostedzone/");
        lock (_gate)
            return [.. _steps.Where(s => s.ZoneId == id).Select(s => s.Step)];
    }

    /// <summary>Why the last ZSK step of a zone could not be stored (it is tried again at the next tick), or null.</summary>
    public string? RolloverProblem(string zoneId)
    {
        lock (_gate)
            return _rolloverProblems.GetValueOrDefault(HostedZoneService.StripPrefix(zoneId, "/hostedzone/"));
    }

    /// <summary>
    /// Takes every ZSK step that is due in the signed API zones; the host's rollover timer calls it, so an idle zone
    /// rolls on time. A zone whose DNSSEC settings an API request is changing right now is left for the next tick,
    /// and the request never sees this (no ConcurrentModification because of a rollover).
    /// </summary>
    public void RollZoneSigningKeys()
    {
        if (ZskSchedule is not { } schedule)
            return;
        var now = Time.GetUtcNow();
        lock (_gate)
        {
            if (_documents.Count == 0)
                return; // every host ticks every second; most have no signed API zone
            foreach (var (id, document) in _documents.ToList())
            {
                if (document.ServeSignature != DnssecDocument.Signing || document.ZoneSigningKeyPrivate is null || _busy.Contains(id) || _problems.ContainsKey(id))
                    continue;
                Zone zone;
                try
                {
                    zone = _zones.ZoneOf(id);
                }
                catch (Route53Exception)
                {
                    continue; // the hosted zone is gone: nothing to roll
                }
                if (_schedules.TryGetValue(id, out var known) && ReferenceEquals(known.Zone, zone) && now < known.Next)
                    continue;
                try
                {
                    Roll(id, zone, document, schedule(zone), now);
                    _rolloverProblems.Remove(id);
                }
                catch (Exception e) when (e is DbException or IOException or InvalidDataException or CryptographicException)
                {
                    // Nothing was stored or served: the zone keeps signing with the keys it has, and the next tick tries again.
                    _rolloverProblems[id] = e.Message;
                }
            }
        }
    }

    /// <summary>One zone's due steps: stored, then served. Under <see cref="_gate"/>.</summary>
    private void Roll(string id, Zone zone, DnssecDocument document, RolloverTimings timings, DateTimeOffset now)
    {
        var next = document.Clone();
        bool stamp = next.ZoneSigningKeyActivated is null;
        next.ZoneSigningKeyActivated ??= now;
        var ring = ZoneSigningKeyRing(next, zone.OriginText);
        var privates = new Dictionary<string, SealedKey>(StringComparer.Ordinal) { [Convert.ToBase64String(next.ZoneSigningKey!)] = next.ZoneSigningKeyPrivate! };
        if (next.NextZoneSigningKey is { PrivateKey: { } incoming })
            privates[Convert.ToBase64String(next.NextZoneSigningKey.Dnskey)] = incoming;
        var steps = KeyRollover.AdvanceZoneSigningKeys(ring, now, timings, () => Generate(id, now, privates));
        uint dnskeyTtl = (uint)timings.DnskeyTtl.TotalSeconds, maxTtl = (uint)timings.MaxTtl.TotalSeconds;
        if (steps.Count > 0 || stamp || next.DnskeyTtl != dnskeyTtl || next.MaxTtl != maxTtl)
        {
            Apply(ring, next, privates);
            next.DnskeyTtl = dnskeyTtl;
            next.MaxTtl = maxTtl;
            // A change of its own in the store's history, as every DNSSEC change is; the API shows none of it (Route 53 does not).
            _store.SaveDnssec(id, next.Serialize(), new ApiChange(HostedZoneService.NewId('C'), now, null));
            _documents[id] = next;
            _steps.AddRange(steps.Select(s => (id, s)));
            if (steps.Count > 0)
                Publish(id);
        }
        _schedules[id] = (zone, KeyRollover.Upcoming(ring, timings).FirstOrDefault(e => e.At is not null).At ?? DateTimeOffset.MaxValue);
    }

    private RingKey Generate(string id, DateTimeOffset now, Dictionary<string, SealedKey> privates)
    {
        var kek = _kek ?? throw new InvalidDataException("the setting Dnssec:KeyEncryptionKey is not set, so DnsHost cannot make the next zone-signing key");
        using var zsk = SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256, SigningKey.ZoneKeyFlag);
        var key = RingKeyOf(zsk.DnskeyRData, KeyState.Published, now);
        privates[key.PublicKey] = SealedKey.Seal(kek, ZskContext(id), zsk);
        return key;
    }

    /// <summary>
    /// The zone's ZSKs as a key ring (the shape of a master-file zone's, which <see cref="KeyRollover"/> moves and
    /// <see cref="KeyRingStatus"/> prints): the signing key, the next and the retired one. The KSKs roll through the
    /// API and are not in it.
    /// </summary>
    public static KeyRing ZoneSigningKeyRing(DnssecDocument document, string zone)
    {
        var ring = new KeyRing { Zone = zone, DnskeyTtl = document.DnskeyTtl, MaxTtl = document.MaxTtl };
        if (document.ZoneSigningKey is { } active && document.ZoneSigningKeyActivated is { } activated)
        {
            var published = document.ZoneSigningKeyPublished ?? activated;
            var key = RingKeyOf(active, KeyState.Active, published);
            key.Published = published;
            key.Activated = activated;
            ring.Keys.Add(key);
        }
        foreach (var (other, state) in new[] { (document.NextZoneSigningKey, KeyState.Published), (document.RetiredZoneSigningKey, KeyState.Retired) })
        {
            if (other is null)
                continue;
            var key = RingKeyOf(other.Dnskey, state, other.Created);
            (key.Published, key.Activated, key.Retired) = (other.Published, other.Activated, other.Retired);
            ring.Keys.Add(key);
        }
        return ring;
    }

    /// <summary>Writes the ring's keys back into the document's slots; a removed key leaves it (its private key with it).</summary>
    private static void Apply(KeyRing ring, DnssecDocument document, Dictionary<string, SealedKey> privates)
    {
        var active = ring.Find(KeyRole.Zsk, KeyState.Active) ?? throw new InvalidDataException("the ZSK rollover left no active zone-signing key");
        document.ZoneSigningKey = active.DnskeyRData;
        document.ZoneSigningKeyPrivate = privates[active.PublicKey];
        document.ZoneSigningKeyActivated = active.Activated;
        document.ZoneSigningKeyPublished = active.Published;
        document.NextZoneSigningKey = ring.Find(KeyRole.Zsk, KeyState.Published) is { } next
            ? new ZoneSigningKeyDocument { Dnskey = next.DnskeyRData, PrivateKey = privates[next.PublicKey], Created = next.Created, Published = next.Published }
            : null;
        // RFC 6781 4.1.1.1: a retired ZSK is only published, never signs again: its private key is not kept.
        document.RetiredZoneSigningKey = ring.Find(KeyRole.Zsk, KeyState.Retired) is { } retired
            ? new ZoneSigningKeyDocument { Dnskey = retired.DnskeyRData, Created = retired.Created, Published = retired.Published, Activated = retired.Activated, Retired = retired.Retired }
            : null;
    }

    private static RingKey RingKeyOf(byte[] dnskey, KeyState state, DateTimeOffset created) => new()
    {
        Role = KeyRole.Zsk,
        State = state,
        Algorithm = dnskey[3],
        Flags = (ushort)((dnskey[0] << 8) | dnskey[1]),
        KeyTag = KeyTag.Compute(dnskey),
        PublicKey = Convert.ToBase64String(dnskey),
        Created = created,
    };
}
