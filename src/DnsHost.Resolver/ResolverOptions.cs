using System.ComponentModel.DataAnnotations;
using System.Net;

namespace DnsHost.Resolver;

/// <summary>The caching resolver, bound from the "Resolver" configuration section.</summary>
public sealed class ResolverOptions
{
    public const string Section = "Resolver";

    /// <summary>On when set, or (when unset) as soon as forwarders, conditional forwarders or root hints are configured.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Upstream resolvers as IP[:PORT] ([::1]:53 for IPv6 with a port); empty means iterate from the root hints.</summary>
    public List<string> Forwarders { get; set; } = [];

    /// <summary>Domain to upstream servers (IP[:PORT]); the longest matching suffix wins over <see cref="Forwarders"/>.</summary>
    public Dictionary<string, List<string>> ConditionalForwarders { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Root hints file (master-file NS and A/AAAA lines, as IANA's named.root); built-in root servers when unset.</summary>
    public string? RootHints { get; set; }

    /// <summary>Client networks (CIDR) that may recurse; loopback only by default, so the server is never an open resolver.</summary>
    public List<string> AllowRecursion { get; set; } = [];

    /// <summary>Whether iteration may query name servers on loopback addresses (learned from referrals or hints); on only for test networks.</summary>
    public bool AllowLoopbackServers { get; set; }

    /// <summary>The port authoritative servers are queried on during iteration (53; another one only for test hierarchies).</summary>
    [Range(1, 65535)]
    public int IterationPort { get; set; } = 53;

    /// <summary>Randomise the case of query names sent upstream (DNS 0x20) and accept only answers that echo it exactly.</summary>
    public bool RandomizeCase { get; set; }

    /// <summary>How long to wait for one upstream server before trying the next.</summary>
    [Range(20, 30000)]
    public int UpstreamTimeoutMs { get; set; } = 1500;

    /// <summary>Bound on the whole resolution of one question; past it the client gets SERVFAIL (or a stale answer).</summary>
    [Range(100, 120000)]
    public int ResolutionTimeoutMs { get; set; } = 10000;

    /// <summary>Bound on upstream queries spent on one question during iteration (referrals, name server addresses, CNAMEs).</summary>
    [Range(4, 1000)]
    public int MaxUpstreamQueries { get; set; } = 64;

    /// <summary>
    /// QNAME minimisation (RFC 9156) while iterating: each zone's servers see only the next label of a
    /// question, with QTYPE A, until the zone that holds the name. On by default, as in Unbound; relaxed (a
    /// server that fails a minimised question is asked the full one).
    /// </summary>
    public bool QnameMinimisation { get; set; } = true;

    /// <summary>Resolve RFC 6761 special-use names (localhost, invalid, test, local, onion) upstream instead of answering them here.</summary>
    public bool ResolveSpecialUseNames { get; set; }

    /// <summary>Resolutions waiting for upstream at once; further misses get SERVFAIL.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingQueries { get; set; } = 10000;

    public ResolverCacheOptions Cache { get; set; } = new();

    /// <summary>DNSSEC validation (RFC 4033-4035) of everything resolved; off only for networks whose private names cannot validate.</summary>
    public bool Dnssec { get; set; } = true;

    /// <summary>A file of DS or DNSKEY records to trust (Unbound trust-anchor-file or BIND trust-anchors format); the IANA root KSKs when unset.</summary>
    public string? TrustAnchors { get; set; }

    /// <summary>Domains validated as insecure whatever their signatures say (RFC 7646 negative trust anchors).</summary>
    public List<string> NegativeTrustAnchors { get; set; } = [];

    /// <summary>How long a bogus answer (and a failed step of a chain of trust) is remembered, in seconds.</summary>
    [Range(0, 3600)]
    public int DnssecBogusTtl { get; set; } = 60;

    /// <summary>Seconds a signature may be used before its inception and after its expiration, for clocks that differ.</summary>
    [Range(0, 86400)]
    public int DnssecClockSkewSeconds { get; set; } = 180;

    public bool IsEnabled => Enabled ?? (Forwarders.Count > 0 || ConditionalForwarders.Count > 0 || !string.IsNullOrEmpty(RootHints));

    public IReadOnlyList<string> EffectiveAllowRecursion => AllowRecursion.Count > 0 ? AllowRecursion : ["127.0.0.0/8", "::1/128"];

    /// <summary>Parses IP[:PORT] (port 53 when absent); throws FormatException naming the setting.</summary>
    public static IPEndPoint ParseServer(string text, string setting)
    {
        // IPEndPoint reads "[::1]:5353", "127.0.0.1:8600", and a bare address with port 0 (IPv6 without brackets too).
        if (IPEndPoint.TryParse(text.Trim(), out var endPoint))
            return endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;
        throw new FormatException($"{setting}: '{text}' is not IP[:PORT] (e.g. 192.0.2.53, 127.0.0.1:8600 or [::1]:53)");
    }
}

/// <summary>Cache limits and behaviour ("Resolver:Cache").</summary>
public sealed class ResolverCacheOptions
{
    /// <summary>Memory bound for cached answers (their encoded size plus bookkeeping); least useful entries are evicted past it.</summary>
    [Range(4096, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>TTLs below this are raised to it (seconds).</summary>
    [Range(0, 86400)]
    public int MinTtl { get; set; }

    /// <summary>TTLs above this are lowered to it (seconds).</summary>
    [Range(1, 604800)]
    public int MaxTtl { get; set; } = 86400;

    /// <summary>Cap on the RFC 2308 negative TTL (min of the SOA TTL and SOA MINIMUM).</summary>
    [Range(0, 604800)]
    public int MaxNegativeTtl { get; set; } = 3600;

    /// <summary>RFC 8767: answer from expired entries when upstream fails.</summary>
    public bool ServeStale { get; set; } = true;

    /// <summary>TTL of a stale answer (RFC 8767 recommends 30 s).</summary>
    [Range(1, 3600)]
    public int StaleAnswerTtl { get; set; } = 30;

    /// <summary>How long past expiry an entry may still be served stale (RFC 8767: 1 to 3 days).</summary>
    [Range(0, 604800)]
    public int MaxStaleSeconds { get; set; } = 86400;

    /// <summary>RFC 8767's client response timer: with a stale entry at hand, answer with it once resolution takes this long.</summary>
    [Range(10, 60000)]
    public int StaleClientTimeoutMs { get; set; } = 1800;

    /// <summary>Refresh popular entries shortly before they expire.</summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>Hits an entry needs before it is prefetched.</summary>
    [Range(1, 1_000_000)]
    public int PrefetchMinHits { get; set; } = 2;

    /// <summary>Prefetch once less than this share of the entry's TTL remains.</summary>
    [Range(1, 90)]
    public int PrefetchPercent { get; set; } = 10;
}
