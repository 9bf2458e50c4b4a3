using DnsHost.Zones.HealthChecks;

namespace DnsHost.Health;

/// <summary>One checker's observation, the shape of <c>GetHealthCheckStatus</c>'s HealthCheckObservation.</summary>
public sealed record HealthCheckObservation(string Region, string IPAddress, string Status, DateTimeOffset CheckedTime);

/// <summary>
/// A check's state for people and the API: what it reports and why, its last probe and last failure
/// (GetHealthCheckStatus and GetHealthCheckLastFailureReason), and any override.
/// </summary>
public sealed record HealthCheckStatus
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public string? Target { get; init; }
    public required string Status { get; init; }
    /// <summary>probes, override, disabled, calculated, not-run.</summary>
    public required string DecidedBy { get; init; }
    public string? Override { get; init; }
    /// <summary>When an override with a TTL lapses; null for an override without one.</summary>
    public DateTimeOffset? OverrideExpires { get; init; }
    public bool EndpointHealthy { get; init; }
    public bool Inverted { get; init; }
    public bool Disabled { get; init; }
    public int RequestInterval { get; init; }
    public int FailureThreshold { get; init; }
    /// <summary>Probe results in a row that disagree with the endpoint's state.</summary>
    public int Streak { get; init; }
    public string? HealthyChildren { get; init; }
    /// <summary>With other nodes' observations (a cluster): "1 of 3 healthy", the count the 18 % rule reads.</summary>
    public string? HealthyCheckers { get; init; }
    public string? NotRunReason { get; init; }
    public string? LastReason { get; init; }
    public DateTimeOffset? LastTransition { get; init; }
    public int Transitions { get; init; }
    public string DefinedIn { get; init; } = "";
    /// <summary>The latest probe (GetHealthCheckStatus), empty before the first.</summary>
    public IReadOnlyList<HealthCheckObservation> Observations { get; init; } = [];
    /// <summary>The latest failed probe (GetHealthCheckLastFailureReason), empty if none.</summary>
    public IReadOnlyList<HealthCheckObservation> LastFailures { get; init; } = [];

    public bool Healthy => Status == "Healthy";

    internal static HealthCheckStatus From(HealthCheckState state, HealthCheckOptions options)
    {
        var spec = state.Spec;
        string? target = spec.ProbesEndpoint
            ? $"{spec.IPAddress?.ToString() ?? spec.FullyQualifiedDomainName}:{spec.Port}{(spec.IsHttp ? spec.ResourcePath : "")}"
            : null;
        return new HealthCheckStatus
        {
            Id = spec.Id,
            Type = HealthCheckSpec.TypeName(spec.Type),
            Target = target,
            Status = state.Reported ? "Healthy" : "Unhealthy",
            DecidedBy = state.Source switch
            {
                HealthSource.Override => "override",
                HealthSource.Disabled => "disabled",
                HealthSource.Calculated => "calculated",
                HealthSource.NotRun => "not-run",
                _ => "probes",
            },
            Override = state.Override is null ? null : state.Override.Value ? "Healthy" : "Unhealthy",
            OverrideExpires = state.OverrideExpires,
            EndpointHealthy = state.EndpointHealthy,
            Inverted = spec.Inverted,
            Disabled = spec.Disabled,
            RequestInterval = spec.RequestInterval,
            FailureThreshold = spec.FailureThreshold,
            Streak = state.Streak,
            HealthyChildren = spec.Type == HealthCheckType.Calculated ? $"{state.Children.Healthy} of {state.Children.Total} (threshold {spec.HealthThreshold})" : null,
            NotRunReason = state.NotRunReason,
            LastReason = state.LastResult?.Reason,
            LastTransition = state.LastTransition,
            Transitions = state.Transitions,
            DefinedIn = spec.Source,
            HealthyCheckers = state.Peers.Count > 0 ? $"{state.CheckerCount().Healthy} of {state.CheckerCount().Total} healthy" : null,
            // One observation per checker: this node's, then each live peer's (GetHealthCheckStatus).
            Observations = [
                .. state.LastResult is { } last ? [new HealthCheckObservation(options.CheckerRegion, options.CheckerAddress, last.Status, last.CheckedTime)] : Array.Empty<HealthCheckObservation>(),
                .. state.Peers.Select(p => new HealthCheckObservation(p.Region, p.IPAddress, p.Status, p.CheckedTime))],
            LastFailures = [
                .. state.LastFailure is { } failure ? [new HealthCheckObservation(options.CheckerRegion, options.CheckerAddress, failure.Status, failure.CheckedTime)] : Array.Empty<HealthCheckObservation>(),
                .. state.Peers.Where(p => p.Failure is not null).Select(p => new HealthCheckObservation(p.Region, p.IPAddress, p.Failure!, p.FailureTime ?? p.CheckedTime))],
        };
    }
}
