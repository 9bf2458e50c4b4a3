using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>CreateReusableDelegationSet, GetReusableDelegationSet, ListReusableDelegationSets and DeleteReusableDelegationSet.</summary>
public static class DelegationSetEndpoints
{
    public static void MapRoute53DelegationSets(this IEndpointRouteBuilder app, HostedZoneService zones)
    {
        app.MapPost(Route53Endpoints.Version + "/delegationset", async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateReusableDelegationSetRequest");
            var set = zones.CreateDelegationSet(Text(request, "CallerReference") ?? throw Route53Endpoints.Missing("CallerReference"), Text(request, "HostedZoneId"));
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{Route53Endpoints.Version}/delegationset/{set.Id}";
            return Route53Endpoints.Xml(E("CreateReusableDelegationSetResponse", DelegationSet(set)), 201);
        });
        app.MapGet(Route53Endpoints.Version + "/delegationset/{id}", (string id) =>
            Route53Endpoints.Xml(E("GetReusableDelegationSetResponse", DelegationSet(zones.GetDelegationSet(id)))));
        app.MapGet(Route53Endpoints.Version + "/delegationset", (HttpContext context) =>
        {
            int max = Route53Endpoints.MaxItems(context, 100);
            string? marker = context.Request.Query["marker"];
            var all = zones.ListDelegationSets();
            int start = marker is null ? 0 : all.Count(s => string.CompareOrdinal(s.Id, marker) < 0);
            bool truncated = start + max < all.Count;
            return Route53Endpoints.Xml(E("ListReusableDelegationSetsResponse",
                E("DelegationSets", all.Skip(start).Take(max).Select(DelegationSet)),
                E("Marker", marker ?? ""),
                E("IsTruncated", truncated ? "true" : "false"),
                truncated ? E("NextMarker", all[start + max].Id) : null,
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
        app.MapDelete(Route53Endpoints.Version + "/delegationset/{id}", (string id) =>
        {
            zones.DeleteDelegationSet(id);
            return Route53Endpoints.Xml(E("DeleteReusableDelegationSetResponse"));
        });
    }

    private static XElement DelegationSet(DelegationSetView set) => E("DelegationSet",
        E("Id", "/delegationset/" + set.Id),
        E("CallerReference", set.CallerReference),
        E("NameServers", set.NameServers.Select(ns => E("NameServer", ns.TrimEnd('.')))));
}
