using System.Globalization;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost;

/// <summary>
/// A routed or alias record set as master-file-like lines for people (check-zone --print): one line per
/// record (or one for the alias), with the set's routing fields in a trailing comment. Not a zone file
/// that a server could load: master files have no syntax for Route 53 routing.
/// </summary>
public static class RoutedRecordSetText
{
    public static IEnumerable<string> Lines(RecordSetGroup group, RoutedRecordSet set)
    {
        string owner = DnsName.ToText(group.Owner);
        string type = RecordData.TypeToText(group.Type);
        string routing = "; " + Routing(group, set);
        if (set.Alias is { } alias)
        {
            string health = alias.EvaluateTargetHealth ? ", evaluates target health" : "";
            yield return $"{owner}\t-\tIN\t{type}\tALIAS {alias.DnsName} (hosted zone {alias.HostedZoneId}{health})\t{routing}";
            yield break;
        }
        if (set.Data is not { IsEmpty: false } data)
        {
            yield return $"{owner}\t-\tIN\t{type}\t(no records)\t{routing}";
            yield break;
        }
        foreach (var rdata in data.RData.ToArray())
            yield return $"{owner}\t{data.Ttl}\tIN\t{type}\t{RecordData.ToText(group.Type, rdata)}\t{routing}";
    }

    /// <summary>The policy and its field, the set identifier and the health check, e.g. <c>failover PRIMARY, set 'primary', health check hc-app</c>.</summary>
    public static string Routing(RecordSetGroup group, RoutedRecordSet set)
    {
        var parts = new List<string> { Policy(group, set) };
        if (set.SetIdentifier is not null)
            parts.Add($"set '{set.SetIdentifier}'");
        if (set.HealthCheckId is not null)
            parts.Add($"health check {set.HealthCheckId}");
        return string.Join(", ", parts);
    }

    private static string Policy(RecordSetGroup group, RoutedRecordSet set) => group.Policy switch
    {
        RoutingPolicy.Simple => set.Alias is null ? "simple" : "simple alias",
        RoutingPolicy.Weighted => $"weighted, weight {set.Weight}",
        RoutingPolicy.Failover => $"failover {(set.IsPrimary ? "PRIMARY" : "SECONDARY")}",
        RoutingPolicy.Geolocation => set.IsDefaultLocation ? "geolocation default (*)"
            : "geolocation " + string.Join(' ', new[] { ("continent", set.Continent), ("country", set.Country), ("subdivision", set.Subdivision) }
                .Where(p => p.Item2 is not null).Select(p => $"{p.Item1} {p.Item2}")),
        RoutingPolicy.Geoproximity => "geoproximity " + (set.HasCoordinates
            ? string.Create(CultureInfo.InvariantCulture, $"coordinates {set.Latitude:0.####},{set.Longitude:0.####}")
            : $"region {set.Region}") + string.Create(CultureInfo.InvariantCulture, $", bias {set.Bias:0.##}"),
        RoutingPolicy.Latency => $"latency, region {set.Region}",
        RoutingPolicy.MultiValue => "multivalue answer",
        RoutingPolicy.IpBased => $"ip-based, collection {group.Collection?.Name}, location {set.CidrLocationName ?? "*"}",
        _ => group.Policy.ToString().ToLowerInvariant(),
    };
}
