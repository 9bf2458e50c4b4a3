using DnsHost.Dnssec.Signing;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// One signed zone's keys under rollover: the key ring in the key directory, moved along
/// <see cref="KeyRollover"/>'s schedule on the injected clock, and the <see cref="ZoneSigner"/> of
/// the current keys. The query path asks <see cref="Current"/>, which costs a clock read until the
/// next step is due or the poll interval has passed (to notice <c>dnshost dnssec ds-seen</c>, which
/// another process writes); a step is read-changed-written under the ring's file lock, so a restart
/// continues where the file says.
/// </summary>
internal sealed class ZoneKeyRoller
{
    /// <summary>How often the ring file is looked at for a change made by a command.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly string _zone;
    private readonly KeyRingStore _store;
    private readonly byte _algorithm;
    private readonly RolloverOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SigningKey> _opened = new(StringComparer.Ordinal);
    private readonly List<KeyRollover.RolloverStep> _steps = [];
    private ZoneSigner? _signer;
    private string _keysInUse = "";
    private long _nextCheckTicks;
    private DateTimeOffset _nextStep = DateTimeOffset.MinValue;
    private DateTime? _lastWrite;
    private Zone? _ttlsOf;
    private uint _maxTtl;

    public ZoneKeyRoller(string zone, KeyRingStore store, byte algorithm, RolloverOptions options, TimeProvider time)
    {
        _zone = zone;
        _store = store;
        _algorithm = algorithm;
        _options = options;
        _time = time;
    }

    /// <summary>The steps this server took, in order (for logs and tests).</summary>
    public IReadOnlyList<KeyRollover.RolloverStep> Steps
    {
        get
        {
            lock (_gate)
                return [.. _steps];
        }
    }

