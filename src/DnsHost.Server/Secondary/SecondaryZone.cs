using System.Buffers.Binary;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// One zone served as a secondary: its primaries, the copy served, its SOA timers (RFC 1035 3.3.13, RFC 1996) and
/// whether it has expired. The timers run on the host's <see cref="TimeProvider"/>.
/// </summary>
public sealed class SecondaryZone
{
    internal SecondaryZone(string originText, PrimaryServer[] primaries)
    {
        OriginText = originText;
        Origin = DnsName.Parse(originText);
        Primaries = primaries;
    }

    public string OriginText { get; }
    public byte[] Origin { get; }
    public IReadOnlyList<PrimaryServer> Primaries { get; }

    /// <summary>The copy served (null until the first transfer, or when no stored copy loaded).</summary>
    public Zone? Zone { get; internal set; }

    /// <summary>When a refresh last succeeded (an SOA check that found nothing newer counts): the expire timer runs from here.</summary>
    public DateTimeOffset? LastRefresh { get; internal set; }

    /// <summary>The last refresh's failure, for logs and tools; null after a success.</summary>
    public string? LastError { get; internal set; }

    /// <summary>The SOA EXPIRE time passed without a successful refresh: queries for the zone are answered SERVFAIL.</summary>
    public bool Expired => Volatile.Read(ref ExpiredFlag);

    internal bool ExpiredFlag;
    /// <summary>The copy served is newer than the one stored (its write failed, or is still to come).</summary>
    internal bool StoreBehind;
    internal ITimer? RefreshTimer;
    internal ITimer? ExpireTimer;
    internal readonly Lock Lock = new();
    internal bool Running;
    internal Task? Refreshing;
    internal bool Again;

    /// <summary>REFRESH, RETRY and EXPIRE of an SOA (RFC 1035 3.3.13), floored at one second.</summary>
    public static (TimeSpan Refresh, TimeSpan Retry, TimeSpan Expire) Timers(Zone zone)
    {
        var rdata = zone.Soa.RData[0];
        var fixedPart = rdata[^20..];
        return (Seconds(BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..])), Seconds(BinaryPrimitives.ReadUInt32BigEndian(fixedPart[8..])),
            Seconds(BinaryPrimitives.ReadUInt32BigEndian(fixedPart[12..])));
    }

    // A timer cannot wait longer than about 49 days; SOA values beyond 30 days are held at 30.
    private static TimeSpan Seconds(uint value) => TimeSpan.FromSeconds(Math.Clamp(value, 1u, 30u * 86400));

    public override string ToString() => $"{OriginText} (secondary of {string.Join(", ", Primaries)})";
}
