using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnsHost.Zones.HostedZones;

// The shapes of zones/*.json: Route 53 API output (get-hosted-zone, list-resource-record-sets,
// get-health-check, list-cidr-*) saved as JSON. Property names are the API's, case-sensitive; a field
// the API does not have is an error, so a misspelt policy field cannot silently become a simple set.

/// <summary>One hosted zone file.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class HostedZoneDocument
{
    public HostedZoneJson? HostedZone { get; set; }
    public List<VpcJson>? VPCs { get; set; }
    public JsonElement? DelegationSet { get; set; }
    public List<ResourceRecordSetJson>? ResourceRecordSets { get; set; }
    public List<HealthCheckJson>? HealthChecks { get; set; }
    public List<CidrCollectionJson>? CidrCollections { get; set; }

    // What list-resource-record-sets prints around the sets; accepted and ignored.
    public bool? IsTruncated { get; set; }
    public string? MaxItems { get; set; }
    public string? NextRecordName { get; set; }
    public string? NextRecordType { get; set; }
    public string? NextRecordIdentifier { get; set; }
    public JsonElement? ChangeInfo { get; set; }
    public string? Location { get; set; }

    /// <summary>The API's traffic policy instances by id, for the sets that name one (never read from or written to JSON).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, TrafficPolicyInstanceSource>? TrafficPolicyInstances { get; set; }

    /// <summary>A copy that shares every member object with this one (the API replaces members, it does not edit them).</summary>
    public HostedZoneDocument ShallowCopy() => (HostedZoneDocument)MemberwiseClone();

    public static readonly JsonSerializerOptions Options = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class HostedZoneJson
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? CallerReference { get; set; }
    public HostedZoneConfigJson? Config { get; set; }
    public long? ResourceRecordSetCount { get; set; }
    public JsonElement? LinkedService { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class HostedZoneConfigJson
{
    public string? Comment { get; set; }
    public bool PrivateZone { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class VpcJson
{
    public string? VPCRegion { get; set; }
    public string? VPCId { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class ResourceRecordSetJson
{
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? SetIdentifier { get; set; }
    public long? Weight { get; set; }
    public string? Region { get; set; }
    public GeoLocationJson? GeoLocation { get; set; }
    public string? Failover { get; set; }
    public bool? MultiValueAnswer { get; set; }
    public long? TTL { get; set; }
    public List<ResourceRecordJson>? ResourceRecords { get; set; }
    public AliasTargetJson? AliasTarget { get; set; }
    public string? HealthCheckId { get; set; }
    public string? TrafficPolicyInstanceId { get; set; }
    public CidrRoutingConfigJson? CidrRoutingConfig { get; set; }
    public GeoProximityLocationJson? GeoProximityLocation { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class ResourceRecordJson
{
    public string? Value { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class GeoLocationJson
{
    public string? ContinentCode { get; set; }
    public string? CountryCode { get; set; }
    public string? SubdivisionCode { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class AliasTargetJson
{
    public string? HostedZoneId { get; set; }
    public string? DNSName { get; set; }
    public bool? EvaluateTargetHealth { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CidrRoutingConfigJson
{
    public string? CollectionId { get; set; }
    public string? LocationName { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class GeoProximityLocationJson
{
    public string? AWSRegion { get; set; }
    public string? LocalZoneGroup { get; set; }
    public CoordinatesJson? Coordinates { get; set; }
    public int? Bias { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CoordinatesJson
{
    public string? Latitude { get; set; }
    public string? Longitude { get; set; }
}

/// <summary>A health check as get-health-check / list-health-checks print it; the config is read by the health checker.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class HealthCheckJson
{
    public string? Id { get; set; }
    public string? CallerReference { get; set; }
    public JsonElement? LinkedService { get; set; }
    public HealthCheckConfigJson? HealthCheckConfig { get; set; }
    public long? HealthCheckVersion { get; set; }
    public JsonElement? CloudWatchAlarmConfiguration { get; set; }
}

/// <summary>The API's <c>HealthCheckConfig</c>, field for field.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class HealthCheckConfigJson
{
    public string? IPAddress { get; set; }
    public int? Port { get; set; }
    public string? Type { get; set; }
    public string? ResourcePath { get; set; }
    public string? FullyQualifiedDomainName { get; set; }
    public string? SearchString { get; set; }
    public int? RequestInterval { get; set; }
    public int? FailureThreshold { get; set; }
    public bool? MeasureLatency { get; set; }
    public bool? Inverted { get; set; }
    public bool? Disabled { get; set; }
    public int? HealthThreshold { get; set; }
    public List<string>? ChildHealthChecks { get; set; }
    public bool? EnableSNI { get; set; }
    public List<string>? Regions { get; set; }
    public JsonElement? AlarmIdentifier { get; set; }
    public string? InsufficientDataHealthStatus { get; set; }
    public string? RoutingControlArn { get; set; }
}

/// <summary>A CIDR collection: the summary list-cidr-collections prints, with its blocks either per location or as list-cidr-blocks prints them.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CidrCollectionJson
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Arn { get; set; }
    public long? Version { get; set; }
    public List<CidrLocationJson>? Locations { get; set; }
    public List<CidrBlockJson>? CidrBlocks { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CidrLocationJson
{
    public string? LocationName { get; set; }
    public List<string>? CidrList { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CidrBlockJson
{
    public string? CidrBlock { get; set; }
    public string? LocationName { get; set; }
}