    /// <summary>The signer of the zone's current keys, after taking any step that is due.</summary>
    public ZoneSigner Current(Zone zone)
    {
        var signer = Volatile.Read(ref _signer);
        if (signer is not null && _time.GetUtcNow().UtcTicks < Volatile.Read(ref _nextCheckTicks))
            return signer;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            try
            {
                return Refresh(zone, now);
            }
            catch (Exception e) when (_signer is not null && e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // The ring file is unreadable or locked for too long: keep signing with the keys we have, try again later.
                // (Without keys yet, the error goes to the caller, as a key file that does not open always did.)
                Volatile.Write(ref _nextCheckTicks, (now + PollInterval).UtcTicks);
                return _signer;
            }
        }
    }

    private ZoneSigner Refresh(Zone zone, DateTimeOffset now)
    {
        var lastWrite = _store.LastWrite(_zone);
        if (_signer is not null && lastWrite == _lastWrite && now < _nextStep && ReferenceEquals(zone, _ttlsOf))
        {
            Volatile.Write(ref _nextCheckTicks, Math.Min(_nextStep.UtcTicks, (now + PollInterval).UtcTicks));
            return _signer;
        }
        uint dnskeyTtl = ResponseSigner.KeyTtl(zone);
        uint maxTtl = MaxTtl(zone, dnskeyTtl);
        var timings = _options.Timings(dnskeyTtl, maxTtl);
        List<KeyRollover.RolloverStep> steps = [];
        var ring = _store.Update(_zone, ring =>
        {
            ring ??= NewRing(now);
            ring.DnskeyTtl = dnskeyTtl;
            ring.MaxTtl = maxTtl;
            steps = KeyRollover.Advance(ring, now, timings, role => _store.Generate(_zone, role, _algorithm, now));
            return ring;
        })!;
        _steps.AddRange(steps);
        _lastWrite = _store.LastWrite(_zone);
        _nextStep = KeyRollover.Upcoming(ring, timings).FirstOrDefault(e => e.At is not null).At ?? DateTimeOffset.MaxValue;
        // A new zone snapshot or a poll that changed nothing keeps the signer, and with it the signature cache.
        var keys = string.Join(' ', ring.Keys.Select(k => $"{k.KeyTag}/{k.Role}/{k.State}"));
        if (_signer is null || keys != _keysInUse)
        {
            Volatile.Write(ref _signer, Build(zone, ring));
            _keysInUse = keys;
        }
        Volatile.Write(ref _nextCheckTicks, Math.Min(_nextStep.UtcTicks, (now + PollInterval).UtcTicks));
        return _signer!;
    }

    /// <summary>
    /// A zone's first ring. A zone signed before rollovers were on keeps its combined key as the KSK
    /// (the parent's DS still matches) and pre-publishes its first ZSK; the CSK signs until then.
    /// </summary>
    private KeyRing NewRing(DateTimeOffset now)
    {
        var ring = new KeyRing { Zone = KeyStore.Normalise(_zone) };
        if (_store.Keys.TryLoad(_zone) is { } csk)
        {
            using (csk)
            {
                var ksk = _store.FromKey(_zone, csk, KeyRole.Ksk, now);
                ksk.State = KeyState.Active;
                ksk.Published = ksk.Activated = now;
                ring.Keys.Add(ksk);
            }
            var zsk = _store.Generate(_zone, KeyRole.Zsk, _algorithm, now);
            zsk.State = KeyState.Published;
            zsk.Published = now;
            ring.Keys.Add(zsk);
            _steps.Add(new KeyRollover.RolloverStep(now, KeyRole.Ksk, ring.Keys[0].KeyTag, KeyState.Active, "the zone's combined key becomes its KSK"));
            _steps.Add(new KeyRollover.RolloverStep(now, KeyRole.Zsk, zsk.KeyTag, KeyState.Published, "first ZSK, pre-published"));
        }
        return ring;
    }

    private ZoneSigner Build(Zone zone, KeyRing ring)
    {
        var ksk = ring.Find(KeyRole.Ksk, KeyState.Active) ?? throw new InvalidDataException($"{_store.PathOf(_zone)}: no active KSK");
        var zsk = ring.Find(KeyRole.Zsk, KeyState.Active);
        var dnskeys = ring.Keys.Where(k => k.IsPublished).OrderBy(k => k.Role).ThenBy(k => k.KeyTag).Select(k => k.DnskeyRData).ToList();
        var parent = ring.Keys.Where(k => k.Role == KeyRole.Ksk && k.State is KeyState.Active or KeyState.Generated)
            .OrderBy(k => k.State == KeyState.Active ? 0 : 1).Select(k => k.DnskeyRData).ToList();
        // Until the first ZSK is active (a zone that had a combined key), the KSK signs everything.
        var keys = new ZoneKeySet(Open(ksk), zsk is null ? Open(ksk) : Open(zsk), dnskeys, parent);
        return new ZoneSigner(zone.Origin, keys, _time);
    }

    private SigningKey Open(RingKey key)
    {
        if (!_opened.TryGetValue(key.PublicKey, out var signing))
            _opened[key.PublicKey] = signing = _store.Open(_zone, key);
        return signing;
    }

    /// <summary>TTLsig: the largest TTL of what the zone signs (its RRsets, routed ones too, its negative answers, its keys).</summary>
    private uint MaxTtl(Zone zone, uint dnskeyTtl)
    {
        if (ReferenceEquals(zone, _ttlsOf))
            return _maxTtl;
        _maxTtl = LargestSignedTtl(zone, dnskeyTtl);
        _ttlsOf = zone;
        return _maxTtl;
    }

    /// <summary>TTLsig of <paramref name="zone"/>, computed afresh (it reads every RRset).</summary>
    internal static uint LargestSignedTtl(Zone zone, uint dnskeyTtl)
    {
        uint max = Math.Max(dnskeyTtl, zone.NegativeTtl);
        foreach (var node in zone.Nodes)
        {
            for (int s = 0; s < node.SetCount; s++)
                max = Math.Max(max, node.SetAt(s).Ttl);
            foreach (var group in node.Groups)
            {
                foreach (var routed in group.Sets)
                    max = Math.Max(max, routed.Data is { } data ? data.Ttl : 0);
            }
        }
        return max;
    }
}
