using DnsHost.Zones.HealthChecks;

namespace DnsHost.Health;

/// <summary>Why a check's reported status is what it is.</summary>
public enum HealthSource { Probes, Disabled, Calculated, Override, NotRun }

/// <summary>
/// One check's view of its endpoint: the last <c>FailureThreshold</c> probe results flip it, in both
/// directions (route53-behaviour.md 6.3, with one checker). Thread-safe; the checker owns it.
/// </summary>
public sealed class HealthCheckState(HealthCheckSpec spec)
{
    private readonly Lock _lock = new();
    private long _lastAppliedSequence = -1;

    public HealthCheckSpec Spec { get; } = spec;
    /// <summary>The endpoint's state from probes; a new check is healthy until enough data exists.</summary>
    public bool EndpointHealthy { get; private set; } = true;
    /// <summary>Consecutive probe results that disagree with <see cref="EndpointHealthy"/>.</summary>
    public int Streak { get; private set; }
    public ProbeResult? LastResult { get; private set; }
    /// <summary>The newest failed probe (GetHealthCheckLastFailureReason); the last few are in <see cref="History"/>.</summary>
    public ProbeResult? LastFailure => History.LastFailure;
    /// <summary>Probes, status changes and failures over the last hours; kept when the check's settings change.</summary>
    public HealthCheckHistory History { get; init; } = new();
    public bool? Override { get; set; }
    /// <summary>When the override lapses by itself (an override with a TTL, such as a drill's), or null for never.</summary>
    public DateTimeOffset? OverrideExpires { get; set; }
    /// <summary>For CALCULATED checks: healthy children and the count of children.</summary>
    public (int Healthy, int Total) Children { get; set; }
    /// <summary>Set when the check cannot run (a refused target or interval); it then reports unhealthy.</summary>
    public string? NotRunReason { get; set; }
    public bool Reported { get; set; }
    /// <summary>
    /// The live other nodes' views of the endpoint (a cluster on one store), by node name; empty for one node.
    /// Set by the checker under its lock.
    /// </summary>
    public IReadOnlyList<PeerObservation> Peers { get; set; } = [];
    public DateTimeOffset? LastTransition { get; set; }
    public int Transitions { get; set; }

    /// <summary>
    /// Applies a probe result; results that finish after a newer probe's are stale and ignored. Returns
    /// true when the endpoint's state flipped. <paramref name="at"/> and <paramref name="latency"/> go to the
    /// <see cref="History"/> (the checker's clock; without them, the result's own time and no latency).
    /// </summary>
    public bool Apply(long sequence, ProbeResult result, DateTimeOffset? at = null, TimeSpan latency = default)
    {
        lock (_lock)
        {
            if (sequence <= _lastAppliedSequence)
                return false;
            _lastAppliedSequence = sequence;
            LastResult = result;
            History.AddProbe(at ?? result.CheckedTime, result, latency);
            if (result.Success == EndpointHealthy)
            {
                Streak = 0;
                return false;
            }
            if (++Streak < Spec.FailureThreshold)
                return false;
            EndpointHealthy = result.Success;
            Streak = 0;
            return true;
        }
    }

    /// <summary>What the check reports, before an override: disabled → healthy; inverted swaps.</summary>
    public bool Evaluate()
    {
        if (Spec.Disabled)
            return true;
        bool healthy = Spec.Type switch
        {
            HealthCheckType.Calculated => Children.Healthy >= Spec.HealthThreshold,
            _ when NotRunReason is not null => false,
            _ => CheckersHealthy(),
        };
        return Spec.Inverted ? !healthy : healthy;
    }

    /// <summary>
    /// The endpoint's state over every checker: the live peers' views and this node's (once it has probed),
    /// by Route 53's 18 % rule (<see cref="CheckerRule"/>). Without peers, this node's view alone, which is
    /// healthy until enough data exists.
    /// </summary>
    public bool CheckersHealthy()
    {
        var peers = Peers;
        if (peers.Count == 0)
            return EndpointHealthy;
        var (healthy, total) = CheckerCount();
        return CheckerRule.Healthy(healthy, total);
    }

    /// <summary>Checkers that report the endpoint healthy, of those with a view: the peers, and this node once it has probed.</summary>
    public (int Healthy, int Total) CheckerCount()
    {
        var peers = Peers;
        int healthy = 0;
        foreach (var peer in peers)
        {
            if (peer.Healthy)
                healthy++;
        }
        int total = peers.Count;
        if (LastResult is not null)
        {
            total++;
            if (EndpointHealthy)
                healthy++;
        }
        return (healthy, total);
    }

    public HealthSource Source =>
        Override is not null ? HealthSource.Override
        : Spec.Disabled ? HealthSource.Disabled
        : Spec.Type == HealthCheckType.Calculated ? HealthSource.Calculated
        : NotRunReason is not null || !Spec.ProbesEndpoint ? HealthSource.NotRun
        : HealthSource.Probes;
}
