using System.Globalization;
using System.Xml.Linq;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53.Api;

/// <summary>
/// Route 53's REST-XML shapes (botocore's route53 2013-04-01 model), read without depending on element
/// order (the AWS CLI writes elements in the order of the user's JSON keys) and written in the model's order.
/// </summary>
public static class Route53Xml
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    public static XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    /// <summary>An optional child element, only when the value is present.</summary>
    public static XElement? Opt(string name, object? value) => value is null ? null : E(name, value is bool b ? (b ? "true" : "false") : value);

    public static string? Text(XElement? parent, string name) => parent?.Element(Ns + name)?.Value;

    public static XElement? Child(XElement? parent, string name) => parent?.Element(Ns + name);

    public static IEnumerable<XElement> Children(XElement? parent, string list, string item) =>
        parent?.Element(Ns + list)?.Elements(Ns + item) ?? [];

    public static long? Long(XElement? parent, string name) =>
        Text(parent, name) is { } t ? long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw new Route53Exception("InvalidInput", $"{name} '{t}' is not a number") : null;

    /// <summary>
    /// A number the API model bounds, refused with Route 53's validation error when outside them (issue 16:
    /// Port 4294967376 must not become 80 by a cast to 32 bits).
    /// </summary>
    public static long? Bounded(XElement? parent, string name, long min, long max)
    {
        if (Long(parent, name) is not long value)
            return null;
        string field = char.ToLowerInvariant(name[0]) + name[1..];
        if (value > max)
            throw new Route53Exception("InvalidInput", $"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}");
        if (value < min)
            throw new Route53Exception("InvalidInput", $"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}");
        return value;
    }

    /// <summary>As <see cref="Bounded"/>, for the fields the model types as 32-bit integers.</summary>
    public static int? BoundedInt(XElement? parent, string name, int min, int max) => (int?)Bounded(parent, name, min, max);

    public static bool? Bool(XElement? parent, string name) =>
        Text(parent, name) is { } t ? t.Trim() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new Route53Exception("InvalidInput", $"{name} '{t}' is not true or false"),
        } : null;

    public static ResourceRecordSetJson ReadRecordSet(XElement set) => new()
    {
        Name = Text(set, "Name"),
        Type = Text(set, "Type"),
        SetIdentifier = Text(set, "SetIdentifier"),
        // Weight and TTL are kept as 64-bit numbers (nothing is cut); ChangeBatchRules refuses them out of
        // range with Route 53's full path (changeBatch.changes.N.member.resourceRecordSet.weight).
        Weight = Long(set, "Weight"),
        Region = Text(set, "Region"),
        GeoLocation = Child(set, "GeoLocation") is { } geo ? new GeoLocationJson
        {
            ContinentCode = Text(geo, "ContinentCode"),
            CountryCode = Text(geo, "CountryCode"),
            SubdivisionCode = Text(geo, "SubdivisionCode"),
        } : null,
        Failover = Text(set, "Failover"),
        MultiValueAnswer = Bool(set, "MultiValueAnswer"),
        TTL = Long(set, "TTL"),
        ResourceRecords = Child(set, "ResourceRecords") is null ? null
            : Children(set, "ResourceRecords", "ResourceRecord").Select(r => new ResourceRecordJson { Value = Text(r, "Value") }).ToList(),
        AliasTarget = Child(set, "AliasTarget") is { } alias ? new AliasTargetJson
        {
            HostedZoneId = Text(alias, "HostedZoneId"),
            DNSName = Text(alias, "DNSName"),
            EvaluateTargetHealth = Bool(alias, "EvaluateTargetHealth"),
        } : null,
        HealthCheckId = Text(set, "HealthCheckId"),
        TrafficPolicyInstanceId = Text(set, "TrafficPolicyInstanceId"),
        CidrRoutingConfig = Child(set, "CidrRoutingConfig") is { } cidr ? new CidrRoutingConfigJson
        {
            CollectionId = Text(cidr, "CollectionId"),
            LocationName = Text(cidr, "LocationName"),
        } : null,
        GeoProximityLocation = Child(set, "GeoProximityLocation") is { } prox ? new GeoProximityLocationJson
        {
            AWSRegion = Text(prox, "AWSRegion"),
            LocalZoneGroup = Text(prox, "LocalZoneGroup"),
            Coordinates = Child(prox, "Coordinates") is { } c ? new CoordinatesJson { Latitude = Text(c, "Latitude"), Longitude = Text(c, "Longitude") } : null,
            Bias = BoundedInt(prox, "Bias", -99, 99),
        } : null,
    };

    public static XElement WriteRecordSet(ResourceRecordSetJson s) => E("ResourceRecordSet",
        E("Name", s.Name),
        E("Type", s.Type),
        Opt("SetIdentifier", s.SetIdentifier),
        Opt("Weight", s.Weight),
        Opt("Region", s.Region),
        s.GeoLocation is { } geo ? E("GeoLocation", Opt("ContinentCode", geo.ContinentCode), Opt("CountryCode", geo.CountryCode), Opt("SubdivisionCode", geo.SubdivisionCode)) : null,
        Opt("Failover", s.Failover),
        Opt("MultiValueAnswer", s.MultiValueAnswer),
        Opt("TTL", s.TTL),
        s.ResourceRecords is { } records ? E("ResourceRecords", records.Select(r => E("ResourceRecord", E("Value", r.Value)))) : null,
        s.AliasTarget is { } alias ? E("AliasTarget", E("HostedZoneId", alias.HostedZoneId), E("DNSName", alias.DNSName is { Length: > 0 } d && !d.EndsWith('.') ? d + "." : alias.DNSName), E("EvaluateTargetHealth", alias.EvaluateTargetHealth == true ? "true" : "false")) : null,
        Opt("HealthCheckId", s.HealthCheckId),
        Opt("TrafficPolicyInstanceId", s.TrafficPolicyInstanceId),
        s.CidrRoutingConfig is { } cidr ? E("CidrRoutingConfig", E("CollectionId", cidr.CollectionId), E("LocationName", cidr.LocationName)) : null,
        s.GeoProximityLocation is { } p ? E("GeoProximityLocation", Opt("AWSRegion", p.AWSRegion), Opt("LocalZoneGroup", p.LocalZoneGroup),
            p.Coordinates is { } c ? E("Coordinates", E("Latitude", c.Latitude), E("Longitude", c.Longitude)) : null, Opt("Bias", p.Bias)) : null);

    /// <summary>The fields of a HealthCheckConfig (or an UpdateHealthCheckRequest) that DnsHost's checks use; the API side and the client both read them here.</summary>
    public static HealthCheckConfigJson ReadHealthCheckConfig(XElement c) => new()
    {
        IPAddress = Text(c, "IPAddress"),
        Port = BoundedInt(c, "Port", 1, 65535),
        Type = Text(c, "Type"),
        ResourcePath = Text(c, "ResourcePath"),
        FullyQualifiedDomainName = Text(c, "FullyQualifiedDomainName"),
        SearchString = Text(c, "SearchString"),
        // The model says 10 to 30; 1 to 9 pass here for HealthChecks:MinimumInterval, and the compiled check says why they fail.
        RequestInterval = BoundedInt(c, "RequestInterval", 1, 30),
        FailureThreshold = BoundedInt(c, "FailureThreshold", 1, 10),
        MeasureLatency = Bool(c, "MeasureLatency"),
        Inverted = Bool(c, "Inverted"),
        Disabled = Bool(c, "Disabled"),
        HealthThreshold = BoundedInt(c, "HealthThreshold", 0, 256),
        ChildHealthChecks = Child(c, "ChildHealthChecks") is null ? null : Children(c, "ChildHealthChecks", "ChildHealthCheck").Select(e => e.Value).ToList(),
        EnableSNI = Bool(c, "EnableSNI"),
        Regions = Child(c, "Regions") is null ? null : Children(c, "Regions", "Region").Select(e => e.Value).ToList(),
    };

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static XElement ChangeInfo(Storage.ApiChange change, string status) => E("ChangeInfo",
        E("Id", "/change/" + change.Id),
        E("Status", status),
        E("SubmittedAt", Timestamp(change.SubmittedAt)),
        Opt("Comment", change.Comment));
}
