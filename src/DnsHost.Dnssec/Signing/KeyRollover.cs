namespace DnsHost.Dnssec.Signing;

/// <summary>
/// The rollover schedule of one zone's key ring, as a function of time: ZSK pre-publication
/// (RFC 6781 4.1.1.1) and KSK double-DS (RFC 6781 4.1.2), timed by RFC 7583 3.2.1 and 3.3.2.
/// </summary>
/// <remarks>
/// Each step is taken at or after its due time and stamped with the time it was taken, and the
/// next step's wait starts from that stamp: a server that was down, or a zone nobody asked, takes
/// the steps late but never early, because the wait that protects caches only starts when the
/// change is served. The KSK's step from "DS in the parent" to "new key signs" waits for the
/// operator (<see cref="RingKey.DsSeen"/>), which is the only way to know the parent has the DS.
/// <code>
/// ZSK  active --lifetime--> new Published --Dprp+TTLkey--> new Active, old Retired --Dprp+TTLsig--> old Removed
/// KSK  active --lifetime--> new Generated (CDS: old+new) --ds-seen + Dprp(parent)+TTLds--> new Active, old Retired
///      --Dprp+TTLkey--> old Removed (its DS may leave the parent)
/// </code>
/// </remarks>
public static class KeyRollover
{
    /// <summary>One state change: when, which key, what it became.</summary>
    public sealed record RolloverStep(DateTimeOffset At, KeyRole Role, ushort KeyTag, KeyState State, string Why);

    /// <summary>Takes every step due at <paramref name="now"/>; <paramref name="generate"/> makes (and seals) a new key of a role.</summary>
    public static List<RolloverStep> Advance(KeyRing ring, DateTimeOffset now, RolloverTimings timings, Func<KeyRole, RingKey> generate)
    {
        var steps = new List<RolloverStep>();
        AdvanceKsk(ring, now, timings, generate, steps);
        AdvanceZsk(ring, now, timings, generate, steps);
        return steps;
    }

    /// <summary>
    /// Takes every ZSK step due at <paramref name="now"/> and no KSK step: for a ring whose KSKs roll by other means
    /// (an API zone's, through Route 53's key-signing key operations).
    /// </summary>
    public static List<RolloverStep> AdvanceZoneSigningKeys(KeyRing ring, DateTimeOffset now, RolloverTimings timings, Func<RingKey> generate)
    {
        var steps = new List<RolloverStep>();
        AdvanceZsk(ring, now, timings, _ => generate(), steps);
        return steps;
    }

    private static void AdvanceZsk(KeyRing ring, DateTimeOffset now, RolloverTimings t, Func<KeyRole, RingKey> generate, List<RolloverStep> steps)
    {
        var active = ring.Find(KeyRole.Zsk, KeyState.Active);
        var incoming = ring.Find(KeyRole.Zsk, KeyState.Published);
        if (active is null && incoming is null)
        {
            // A new zone signs at once (nothing is cached yet); a zone that was signed by its KSK alone
            // (a CSK from before rollovers) pre-publishes its first ZSK like any other.
            var key = generate(KeyRole.Zsk);
            bool fresh = ring.Keys.All(k => k.Created == now);
            Set(key, fresh ? KeyState.Active : KeyState.Published, now, steps, fresh ? "first ZSK of a new zone" : "first ZSK, pre-published");
            ring.Keys.Add(key);
            return;
        }
        foreach (var retired in ring.Keys.Where(k => k.Role == KeyRole.Zsk && k.State == KeyState.Retired).ToList())
        {
            if (now >= retired.Retired!.Value + t.ZskRetireSafety)
                Set(retired, KeyState.Removed, now, steps, "its signatures have left every cache (Dprp + TTLsig)");
        }
        if (incoming is not null && now >= incoming.Published!.Value + t.PublishSafety)
        {
            Set(incoming, KeyState.Active, now, steps, "published long enough for every cache to hold it (Dprp + TTLkey)");
            if (active is not null)
                Set(active, KeyState.Retired, now, steps, "its successor signs");
            return;
        }
        if (incoming is null && active is not null && t.ZskLifetime > TimeSpan.Zero && now >= active.Activated!.Value + t.ZskLifetime
            && !ring.Keys.Any(k => k.Role == KeyRole.Zsk && k.State == KeyState.Retired))
        {
            var key = generate(KeyRole.Zsk);
            Set(key, KeyState.Published, now, steps, $"ZSK {active.KeyTag} reached its lifetime; pre-published");
            ring.Keys.Add(key);
        }
    }

