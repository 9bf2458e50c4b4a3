using DnsHost.Dnssec.Signing;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// Settings of "Dnssec:Rollover": a KSK and a ZSK per signed zone, rolled on these timers (RFC 6781
/// 4.1, RFC 7583) instead of one combined key kept for ever. Times are .NET TimeSpans ("30.00:00:00").
/// </summary>
public sealed class RolloverOptions
{
    public bool Enabled { get; set; }

    /// <summary>How long a ZSK signs before its successor takes over; 0 never rolls it.</summary>
    public TimeSpan ZskLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long an API (Route 53) zone's ZSK signs before its successor takes over; 0 never rolls it. API zones' ZSKs
    /// roll whether or not <see cref="Enabled"/> is on (that switch is for master-file zones), as Route 53 rotates its own.
    /// </summary>
    public TimeSpan HostedZoneZskLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a KSK signs before a successor is made (whose DS the operator puts in the parent); 0 never rolls it.</summary>
    public TimeSpan KskLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long a change of the zone takes to reach every server that serves it (secondaries included).</summary>
    public TimeSpan PropagationDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The TTL of the DS RRset in the parent zone (a TLD's is typically a day).</summary>
    public TimeSpan ParentDsTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long after the DS is seen at one parent server it is at all of them.</summary>
    public TimeSpan ParentPropagationDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The setting that is wrong and why, or null when all are usable.</summary>
    public string? Problem()
    {
        foreach (var (name, value) in new[] { ("ZskLifetime", ZskLifetime), ("HostedZoneZskLifetime", HostedZoneZskLifetime), ("KskLifetime", KskLifetime), ("PropagationDelay", PropagationDelay),
            ("ParentDsTtl", ParentDsTtl), ("ParentPropagationDelay", ParentPropagationDelay) })
        {
            if (value < TimeSpan.Zero)
                return $"Dnssec:Rollover:{name} must not be negative (a TimeSpan such as 30.00:00:00)";
        }
        return null;
    }

    /// <summary>The ZSK schedule of an API zone with its TTLs (its KSKs roll through the API, on no timer).</summary>
    public RolloverTimings HostedZoneTimings(uint dnskeyTtl, uint maxTtl) =>
        Timings(dnskeyTtl, maxTtl) with { ZskLifetime = HostedZoneZskLifetime, KskLifetime = TimeSpan.Zero };

    /// <summary>The ZSK schedule of an API zone, with the TTLs it is served with now.</summary>
    public RolloverTimings HostedZoneTimings(Zone zone)
    {
        uint dnskeyTtl = ResponseSigner.KeyTtl(zone);
        // A signing API zone serves no TTL over a week (SignedTtlCap), so no cache holds a signature longer.
        return HostedZoneTimings(dnskeyTtl, Math.Min(ZoneKeyRoller.LargestSignedTtl(zone, dnskeyTtl), SignedTtlCap.MaxTtl));
    }

    /// <summary>The schedule's intervals with the zone's TTLs.</summary>
    public RolloverTimings Timings(uint dnskeyTtl, uint maxTtl) => new(ZskLifetime, KskLifetime, PropagationDelay, ParentDsTtl,
        ParentPropagationDelay, TimeSpan.FromSeconds(dnskeyTtl), TimeSpan.FromSeconds(maxTtl));
}
