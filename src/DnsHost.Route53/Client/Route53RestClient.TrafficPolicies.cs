using System.Globalization;
using System.Xml.Linq;
using static DnsHost.Route53.Api.Route53Xml;
using static DnsHost.Route53.Client.Route53ClientXml;

namespace DnsHost.Route53.Client;

/// <summary>The traffic policy and instance operations of <see cref="IRoute53TrafficPolicyClient"/> (element order from the botocore model).</summary>
public sealed partial class Route53RestClient : IRoute53TrafficPolicyClient
{
    public async Task<IReadOnlyList<string>> ListTrafficPolicyIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        string? marker = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, V + "/trafficpolicies" + Query(("trafficpolicyid", marker), ("maxitems", PageSize)), null, "ListTrafficPoliciesResponse", cancellationToken);
            ids.AddRange(Children(page, "TrafficPolicySummaries", "TrafficPolicySummary").Select(p => Required(p, "Id")));
            marker = NextPage(page, "TrafficPolicyIdMarker", marker);
        }
        while (marker is not null);
        return ids;
    }

    public async Task<IReadOnlyList<TrafficPolicyVersion>> ListTrafficPolicyVersionsAsync(string policyId, CancellationToken cancellationToken = default)
    {
        var versions = new List<TrafficPolicyVersion>();
        string? marker = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, $"{V}/trafficpolicies/{Id(policyId, "")}/versions" + Query(("trafficpolicyversion", marker), ("maxitems", PageSize)), null, "ListTrafficPolicyVersionsResponse", cancellationToken);
            versions.AddRange(Children(page, "TrafficPolicies", "TrafficPolicy").Select(ReadPolicy));
            marker = NextPage(page, "TrafficPolicyVersionMarker", marker);
        }
        while (marker is not null);
        return versions;
    }

    public async Task<TrafficPolicyVersion> CreateTrafficPolicyAsync(string name, string document, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, V + "/trafficpolicy", E("CreateTrafficPolicyRequest", E("Name", name), E("Document", document)), "CreateTrafficPolicyResponse", cancellationToken);
        return ReadPolicy(Child(answer, "TrafficPolicy") ?? throw NoElement("TrafficPolicy"));
    }

    public async Task<TrafficPolicyVersion> CreateTrafficPolicyVersionAsync(string policyId, string document, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, $"{V}/trafficpolicy/{Id(policyId, "")}", E("CreateTrafficPolicyVersionRequest", E("Document", document)), "CreateTrafficPolicyVersionResponse", cancellationToken);
        return ReadPolicy(Child(answer, "TrafficPolicy") ?? throw NoElement("TrafficPolicy"));
    }

    public async Task<IReadOnlyList<TrafficPolicyInstanceSummary>> ListTrafficPolicyInstancesByHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default)
    {
        var instances = new List<TrafficPolicyInstanceSummary>();
        string? name = null, type = null;
        while (true)
        {
            var page = await SendAsync(HttpMethod.Get, V + "/trafficpolicyinstances/hostedzone" + Query(("id", Bare(hostedZoneId, "/hostedzone/")),
                ("trafficpolicyinstancename", name), ("trafficpolicyinstancetype", type), ("maxitems", PageSize)), null, "ListTrafficPolicyInstancesByHostedZoneResponse", cancellationToken);
            instances.AddRange(Children(page, "TrafficPolicyInstances", "TrafficPolicyInstance").Select(ReadInstance));
            if (Bool(page, "IsTruncated") != true)
                return instances;
            string? nextName = Text(page, "TrafficPolicyInstanceNameMarker"), nextType = Text(page, "TrafficPolicyInstanceTypeMarker");
            if (string.IsNullOrEmpty(nextName) || (nextName == name && nextType == type))
                throw new Route53ClientException("InvalidResponse", $"{page.Name.LocalName} is truncated but its markers do not move on ('{nextName}' '{nextType}')", 200);
            (name, type) = (nextName, nextType);
        }
    }

    public async Task CreateTrafficPolicyInstanceAsync(string hostedZoneId, string name, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken = default)
    {
        var request = E("CreateTrafficPolicyInstanceRequest", E("HostedZoneId", Bare(hostedZoneId, "/hostedzone/")), E("Name", name),
            E("TTL", ttl.ToString(CultureInfo.InvariantCulture)), E("TrafficPolicyId", policyId), E("TrafficPolicyVersion", policyVersion.ToString(CultureInfo.InvariantCulture)));
        await SendAsync(HttpMethod.Post, V + "/trafficpolicyinstance", request, "CreateTrafficPolicyInstanceResponse", cancellationToken);
    }

    public async Task UpdateTrafficPolicyInstanceAsync(string id, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken = default)
    {
        var request = E("UpdateTrafficPolicyInstanceRequest", E("TTL", ttl.ToString(CultureInfo.InvariantCulture)),
            E("TrafficPolicyId", policyId), E("TrafficPolicyVersion", policyVersion.ToString(CultureInfo.InvariantCulture)));
        await SendAsync(HttpMethod.Post, $"{V}/trafficpolicyinstance/{Id(id, "")}", request, "UpdateTrafficPolicyInstanceResponse", cancellationToken);
    }

    public async Task DeleteTrafficPolicyInstanceAsync(string id, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Delete, $"{V}/trafficpolicyinstance/{Id(id, "")}", null, "DeleteTrafficPolicyInstanceResponse", cancellationToken);

    private static TrafficPolicyVersion ReadPolicy(XElement p) =>
        new(Required(p, "Id"), (int)(Long(p, "Version") ?? 1), Required(p, "Name"), Required(p, "Type"), Required(p, "Document"));

    private static TrafficPolicyInstanceSummary ReadInstance(XElement i) =>
        new(Required(i, "Id"), Bare(Required(i, "HostedZoneId"), "/hostedzone/"), Required(i, "Name"), Required(i, "TrafficPolicyType"),
            Long(i, "TTL") ?? 0, Required(i, "TrafficPolicyId"), (int)(Long(i, "TrafficPolicyVersion") ?? 1));
}
