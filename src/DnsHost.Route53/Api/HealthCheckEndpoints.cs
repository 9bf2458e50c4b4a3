using System.Globalization;
using System.Xml.Linq;
using DnsHost.Health;
using DnsHost.Zones.HostedZones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>The health check operations of Route 53's API, over the checks the server really runs.</summary>
public static class HealthCheckEndpoints
{
    private const string V = Route53Endpoints.Version;

    public static void MapRoute53HealthChecks(this IEndpointRouteBuilder app, HealthCheckService checks)
    {
        app.MapPost(V + "/healthcheck", async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateHealthCheckRequest");
            string reference = Text(request, "CallerReference") ?? throw Route53Endpoints.Missing("CallerReference");
            var config = ReadConfig(Child(request, "HealthCheckConfig") ?? throw Route53Endpoints.Missing("HealthCheckConfig"));
            var (check, _) = checks.Create(reference, config);
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{V}/healthcheck/{check.Id}";
            return Route53Endpoints.Xml(E("CreateHealthCheckResponse", Write(check)), 201);
        });
        app.MapGet(V + "/healthcheck", (HttpContext context) =>
        {
            int max = Route53Endpoints.MaxItems(context, 1000);
            string? marker = context.Request.Query["marker"];
            var all = checks.List();
            int start = marker is null ? 0 : Math.Max(0, all.ToList().FindIndex(c => string.CompareOrdinal(c.Id, marker) >= 0));
            if (marker is not null && !all.Any(c => string.CompareOrdinal(c.Id, marker) >= 0))
                start = all.Count;
            bool truncated = start + max < all.Count;
            return Route53Endpoints.Xml(E("ListHealthChecksResponse",
                E("HealthChecks", all.Skip(start).Take(max).Select(Write)),
                E("Marker", marker ?? ""),
                E("IsTruncated", truncated ? "true" : "false"),
                truncated ? E("NextMarker", all[start + max].Id) : null,
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
        app.MapGet(V + "/healthcheckcount", () =>
            Route53Endpoints.Xml(E("GetHealthCheckCountResponse", E("HealthCheckCount", checks.List().Count.ToString(CultureInfo.InvariantCulture)))));
        app.MapGet(V + "/healthcheck/{id}", (string id) => Route53Endpoints.Xml(E("GetHealthCheckResponse", Write(checks.Get(id)))));
        app.MapPost(V + "/healthcheck/{id}", async (string id, HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "UpdateHealthCheckRequest");
            var changes = ReadConfig(request);
            var reset = Children(request, "ResetElements", "ResettableElementName").Select(e => e.Value).ToList();
            var check = checks.Update(id, Long(request, "HealthCheckVersion"), changes, reset);
            return Route53Endpoints.Xml(E("UpdateHealthCheckResponse", Write(check)));
        });
        app.MapDelete(V + "/healthcheck/{id}", (string id) =>
        {
            checks.Delete(id);
            return Route53Endpoints.Xml(E("DeleteHealthCheckResponse"));
        });
        app.MapGet(V + "/healthcheck/{id}/status", (string id) =>
        {
            var status = checks.Status(id);
            if (status.Type == "CALCULATED")
                throw new Route53Exception("InvalidInput", "GetHealthCheckStatus does not work for calculated health checks");
            return Route53Endpoints.Xml(E("GetHealthCheckStatusResponse", Observations(status.Observations)));
        });
        app.MapGet(V + "/healthcheck/{id}/lastfailurereason", (string id) =>
            Route53Endpoints.Xml(E("GetHealthCheckLastFailureReasonResponse", Observations(checks.Status(id).LastFailures))));
    }

    private static XElement Observations(IEnumerable<HealthCheckObservation> observations) =>
        E("HealthCheckObservations", observations.Select(o => E("HealthCheckObservation",
            E("Region", o.Region), E("IPAddress", o.IPAddress),
            E("StatusReport", E("Status", o.Status), E("CheckedTime", Timestamp(o.CheckedTime))))));

    private static HealthCheckConfigJson ReadConfig(XElement c) => ReadHealthCheckConfig(c);

    private static XElement Write(HealthCheckView check)
    {
        var c = check.Config;
        return E("HealthCheck",
            E("Id", check.Id),
            E("CallerReference", check.CallerReference),
            E("HealthCheckConfig",
                Opt("IPAddress", c.IPAddress),
                Opt("Port", c.Port),
                E("Type", c.Type),
                Opt("ResourcePath", c.ResourcePath),
                Opt("FullyQualifiedDomainName", c.FullyQualifiedDomainName),
                Opt("SearchString", c.SearchString),
                E("RequestInterval", (c.RequestInterval ?? 30).ToString(CultureInfo.InvariantCulture)),
                E("FailureThreshold", (c.FailureThreshold ?? 3).ToString(CultureInfo.InvariantCulture)),
                E("MeasureLatency", c.MeasureLatency == true ? "true" : "false"),
                E("Inverted", c.Inverted == true ? "true" : "false"),
                E("Disabled", c.Disabled == true ? "true" : "false"),
                Opt("HealthThreshold", c.HealthThreshold),
                c.ChildHealthChecks is { } children ? E("ChildHealthChecks", children.Select(id => E("ChildHealthCheck", id))) : null,
                Opt("EnableSNI", c.EnableSNI),
                c.Regions is { } regions ? E("Regions", regions.Select(r => E("Region", r))) : null),
            E("HealthCheckVersion", check.Version.ToString(CultureInfo.InvariantCulture)));
    }
}
