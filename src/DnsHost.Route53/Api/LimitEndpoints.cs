using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>
/// GetAccountLimit, GetHostedZoneLimit, GetReusableDelegationSetLimit and GetCheckerIpRanges: the
/// quotas of <see cref="AccountQuotas"/> (Route 53's defaults unless configured) and what counts against them.
/// </summary>
public static class LimitEndpoints
{
    public static void MapRoute53Limits(this IEndpointRouteBuilder app, HostedZoneService zones, HealthCheckService checks, AccountQuotas quotas)
    {
        app.MapGet(Route53Endpoints.Version + "/accountlimit/{type}", (string type) =>
        {
            int limit = quotas.AccountLimit(type);
            long count = type switch
            {
                "MAX_HOSTED_ZONES_BY_OWNER" => zones.List().Count,
                "MAX_HEALTH_CHECKS_BY_OWNER" => checks.List().Count(c => !c.FromFile),
                "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER" => zones.ListDelegationSets().Count,
                _ => 0,
            };
            return Route53Endpoints.Xml(E("GetAccountLimitResponse", Limit(type, limit), Count(count)));
        });
        app.MapGet(Route53Endpoints.Version + "/hostedzonelimit/{id}/{type}", (string id, string type) =>
        {
            int limit = quotas.HostedZoneLimit(type);
            var zone = zones.Get(id);
            long count = type == "MAX_RRSETS_BY_ZONE" ? zone.RecordSetCount : zone.Vpcs.Count;
            return Route53Endpoints.Xml(E("GetHostedZoneLimitResponse", Limit(type, limit), Count(count)));
        });
        app.MapGet(Route53Endpoints.Version + "/reusabledelegationsetlimit/{id}/{type}", (string id, string type) =>
        {
            int limit = quotas.DelegationSetLimit(type);
            var set = zones.GetDelegationSet(id);
            return Route53Endpoints.Xml(E("GetReusableDelegationSetLimitResponse", Limit(type, limit), Count(zones.ZonesUsing(set.Id))));
        });
        // Where health checks come from: DnsHost's one checker runs on this host (configurable for a NATed host).
        app.MapGet(Route53Endpoints.Version + "/checkeripranges", () =>
            Route53Endpoints.Xml(E("GetCheckerIpRangesResponse", E("CheckerIpRanges", quotas.EffectiveCheckerIpRanges.Select(r => E("member", r))))));
    }

    private static System.Xml.Linq.XElement Limit(string type, int value) => E("Limit", E("Type", type), E("Value", value.ToString(CultureInfo.InvariantCulture)));

    private static System.Xml.Linq.XElement Count(long count) => E("Count", count.ToString(CultureInfo.InvariantCulture));
}
