using System.Globalization;
using DnsHost.Route53;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// One page of a zone's record sets, in Route 53's order (ListResourceRecordSets), filtered by a part of the
/// name and by type. The filter reads each set's name and type only; rows are built for the page alone, so a
/// zone of 10,000 sets costs 10,000 string tests, not 10,000 rows.
/// </summary>
public sealed record RecordSetList(HostedZoneView Zone, string? Query, string? Type, int Page, int Pages, int Total, IReadOnlyList<RecordSetList.Row> Rows)
{
    public const int PageSize = 50;

    public sealed record Row(string Name, string Type, string? SetIdentifier, string Ttl, IReadOnlyList<string> Values, string Routing, string? Alias, string? HealthCheckId);

    public static RecordSetList From(HostedZoneService zones, HostedZoneView zone, string? query, string? type, int page)
    {
        query = query?.Trim().TrimEnd('.');
        type = string.IsNullOrWhiteSpace(type) ? null : type.Trim().ToUpperInvariant();
        var (all, _) = zones.ListRecordSets(zone.Id, null, null, null, int.MaxValue);
        var matching = all
            .Where(s => (type is null || s.Type == type)
                && (string.IsNullOrEmpty(query) || (s.Name ?? "").Contains(query, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        int pages = Math.Max(1, (matching.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pages);
        var rows = matching.Skip((page - 1) * PageSize).Take(PageSize).Select(RowOf).ToList();
        return new RecordSetList(zone, query, type, page, pages, matching.Count, rows);
    }

    private static Row RowOf(ResourceRecordSetJson set) => new(
        set.Name ?? "", set.Type ?? "", set.SetIdentifier,
        set.TTL?.ToString(CultureInfo.InvariantCulture) ?? (set.AliasTarget is null ? "" : "alias (target's TTL)"),
        set.ResourceRecords?.Select(r => r.Value ?? "").ToList() ?? [],
        Routing(set),
        set.AliasTarget is { } alias
            ? $"{alias.DNSName} (zone {alias.HostedZoneId}{(alias.EvaluateTargetHealth == true ? ", evaluates target health" : "")})"
            : null,
        set.HealthCheckId);

    /// <summary>The routing policy and its parameters, in the Route 53 console's words.</summary>
    public static string Routing(ResourceRecordSetJson set)
    {
        string id = set.SetIdentifier is null ? "" : $" \u201c{set.SetIdentifier}\u201d";
        if (set.TrafficPolicyInstanceId is { } instance)
            return $"traffic policy instance {instance}";
        if (set.Weight is { } weight)
            return $"weighted{id}: weight {weight}";
        if (set.Region is { } region)
            return $"latency{id}: {region}";
        if (set.Failover is { } failover)
            return $"failover{id}: {failover}";
        if (set.GeoLocation is { } geo)
        {
            string where = geo.CountryCode == "*" ? "default"
                : string.Join(" / ", new[] { geo.ContinentCode, geo.CountryCode, geo.SubdivisionCode }.Where(c => c is not null));
            return $"geolocation{id}: {where}";
        }
        if (set.GeoProximityLocation is { } proximity)
        {
            string where = proximity.AWSRegion ?? proximity.LocalZoneGroup
                ?? (proximity.Coordinates is { } c ? $"{c.Latitude}, {c.Longitude}" : "?");
            return $"geoproximity{id}: {where}{(proximity.Bias is { } bias and not 0 ? $", bias {bias}" : "")}";
        }
        if (set.CidrRoutingConfig is { } cidr)
            return $"IP-based{id}: collection {cidr.CollectionId}, location {cidr.LocationName}";
        if (set.MultiValueAnswer == true)
            return $"multivalue answer{id}";
        return "simple";
    }
}