    private static void AdvanceKsk(KeyRing ring, DateTimeOffset now, RolloverTimings t, Func<KeyRole, RingKey> generate, List<RolloverStep> steps)
    {
        var active = ring.Find(KeyRole.Ksk, KeyState.Active);
        var incoming = ring.Find(KeyRole.Ksk, KeyState.Generated);
        foreach (var retired in ring.Keys.Where(k => k.Role == KeyRole.Ksk && k.State == KeyState.Retired).ToList())
        {
            if (now >= retired.Retired!.Value + t.KskRetireSafety)
                Set(retired, KeyState.Removed, now, steps, "no cache holds a DNSKEY RRset with it (Dprp + TTLkey); its DS may leave the parent");
        }
        if (active is null && incoming is null)
        {
            var key = generate(KeyRole.Ksk);
            Set(key, KeyState.Active, now, steps, "first KSK of a new zone");
            ring.Keys.Add(key);
            return;
        }
        if (incoming is { DsSeen: { } seen } && now >= seen + t.DsSafety)
        {
            Set(incoming, KeyState.Active, now, steps, "its DS has been in the parent long enough (Dprp + TTLds)");
            if (active is not null)
                Set(active, KeyState.Retired, now, steps, "its successor signs the DNSKEY RRset");
            return;
        }
        if (incoming is null && active is not null && t.KskLifetime > TimeSpan.Zero && now >= active.Activated!.Value + t.KskLifetime
            && !ring.Keys.Any(k => k.Role == KeyRole.Ksk && k.State == KeyState.Retired))
        {
            var key = generate(KeyRole.Ksk);
            key.State = KeyState.Generated;
            steps.Add(new RolloverStep(now, KeyRole.Ksk, key.KeyTag, KeyState.Generated, $"KSK {active.KeyTag} reached its lifetime; the new DS waits for the parent"));
            ring.Keys.Add(key);
        }
    }

    /// <summary>The steps ahead, soonest first; a null time is a step that waits for the operator (listed last).</summary>
    public static List<(DateTimeOffset? At, string What)> Upcoming(KeyRing ring, RolloverTimings t)
    {
        var due = new List<(DateTimeOffset? At, string What)>();
        foreach (var key in ring.Keys)
        {
            switch (key.Role, key.State)
            {
                case (KeyRole.Zsk, KeyState.Published):
                    due.Add((key.Published!.Value + t.PublishSafety, $"ZSK {key.KeyTag} becomes active"));
                    break;
                case (KeyRole.Zsk, KeyState.Retired):
                    due.Add((key.Retired!.Value + t.ZskRetireSafety, $"ZSK {key.KeyTag} is removed"));
                    break;
                case (KeyRole.Zsk, KeyState.Active) when t.ZskLifetime > TimeSpan.Zero && !ring.Keys.Any(k => k.Role == KeyRole.Zsk && k.State is KeyState.Published or KeyState.Retired):
                    due.Add((key.Activated!.Value + t.ZskLifetime, $"ZSK {key.KeyTag} reaches its lifetime: a new ZSK is pre-published"));
                    break;
                case (KeyRole.Ksk, KeyState.Generated) when key.DsSeen is null:
                    due.Add((null, $"waiting for the operator: put the DS of KSK {key.KeyTag} in the parent (dnshost dnssec ds), then run dnshost dnssec ds-seen {ring.Zone} {key.KeyTag}"));
                    break;
                case (KeyRole.Ksk, KeyState.Generated):
                    due.Add((key.DsSeen!.Value + t.DsSafety, $"KSK {key.KeyTag} becomes active and replaces the old KSK in the DNSKEY RRset"));
                    break;
                case (KeyRole.Ksk, KeyState.Retired):
                    due.Add((key.Retired!.Value + t.KskRetireSafety, $"KSK {key.KeyTag} is removed; then its DS may leave the parent"));
                    break;
                case (KeyRole.Ksk, KeyState.Active) when t.KskLifetime > TimeSpan.Zero && !ring.Keys.Any(k => k.Role == KeyRole.Ksk && k.State is KeyState.Generated or KeyState.Retired):
                    due.Add((key.Activated!.Value + t.KskLifetime, $"KSK {key.KeyTag} reaches its lifetime: a new KSK is made and its DS must go to the parent"));
                    break;
            }
        }
        return [.. due.OrderBy(d => d.At ?? DateTimeOffset.MaxValue)];
    }

    private static void Set(RingKey key, KeyState state, DateTimeOffset now, List<RolloverStep> steps, string why)
    {
        key.State = state;
        switch (state)
        {
            case KeyState.Published:
                key.Published = now;
                break;
            case KeyState.Active:
                key.Published ??= now;
                key.Activated = now;
                break;
            case KeyState.Retired:
                key.Retired = now;
                break;
            case KeyState.Removed:
                key.Removed = now;
                key.Private = null;
                break;
        }
        steps.Add(new RolloverStep(now, key.Role, key.KeyTag, state, why));
    }
}
