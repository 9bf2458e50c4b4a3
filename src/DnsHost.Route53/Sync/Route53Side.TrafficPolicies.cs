using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>Traffic policies and their instances through the client's traffic policy operations.</summary>
public sealed partial class Route53Side : ITrafficPolicySyncSide
{
    private IRoute53TrafficPolicyClient TrafficPolicies => client as IRoute53TrafficPolicyClient
        ?? throw new NotSupportedException($"the client of {description} has no traffic policy operations");

    public async Task<IReadOnlyList<TrafficPolicyVersion>> ListTrafficPoliciesAsync(CancellationToken cancellationToken)
    {
        var versions = new List<TrafficPolicyVersion>();
        foreach (string id in await TrafficPolicies.ListTrafficPolicyIdsAsync(cancellationToken))
            versions.AddRange(await TrafficPolicies.ListTrafficPolicyVersionsAsync(id, cancellationToken));
        return versions;
    }

    public async Task<IReadOnlyList<TrafficPolicyInstanceSummary>> ListTrafficPolicyInstancesAsync(string zoneId, CancellationToken cancellationToken)
    {
        try
        {
            return await TrafficPolicies.ListTrafficPolicyInstancesByHostedZoneAsync(zoneId, cancellationToken);
        }
        catch (Route53ClientException e) when (e.Code == "NoSuchTrafficPolicyInstance")
        {
            // Route 53 lists this error for the operation; a zone without instances is taken to be what it means.
            return [];
        }
    }

    public Task<TrafficPolicyVersion> CreateTrafficPolicyAsync(string name, string document, CancellationToken cancellationToken) =>
        TrafficPolicies.CreateTrafficPolicyAsync(name, document, cancellationToken);

    public Task<TrafficPolicyVersion> CreateTrafficPolicyVersionAsync(string policyId, string document, CancellationToken cancellationToken) =>
        TrafficPolicies.CreateTrafficPolicyVersionAsync(policyId, document, cancellationToken);

    public Task CreateTrafficPolicyInstanceAsync(string zoneId, string name, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken) =>
        TrafficPolicies.CreateTrafficPolicyInstanceAsync(zoneId, name, ttl, policyId, policyVersion, cancellationToken);

    public Task UpdateTrafficPolicyInstanceAsync(string id, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken) =>
        TrafficPolicies.UpdateTrafficPolicyInstanceAsync(id, ttl, policyId, policyVersion, cancellationToken);

    public Task DeleteTrafficPolicyInstanceAsync(string id, CancellationToken cancellationToken) =>
        TrafficPolicies.DeleteTrafficPolicyInstanceAsync(id, cancellationToken);
}
