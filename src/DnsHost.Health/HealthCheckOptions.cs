using System.ComponentModel.DataAnnotations;

namespace DnsHost.Health;

/// <summary>Settings of the health checker (section <c>HealthChecks</c>).</summary>
public sealed class HealthCheckOptions
{
    public const string Section = "HealthChecks";

    /// <summary>Run the checks (off: every check keeps its initial state, as with Route 53 before data arrives).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Probe loopback, private, link-local and other non-routable targets. Route 53 refuses them; test
    /// harnesses need them. Off by default.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The shortest <c>RequestInterval</c> accepted, in seconds: 10 as on Route 53; down to 1 for test harnesses.</summary>
    [Range(1, 10)]
    public int MinimumInterval { get; set; } = 10;

    /// <summary>Probes in flight at once, across all checks.</summary>
    [Range(1, 10000)]
    public int MaxConcurrentProbes { get; set; } = 64;

    /// <summary>Probes kept per check for the console (16 bytes each): 2160 is 6 hours of a 10-second check.</summary>
    [Range(1, 1_000_000)]
    public int HistoryProbes { get; set; } = HealthCheckHistory.DefaultProbes;

    /// <summary>Failure reasons kept per check for the console.</summary>
    [Range(1, 1000)]
    public int HistoryFailures { get; set; } = HealthCheckHistory.DefaultFailures;

    /// <summary>The Region this checker reports in status observations (GetHealthCheckStatus).</summary>
    public string CheckerRegion { get; set; } = "us-east-1";

    /// <summary>The address this checker reports in status observations (GetHealthCheckStatus's IPAddress).</summary>
    public string CheckerAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// For test harnesses: probe another endpoint in place of a check's own, on this node only (a cluster test
    /// breaks an endpoint for one node). <c>From</c> and <c>To</c> are ADDRESS:PORT ("127.0.0.1:8080", "[::1]:8080").
    /// </summary>
    public List<TargetOverride> TargetOverrides { get; set; } = [];
}

/// <summary>One entry of <see cref="HealthCheckOptions.TargetOverrides"/>: probes of <see cref="From"/> go to <see cref="To"/>.</summary>
public sealed class TargetOverride
{
    public string From { get; set; } = "";
    public string To { get; set; } = "";
}
