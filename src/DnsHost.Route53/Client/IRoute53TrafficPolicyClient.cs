namespace DnsHost.Route53.Client;

/// <summary>One version of a traffic policy, with its document (GetTrafficPolicy, ListTrafficPolicyVersions).</summary>
public sealed record TrafficPolicyVersion(string Id, int Version, string Name, string Type, string Document);

/// <summary>A traffic policy instance: the record sets one policy version made at a name of a hosted zone.</summary>
public sealed record TrafficPolicyInstanceSummary(string Id, string HostedZoneId, string Name, string Type, long Ttl, string PolicyId, int PolicyVersion);

/// <summary>
/// Route 53's traffic policy operations the sync job needs, beside <see cref="IRoute53Client"/> (kept apart
/// so other clients of that interface need not change). Every list follows its markers to the end.
/// </summary>
public interface IRoute53TrafficPolicyClient
{
    /// <summary>Every version of a policy with its document (ListTrafficPolicyVersions).</summary>
    Task<IReadOnlyList<TrafficPolicyVersion>> ListTrafficPolicyVersionsAsync(string policyId, CancellationToken cancellationToken = default);
    /// <summary>Each policy's id (ListTrafficPolicies).</summary>
    Task<IReadOnlyList<string>> ListTrafficPolicyIdsAsync(CancellationToken cancellationToken = default);
    Task<TrafficPolicyVersion> CreateTrafficPolicyAsync(string name, string document, CancellationToken cancellationToken = default);
    Task<TrafficPolicyVersion> CreateTrafficPolicyVersionAsync(string policyId, string document, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<TrafficPolicyInstanceSummary>> ListTrafficPolicyInstancesByHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default);
    Task CreateTrafficPolicyInstanceAsync(string hostedZoneId, string name, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken = default);
    Task UpdateTrafficPolicyInstanceAsync(string id, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken = default);
    Task DeleteTrafficPolicyInstanceAsync(string id, CancellationToken cancellationToken = default);
}
