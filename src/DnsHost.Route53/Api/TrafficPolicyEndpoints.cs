using System.Globalization;
using System.Xml.Linq;
using DnsHost.Route53.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>Traffic policies and traffic policy instances: the fifteen Traffic Flow operations of Route 53's API.</summary>
public static class TrafficPolicyEndpoints
{
    public static void MapRoute53TrafficPolicies(this IEndpointRouteBuilder app, HostedZoneService zones)
    {
        const string policyPath = Route53Endpoints.Version + "/trafficpolicy", instancePath = Route53Endpoints.Version + "/trafficpolicyinstance";
        app.MapPost(policyPath, async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateTrafficPolicyRequest");
            var policy = zones.CreateTrafficPolicy(Text(request, "Name") ?? throw Route53Endpoints.Missing("name"),
                Text(request, "Document") ?? throw Route53Endpoints.Missing("document"), Text(request, "Comment"));
            return Created(context, $"{policyPath}/{policy.Id}/{policy.Version}", E("CreateTrafficPolicyResponse", Policy(policy)));
        });
        app.MapPost(policyPath + "/{id}", async (HttpContext context, string id) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateTrafficPolicyVersionRequest");
            var policy = zones.CreateTrafficPolicyVersion(id, Text(request, "Document") ?? throw Route53Endpoints.Missing("document"), Text(request, "Comment"));
            return Created(context, $"{policyPath}/{policy.Id}/{policy.Version}", E("CreateTrafficPolicyVersionResponse", Policy(policy)));
        });
        app.MapGet(policyPath + "/{id}/{version}", (string id, string version) =>
            Route53Endpoints.Xml(E("GetTrafficPolicyResponse", Policy(zones.GetTrafficPolicy(id, Version(version))))));
        app.MapPost(policyPath + "/{id}/{version}", async (HttpContext context, string id, string version) =>
        {
            var request = await Route53Endpoints.ReadBodyOrNull(context, "UpdateTrafficPolicyCommentRequest");
            var policy = zones.UpdateTrafficPolicyComment(id, Version(version), Text(request, "Comment"));
            return Route53Endpoints.Xml(E("UpdateTrafficPolicyCommentResponse", Policy(policy)));
        });
        app.MapDelete(policyPath + "/{id}/{version}", (string id, string version) =>
        {
            zones.DeleteTrafficPolicy(id, Version(version));
            return Route53Endpoints.Xml(E("DeleteTrafficPolicyResponse"));
        });
        app.MapGet(Route53Endpoints.Version + "/trafficpolicies", (HttpContext context) =>
        {
            int max = Route53Endpoints.MaxItems(context, 100);
            string? marker = context.Request.Query["trafficpolicyid"];
            var all = zones.ListTrafficPolicies();
            int start = marker is null ? 0 : all.Count(p => string.CompareOrdinal(p.Latest.Id, marker) < 0);
            bool truncated = start + max < all.Count;
            return Route53Endpoints.Xml(E("ListTrafficPoliciesResponse",
                E("TrafficPolicySummaries", all.Skip(start).Take(max).Select(p => E("TrafficPolicySummary",
                    E("Id", p.Latest.Id), E("Name", p.Latest.Name), E("Type", p.Latest.Type),
                    E("LatestVersion", Number(p.Latest.Version)), E("TrafficPolicyCount", Number(p.Count))))),
                E("IsTruncated", truncated ? "true" : "false"),
                E("TrafficPolicyIdMarker", truncated ? all[start + max].Latest.Id : all.Count > 0 ? all[^1].Latest.Id : ""),
                E("MaxItems", Number(max))));
        });
        app.MapGet(Route53Endpoints.Version + "/trafficpolicies/{id}/versions", (HttpContext context, string id) =>
        {
            int max = Route53Endpoints.MaxItems(context, 100);
            string? marker = context.Request.Query["trafficpolicyversion"];
            int from = marker is null ? 0 : Version(marker);
            var all = zones.TrafficPolicyVersions(id).Where(p => p.Version >= from).ToList();
            bool truncated = max < all.Count;
            return Route53Endpoints.Xml(E("ListTrafficPolicyVersionsResponse",
                E("TrafficPolicies", all.Take(max).Select(Policy)),
                E("IsTruncated", truncated ? "true" : "false"),
                E("TrafficPolicyVersionMarker", truncated ? Number(all[max].Version) : all.Count > 0 ? Number(all[^1].Version) : ""),
                E("MaxItems", Number(max))));
        });

        app.MapPost(instancePath, async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateTrafficPolicyInstanceRequest");
            var (instance, policy) = zones.CreateTrafficPolicyInstance(
                Text(request, "HostedZoneId") ?? throw Route53Endpoints.Missing("hostedZoneId"),
                Text(request, "Name") ?? throw Route53Endpoints.Missing("name"),
                Long(request, "TTL") ?? throw Route53Endpoints.Missing("tTL"),
                Text(request, "TrafficPolicyId") ?? throw Route53Endpoints.Missing("trafficPolicyId"),
                Version(Text(request, "TrafficPolicyVersion") ?? throw Route53Endpoints.Missing("trafficPolicyVersion")));
            return Created(context, $"{instancePath}/{instance.Id}", E("CreateTrafficPolicyInstanceResponse", Instance(instance, policy)));
        });
        app.MapGet(instancePath + "/{id}", (string id) =>
        {
            var instance = zones.GetTrafficPolicyInstance(id);
            return Route53Endpoints.Xml(E("GetTrafficPolicyInstanceResponse", Instance(instance, null)));
        });
        app.MapPost(instancePath + "/{id}", async (HttpContext context, string id) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "UpdateTrafficPolicyInstanceRequest");
            var (instance, policy) = zones.UpdateTrafficPolicyInstance(id,
                Long(request, "TTL") ?? throw Route53Endpoints.Missing("tTL"),
                Text(request, "TrafficPolicyId") ?? throw Route53Endpoints.Missing("trafficPolicyId"),
                Version(Text(request, "TrafficPolicyVersion") ?? throw Route53Endpoints.Missing("trafficPolicyVersion")));
            return Route53Endpoints.Xml(E("UpdateTrafficPolicyInstanceResponse", Instance(instance, policy)));
        });
        app.MapDelete(instancePath + "/{id}", (string id) =>
        {
            zones.DeleteTrafficPolicyInstance(id);
            return Route53Endpoints.Xml(E("DeleteTrafficPolicyInstanceResponse"));
        });
        app.MapGet(Route53Endpoints.Version + "/trafficpolicyinstancecount", () =>
            Route53Endpoints.Xml(E("GetTrafficPolicyInstanceCountResponse", E("TrafficPolicyInstanceCount", Number(zones.TrafficPolicyInstanceCount)))));
        app.MapGet(Route53Endpoints.Version + "/trafficpolicyinstances", (HttpContext context) =>
            InstancePage(context, "ListTrafficPolicyInstancesResponse", zones.ListTrafficPolicyInstances(), zoneMarker: true));
        app.MapGet(Route53Endpoints.Version + "/trafficpolicyinstances/hostedzone", (HttpContext context) =>
        {
            string zone = HostedZoneService.StripPrefix(context.Request.Query["id"].ToString() is { Length: > 0 } id ? id : throw Route53Endpoints.Missing("hostedZoneId"), "/hostedzone/");
            zones.Get(zone);
            return InstancePage(context, "ListTrafficPolicyInstancesByHostedZoneResponse", zones.ListTrafficPolicyInstances().Where(i => i.HostedZoneId == zone).ToList(), zoneMarker: false);
        });
        app.MapGet(Route53Endpoints.Version + "/trafficpolicyinstances/trafficpolicy", (HttpContext context) =>
        {
            string policy = context.Request.Query["id"].ToString() is { Length: > 0 } id ? id : throw Route53Endpoints.Missing("trafficPolicyId");
            int version = Version(context.Request.Query["version"].ToString() is { Length: > 0 } v ? v : throw Route53Endpoints.Missing("trafficPolicyVersion"));
            zones.GetTrafficPolicy(policy, version);
            return InstancePage(context, "ListTrafficPolicyInstancesByPolicyResponse",
                zones.ListTrafficPolicyInstances().Where(i => i.PolicyId == policy && i.PolicyVersion == version).ToList(), zoneMarker: true);
        });
    }

    /// <summary>A page of instances from the (hosted zone id, name, type) markers; the markers of the next page when truncated.</summary>
    private static IResult InstancePage(HttpContext context, string root, IReadOnlyList<StoredTrafficPolicyInstance> all, bool zoneMarker)
    {
        int max = Route53Endpoints.MaxItems(context, 100);
        string? zone = context.Request.Query["hostedzoneid"], name = context.Request.Query["trafficpolicyinstancename"], type = context.Request.Query["trafficpolicyinstancetype"];
        int start = 0;
        if (zone is not null || name is not null)
        {
            string nameKey = name is null ? "" : HostedZoneService.ReversedName(name.EndsWith('.') ? name : name + ".");
            start = all.Count(i => (zoneMarker ? string.CompareOrdinal(i.HostedZoneId, zone ?? "") : 0) switch
            {
                < 0 => true,
                > 0 => false,
                _ => string.CompareOrdinal(HostedZoneService.ReversedName(i.Name), nameKey) is var c && (c < 0 || (c == 0 && string.CompareOrdinal(i.Type, type ?? "") < 0)),
            });
        }
        bool truncated = start + max < all.Count;
        var next = truncated ? all[start + max] : null;
        return Route53Endpoints.Xml(E(root,
            E("TrafficPolicyInstances", all.Skip(start).Take(max).Select(i => Instance(i, null))),
            zoneMarker && next is not null ? E("HostedZoneIdMarker", next.HostedZoneId) : null,
            next is not null ? E("TrafficPolicyInstanceNameMarker", next.Name) : null,
            next is not null ? E("TrafficPolicyInstanceTypeMarker", next.Type) : null,
            E("IsTruncated", truncated ? "true" : "false"),
            E("MaxItems", Number(max))));
    }

    private static IResult Created(HttpContext context, string path, XElement body)
    {
        context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{path}";
        return Route53Endpoints.Xml(body, 201);
    }

    private static int Version(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int version) && version is >= 1 and <= 1000
            ? version
            : throw new Route53Exception("InvalidInput", $"TrafficPolicyVersion '{text}' must be a number from 1 to 1000");

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static XElement Policy(StoredTrafficPolicy p) => E("TrafficPolicy",
        E("Id", p.Id), E("Version", Number(p.Version)), E("Name", p.Name), E("Type", p.Type), E("Document", p.Document), Opt("Comment", p.Comment));

    /// <summary>Route 53 reports an instance Applied once its record sets are in DNS; here that is when the API answers.</summary>
    private static XElement Instance(StoredTrafficPolicyInstance i, StoredTrafficPolicy? policy) => E("TrafficPolicyInstance",
        E("Id", i.Id), E("HostedZoneId", i.HostedZoneId), E("Name", i.Name), E("TTL", Number(i.Ttl)),
        E("State", "Applied"), E("Message", ""),
        E("TrafficPolicyId", i.PolicyId), E("TrafficPolicyVersion", Number(i.PolicyVersion)), E("TrafficPolicyType", policy?.Type ?? i.Type));
}
