namespace DnsHost.Health;

/// <summary>
/// Another checker's latest view of one check's endpoint: a node of the cluster, as it published it to the
/// shared store. <see cref="Healthy"/> is that node's own view, already flipped by <c>FailureThreshold</c>
/// results in a row, before inversion, disabling or overrides.
/// </summary>
public sealed record PeerObservation(string Node, string Region, string IPAddress, bool Healthy, string Status, DateTimeOffset CheckedTime,
    string? Failure = null, DateTimeOffset? FailureTime = null, int? LatencyMs = null);

/// <summary>This node's latest view of one check's endpoint, for publishing to the other nodes.</summary>
public readonly record struct LocalObservation(string Id, bool Healthy, ProbeResult Last, ProbeResult? LastFailure);

/// <summary>How the views of several checkers make one status.</summary>
public static class CheckerRule
{
    /// <summary>
    /// route53-behaviour.md 6.3 ("How Amazon Route 53 determines whether a health check is healthy"): healthy
    /// when more than 18 % of the checkers report healthy, unhealthy at 18 % or less. In integers, so 1 of 3
    /// (33 %) and 1 of 5 (20 %) are healthy and 1 of 6 (16.7 %) is not.
    /// </summary>
    public static bool Healthy(int healthy, int total) => total > 0 && healthy * 100 > total * 18;
}
