using System.Globalization;
using System.Xml.Linq;
using DnsHost.Route53.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>CreateQueryLoggingConfig, GetQueryLoggingConfig, ListQueryLoggingConfigs and DeleteQueryLoggingConfig.</summary>
public static class QueryLoggingEndpoints
{
    public static void MapRoute53QueryLogging(this IEndpointRouteBuilder app, QueryLoggingService logging)
    {
        app.MapPost(Route53Endpoints.Version + "/queryloggingconfig", async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateQueryLoggingConfigRequest");
            var config = logging.Create(Text(request, "HostedZoneId") ?? throw Route53Endpoints.Missing("hostedZoneId"),
                Text(request, "CloudWatchLogsLogGroupArn") ?? throw Route53Endpoints.Missing("cloudWatchLogsLogGroupArn"));
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{Route53Endpoints.Version}/queryloggingconfig/{config.Id}";
            return Route53Endpoints.Xml(E("CreateQueryLoggingConfigResponse", Config(config)), 201);
        });
        app.MapGet(Route53Endpoints.Version + "/queryloggingconfig/{id}", (string id) =>
            Route53Endpoints.Xml(E("GetQueryLoggingConfigResponse", Config(logging.Get(id)))));
        app.MapGet(Route53Endpoints.Version + "/queryloggingconfig", (HttpContext context) =>
        {
            string? zone = context.Request.Query["hostedzoneid"];
            string? token = context.Request.Query["nexttoken"];
            int max = 100;
            if (context.Request.Query["maxresults"] is { Count: > 0 } text)
            {
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1)
                    throw new Route53Exception("InvalidInput", $"MaxResults '{text}' must be a positive number");
                max = Math.Min(max, 100);
            }
            var all = logging.List(zone);
            int start = token is null ? 0 : all.Select((c, i) => (c, i)).FirstOrDefault(x => x.c.Id == token, (null!, -1)).Item2;
            if (start < 0)
                throw new Route53Exception("InvalidPaginationToken", $"The pagination token {token} is not valid");
            bool more = start + max < all.Count;
            return Route53Endpoints.Xml(E("ListQueryLoggingConfigsResponse",
                E("QueryLoggingConfigs", all.Skip(start).Take(max).Select(Config)),
                more ? E("NextToken", all[start + max].Id) : null));
        });
        app.MapDelete(Route53Endpoints.Version + "/queryloggingconfig/{id}", (string id) =>
        {
            logging.Delete(id);
            return Route53Endpoints.Xml(E("DeleteQueryLoggingConfigResponse"));
        });
    }

    private static XElement Config(StoredQueryLoggingConfig c) => E("QueryLoggingConfig",
        E("Id", c.Id),
        E("HostedZoneId", c.HostedZoneId),
        E("CloudWatchLogsLogGroupArn", c.LogGroupArn));
}
