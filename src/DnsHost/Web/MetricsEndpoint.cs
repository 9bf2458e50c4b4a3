using System.Globalization;
using System.Text;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Route53.Api;
using DnsHost.Server;
using DnsHost.Zones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DnsHost.Web;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format (version 0.0.4): DNS answers by transport and
/// response code, per zone, answer latency, health check states and transitions, API requests by
/// operation and status, the garbage collector's counts, and the process (build, CPU, memory, descriptors).
/// </summary>
public static class MetricsEndpoint
{
    public static void Map(IEndpointRouteBuilder app, QueryProcessor processor, ZoneRegistry zones, HealthChecker health, ApiMetrics api, ResolverMetrics? resolver = null, ClusterState? cluster = null) =>
        app.MapGet("/metrics", () => Results.Text(Render(processor.Metrics, zones, health, api, resolver, processor.RateLimiter, processor.QueryLog, cluster), "text/plain; version=0.0.4; charset=utf-8"));

    public static string Render(DnsMetrics dns, ZoneRegistry zones, HealthChecker health, ApiMetrics api, ResolverMetrics? resolver = null, ResponseRateLimiter? rateLimiter = null,
        DnsHost.Server.QueryLogging.QueryLog? queryLog = null, ClusterState? cluster = null)
    {
        var text = new StringBuilder();
        void Header(string name, string type, string help) => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        Header("dnshost_dns_responses_total", "counter", "DNS responses sent, by transport and response code (header RCODE).");
        foreach (bool tcp in new[] { false, true })
        {
            for (int rcode = 0; rcode < 16; rcode++)
            {
                long count = dns.Answers(tcp, rcode);
                if (count > 0 || rcode is 0 or 2 or 3 or 5)
                    text.Append($"dnshost_dns_responses_total{{transport=\"{(tcp ? "tcp" : "udp")}\",rcode=\"{((ResponseCode)rcode).ToString().ToUpperInvariant()}\"}} {count}\n");
            }
        }
        Header("dnshost_dns_dropped_total", "counter", "Packets not answered (not queries, or too broken to answer).");
        text.Append($"dnshost_dns_dropped_total {dns.Dropped}\n");
        if (rateLimiter is not null)
        {
            Header("dnshost_dns_rrl_dropped_total", "counter", "UDP responses over the rate limit (Dns:RateLimit) that were not sent.");
            text.Append($"dnshost_dns_rrl_dropped_total {rateLimiter.Dropped}\n");
            Header("dnshost_dns_rrl_slipped_total", "counter", "UDP responses over the rate limit sent truncated (TC=1) or as BADCOOKIE, so a real client retries.");
            text.Append($"dnshost_dns_rrl_slipped_total {rateLimiter.Slipped}\n");
        }
        if (queryLog is not null)
        {
            Header("dnshost_query_log_lines_total", "counter", "Route 53 query log lines written (zones with a query logging configuration).");
            text.Append($"dnshost_query_log_lines_total {queryLog.Written}\n");
            Header("dnshost_query_log_dropped_total", "counter", "Route 53 query log lines dropped because the writer fell behind (QueryLogging:Capacity).");
            text.Append($"dnshost_query_log_dropped_total {queryLog.Dropped}\n");
        }
        if (cluster is { Enabled: true })
        {
            Header("dnshost_cluster_store_reachable", "gauge", "1 when this node reached the PostgreSQL store on its last try, else 0.");
            text.Append($"dnshost_cluster_store_reachable {(cluster.StoreReachable ? 1 : 0)}\n");
            Header("dnshost_cluster_log_sequence", "gauge", "The end of the store's change log when this node last read it.");
            text.Append($"dnshost_cluster_log_sequence {cluster.LogEnd}\n");
            Header("dnshost_cluster_served_sequence", "gauge", "The change log sequence this node serves everything up to.");
            text.Append($"dnshost_cluster_served_sequence {cluster.Served}\n");
            Header("dnshost_cluster_degraded", "gauge", "1 when /healthz says degraded (store unreachable, or behind the log past Cluster:LagBoundSeconds).");
            text.Append($"dnshost_cluster_degraded {(cluster.Degraded is null ? 0 : 1)}\n");
        }
        Header("dnshost_dns_zone_queries_total", "counter", "Queries answered from each zone (restarts when the zone is reloaded or changed).");
        foreach (var zone in zones.Current.AllZones.OrderBy(z => z.OriginText, StringComparer.Ordinal))
            text.Append($"dnshost_dns_zone_queries_total{{zone=\"{Escape(zone.OriginText)}\",private=\"{(zone.IsPrivate ? "true" : "false")}\"}} {zone.Queries}\n");
        Header("dnshost_dns_answer_seconds", "histogram", $"Time to build a response, from parsing the query to the last byte written; one query in {DnsMetrics.LatencySampling} per thread is timed.");
        var buckets = dns.CumulativeBuckets();
        for (int i = 0; i < DnsMetrics.LatencyBuckets.Length; i++)
            text.Append($"dnshost_dns_answer_seconds_bucket{{le=\"{F(DnsMetrics.LatencyBuckets[i])}\"}} {buckets[i]}\n");
        text.Append($"dnshost_dns_answer_seconds_bucket{{le=\"+Inf\"}} {buckets[^1]}\n");
        text.Append($"dnshost_dns_answer_seconds_sum {F(dns.LatencySeconds)}\n");
        text.Append($"dnshost_dns_answer_seconds_count {buckets[^1]}\n");

        var checks = health.List();
        Header("dnshost_health_check_healthy", "gauge", "1 when the health check reports healthy, else 0.");
        foreach (var check in checks)
            text.Append($"dnshost_health_check_healthy{{id=\"{Escape(check.Id)}\",type=\"{check.Type}\",decided_by=\"{check.DecidedBy}\"}} {(check.Healthy ? 1 : 0)}\n");
        Header("dnshost_health_check_transitions_total", "counter", "Changes of a health check's reported status.");
        foreach (var check in checks)
            text.Append($"dnshost_health_check_transitions_total{{id=\"{Escape(check.Id)}\"}} {check.Transitions}\n");

        Header("dnshost_api_requests_total", "counter", "Route 53 API requests, by operation and HTTP status.");
        foreach (var (operation, status, count) in api.Snapshot())
            text.Append($"dnshost_api_requests_total{{operation=\"{operation}\",status=\"{status}\"}} {count}\n");

        if (resolver is not null)
            ResolverMetricsText.Append(text, resolver);

        Header("dnshost_gc_collections_total", "counter", "Garbage collections, by generation.");
        for (int gen = 0; gen <= GC.MaxGeneration; gen++)
            text.Append($"dnshost_gc_collections_total{{generation=\"{gen}\"}} {GC.CollectionCount(gen)}\n");
        Header("dnshost_gc_allocated_bytes_total", "counter", "Bytes allocated by the process.");
        text.Append($"dnshost_gc_allocated_bytes_total {GC.GetTotalAllocatedBytes()}\n");
        ProcessMetricsText.Append(text);
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
