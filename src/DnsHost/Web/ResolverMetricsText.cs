using System.Globalization;
using System.Text;
using DnsHost.Resolver;

namespace DnsHost.Web;

/// <summary>The resolver's part of /metrics: cache hits and misses, evictions, stale answers, prefetches, and upstream latency by server.</summary>
public static class ResolverMetricsText
{
    /// <summary>Upstream servers listed at most (the busiest), so iteration over the internet cannot grow the page without bound.</summary>
    private const int MaxServers = 100;

    public static void Append(StringBuilder text, ResolverMetrics metrics)
    {
        void Counter(string name, string help, long value) => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" counter\n").Append(name).Append(' ').Append(value).Append('\n');
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        Counter("dnshost_resolver_cache_hits_total", "Recursive queries answered from a fresh cache entry.", metrics.Hits);
        Counter("dnshost_resolver_cache_misses_total", "Recursive queries that needed upstream work (or waited for it).", metrics.Misses);
        Counter("dnshost_resolver_coalesced_total", "Misses that joined a resolution of the same question already under way.", metrics.Coalesced);
        Counter("dnshost_resolver_cache_evictions_total", "Cache entries evicted to stay within Resolver:Cache:MaxBytes.", metrics.Evictions);
        Counter("dnshost_resolver_stale_answers_total", "Expired answers served because upstream failed or was slow (RFC 8767).", metrics.StaleServed);
        Counter("dnshost_resolver_prefetches_total", "Popular entries refreshed before they expired.", metrics.Prefetches);
        Counter("dnshost_resolver_servfail_total", "Resolutions that failed (SERVFAIL to the client).", metrics.ServFails);
        Counter("dnshost_resolver_dnssec_bogus_total", "Resolutions whose answer failed DNSSEC validation.", metrics.Bogus);
        Counter("dnshost_resolver_nsec_synthesized_total", "NXDOMAIN answers made from validated NSEC records (RFC 8198).", metrics.Synthesized);
        Counter("dnshost_resolver_upstream_mismatched_total", "Upstream datagrams dropped for a wrong ID or question.", metrics.Mismatched);
        Counter("dnshost_resolver_overloaded_total", "Misses refused because Resolver:MaxPendingQueries resolutions were waiting.", metrics.Overloaded);

        var servers = metrics.Servers.Values.OrderByDescending(s => s.Queries).Take(MaxServers).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal).ToList();
        text.Append("# HELP dnshost_resolver_upstream_queries_total Queries sent to each upstream server.\n# TYPE dnshost_resolver_upstream_queries_total counter\n");
        foreach (var s in servers)
            text.Append($"dnshost_resolver_upstream_queries_total{{server=\"{s.EndPoint}\"}} {s.Queries}\n");
        text.Append("# HELP dnshost_resolver_upstream_timeouts_total Upstream queries that got no answer in time.\n# TYPE dnshost_resolver_upstream_timeouts_total counter\n");
        foreach (var s in servers)
            text.Append($"dnshost_resolver_upstream_timeouts_total{{server=\"{s.EndPoint}\"}} {s.Timeouts}\n");
        text.Append("# HELP dnshost_resolver_upstream_errors_total Upstream queries answered with an error, refused, or unusable.\n# TYPE dnshost_resolver_upstream_errors_total counter\n");
        foreach (var s in servers)
            text.Append($"dnshost_resolver_upstream_errors_total{{server=\"{s.EndPoint}\"}} {s.Errors}\n");
        text.Append("# HELP dnshost_resolver_upstream_response_seconds Time from sending a query upstream to its answer.\n# TYPE dnshost_resolver_upstream_response_seconds summary\n");
        foreach (var s in servers)
        {
            text.Append($"dnshost_resolver_upstream_response_seconds_sum{{server=\"{s.EndPoint}\"}} {F(s.LatencySeconds)}\n");
            text.Append($"dnshost_resolver_upstream_response_seconds_count{{server=\"{s.EndPoint}\"}} {s.Responses}\n");
        }
        text.Append("# HELP dnshost_resolver_upstream_srtt_seconds Smoothed round-trip time the resolver chooses servers by.\n# TYPE dnshost_resolver_upstream_srtt_seconds gauge\n");
        foreach (var s in servers)
            text.Append($"dnshost_resolver_upstream_srtt_seconds{{server=\"{s.EndPoint}\"}} {F(s.SrttMicros / 1e6)}\n");
    }
}
