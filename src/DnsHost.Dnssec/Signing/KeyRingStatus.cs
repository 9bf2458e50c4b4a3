using System.Globalization;

namespace DnsHost.Dnssec.Signing;

/// <summary>What <c>dnshost dnssec status ZONE</c> prints: each key with its role, state and timeline, then the steps ahead.</summary>
public static class KeyRingStatus
{
    public static List<string> Describe(KeyRing ring, RolloverTimings timings, DateTimeOffset now)
    {
        var lines = new List<string> { $"zone {ring.Zone}  (DNSKEY TTL {ring.DnskeyTtl} s, largest signed TTL {ring.MaxTtl} s, now {Time(now)})" };
        lines.Add("role  tag    alg  state      created               published             active                retired               removed               ds-seen");
        foreach (var key in ring.Keys.OrderBy(k => k.Role).ThenBy(k => k.Created))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{key.Role.ToString().ToUpperInvariant(),-5} {key.KeyTag,-6} {key.Algorithm,-4} {key.State.ToString().ToLowerInvariant(),-10} {Time(key.Created),-21} {Time(key.Published),-21} {Time(key.Activated),-21} {Time(key.Retired),-21} {Time(key.Removed),-21} {Time(key.DsSeen)}"));
        }
        var upcoming = KeyRollover.Upcoming(ring, timings);
        if (upcoming.Count == 0)
        {
            lines.Add("next: nothing scheduled (lifetimes are 0)");
            return lines;
        }
        foreach (var (at, what) in upcoming)
            lines.Add(at is { } when ? $"next: {Time(when)}{(when <= now ? " (due: at the server's next query)" : "")}  {what}" : $"next: {what}");
        return lines;
    }

    private static string Time(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
