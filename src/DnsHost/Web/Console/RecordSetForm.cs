using System.Globalization;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// The record set form's fields (POST /console/zones/{zone}/save): a record set in the shape of Route 53's
/// ResourceRecordSet, every routing parameter a field of its own. The form checks nothing Route 53 would: the
/// set goes to <see cref="DnsHost.Route53.HostedZoneService.Change"/>, so the API's validation and messages apply.
/// </summary>
public sealed class RecordSetForm
{
    /// <summary>Route 53's record types, in the order its console lists them.</summary>
    public static readonly IReadOnlyList<string> Types =
        ["A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"];

    // The set as it was when the edit form opened (empty for a new set): a change of name, type or
    // identifier deletes that set and creates the new one in the same batch.
    public string? OriginalName { get; set; }
    public string? OriginalType { get; set; }
    public string? OriginalSetIdentifier { get; set; }

    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Ttl { get; set; }
    /// <summary>One value a line, as Route 53 writes them (TXT in quotes).</summary>
    public string? Values { get; set; }
    public string? SetIdentifier { get; set; }
    public string? Weight { get; set; }
    public string? Region { get; set; }
    public string? Failover { get; set; }
    public string? ContinentCode { get; set; }
    public string? CountryCode { get; set; }
    public string? SubdivisionCode { get; set; }
    public string? ProximityRegion { get; set; }
    public string? LocalZoneGroup { get; set; }
    public string? Latitude { get; set; }
    public string? Longitude { get; set; }
    public string? Bias { get; set; }
    public string? MultiValueAnswer { get; set; }
    public string? CidrCollectionId { get; set; }
    public string? CidrLocationName { get; set; }
    public string? AliasHostedZoneId { get; set; }
    public string? AliasDnsName { get; set; }
    public string? EvaluateTargetHealth { get; set; }
    public string? HealthCheckId { get; set; }

    public bool IsNew => string.IsNullOrEmpty(OriginalName);

    /// <summary>The set the form describes, or the problems of fields that are not numbers where Route 53 takes one.</summary>
    public (ResourceRecordSetJson? Set, IReadOnlyList<string> Problems) ToRecordSet()
    {
        var problems = new List<string>();
        long? Number(string? text, string field)
        {
            if (string.IsNullOrWhiteSpace(text))
                return null;
            if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                return value;
            problems.Add($"{field} '{text.Trim()}' is not a whole number");
            return null;
        }
        var set = new ResourceRecordSetJson
        {
            Name = Trimmed(Name),
            Type = Trimmed(Type)?.ToUpperInvariant(),
            TTL = Number(Ttl, "TTL"),
            SetIdentifier = Trimmed(SetIdentifier),
            Weight = Number(Weight, "Weight"),
            Region = Trimmed(Region),
            Failover = Trimmed(Failover),
            MultiValueAnswer = IsOn(MultiValueAnswer) ? true : null,
            HealthCheckId = Trimmed(HealthCheckId),
        };
        var values = (Values ?? "").Split('\n').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        if (values.Count > 0)
            set.ResourceRecords = values.Select(v => new ResourceRecordJson { Value = v }).ToList();
        if (Trimmed(ContinentCode) is not null || Trimmed(CountryCode) is not null || Trimmed(SubdivisionCode) is not null)
            set.GeoLocation = new GeoLocationJson { ContinentCode = Trimmed(ContinentCode), CountryCode = Trimmed(CountryCode), SubdivisionCode = Trimmed(SubdivisionCode) };
        long? bias = Number(Bias, "Bias");
        if (Trimmed(ProximityRegion) is not null || Trimmed(LocalZoneGroup) is not null || Trimmed(Latitude) is not null || Trimmed(Longitude) is not null || bias is not null)
            set.GeoProximityLocation = new GeoProximityLocationJson
            {
                AWSRegion = Trimmed(ProximityRegion),
                LocalZoneGroup = Trimmed(LocalZoneGroup),
                Coordinates = Trimmed(Latitude) is null && Trimmed(Longitude) is null ? null : new CoordinatesJson { Latitude = Trimmed(Latitude), Longitude = Trimmed(Longitude) },
                Bias = bias is null ? null : (int)Math.Clamp(bias.Value, int.MinValue, int.MaxValue),
            };
        if (Trimmed(CidrCollectionId) is not null || Trimmed(CidrLocationName) is not null)
            set.CidrRoutingConfig = new CidrRoutingConfigJson { CollectionId = Trimmed(CidrCollectionId), LocationName = Trimmed(CidrLocationName) };
        if (Trimmed(AliasDnsName) is not null || Trimmed(AliasHostedZoneId) is not null)
            set.AliasTarget = new AliasTargetJson { HostedZoneId = Trimmed(AliasHostedZoneId), DNSName = Trimmed(AliasDnsName), EvaluateTargetHealth = IsOn(EvaluateTargetHealth) };
        return (problems.Count == 0 ? set : null, problems);
    }

    /// <summary>The edit form of an existing set.</summary>
    public static RecordSetForm From(ResourceRecordSetJson set) => new()
    {
        OriginalName = set.Name,
        OriginalType = set.Type,
        OriginalSetIdentifier = set.SetIdentifier,
        Name = set.Name,
        Type = set.Type,
        Ttl = set.TTL?.ToString(CultureInfo.InvariantCulture),
        Values = string.Join("\n", set.ResourceRecords?.Select(r => r.Value) ?? []),
        SetIdentifier = set.SetIdentifier,
        Weight = set.Weight?.ToString(CultureInfo.InvariantCulture),
        Region = set.Region,
        Failover = set.Failover,
        ContinentCode = set.GeoLocation?.ContinentCode,
        CountryCode = set.GeoLocation?.CountryCode,
        SubdivisionCode = set.GeoLocation?.SubdivisionCode,
        ProximityRegion = set.GeoProximityLocation?.AWSRegion,
        LocalZoneGroup = set.GeoProximityLocation?.LocalZoneGroup,
        Latitude = set.GeoProximityLocation?.Coordinates?.Latitude,
        Longitude = set.GeoProximityLocation?.Coordinates?.Longitude,
        Bias = set.GeoProximityLocation?.Bias?.ToString(CultureInfo.InvariantCulture),
        MultiValueAnswer = set.MultiValueAnswer == true ? "on" : null,
        CidrCollectionId = set.CidrRoutingConfig?.CollectionId,
        CidrLocationName = set.CidrRoutingConfig?.LocationName,
        AliasHostedZoneId = set.AliasTarget?.HostedZoneId,
        AliasDnsName = set.AliasTarget?.DNSName,
        EvaluateTargetHealth = set.AliasTarget?.EvaluateTargetHealth == true ? "on" : null,
        HealthCheckId = set.HealthCheckId,
    };

    private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static bool IsOn(string? value) => value is "on" or "true";
}
