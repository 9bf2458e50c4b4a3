namespace DnsHost.Zones.Routing;

/// <summary>
/// One Route 53 resource record set inside a <see cref="RecordSetGroup"/>: its data (or alias target),
/// health check, and the routing field of the group's policy, compiled for the answer path.
/// </summary>
public sealed class RoutedRecordSet
{
    public required string? SetIdentifier { get; init; }

    /// <summary>The records, for a non-alias set.</summary>
    public RecordSet? Data { get; init; }
    public AliasTarget? Alias { get; init; }

    /// <summary>
    /// A traffic policy rule this set leads to (a RuleReference): the nested group chooses the answer.
    /// Nested groups are not in the zone's tree; their depth is capped by <see cref="RoutingSelector.MaxAliasDepth"/>.
    /// </summary>
    public RecordSetGroup? Rule { get; init; }
    /// <summary>For a <see cref="Rule"/>: whether the set counts as unhealthy when no set of the rule is healthy.</summary>
    public bool EvaluateRuleHealth { get; init; }

    public string? HealthCheckId { get; init; }
    /// <summary>Slot in <see cref="HealthStates"/>, or -1 without a health check.</summary>
    public int HealthSlot { get; init; } = -1;

    public byte Weight { get; init; }
    public bool IsPrimary { get; init; }

    // Geolocation: the default set has all three null and IsDefaultLocation set.
    public string? Continent { get; init; }
    public string? Country { get; init; }
    public string? Subdivision { get; init; }
    public bool IsDefaultLocation { get; init; }

    // Latency (Region) and geoproximity (AWSRegion, LocalZoneGroup or Coordinates, with Bias).
    public string? Region { get; init; }
    public bool HasCoordinates { get; init; }
    public double Latitude { get => _latitude; init { _latitude = value; LatitudeRadians = value * Math.PI / 180; CosLatitude = Math.Cos(LatitudeRadians); } }
    public double Longitude { get => _longitude; init { _longitude = value; LongitudeRadians = value * Math.PI / 180; } }
    public double Bias { get => _bias; init { _bias = value; BiasFactor = value >= 0 ? 1 - value / 100 : 1 / (1 + value / 100); } }

    /// <summary>Route 53 geoproximity: biased distance = distance x (1 - bias/100) for bias >= 0, distance / (1 + bias/100) below.</summary>
    public double BiasFactor { get; private init; } = 1;
    private readonly double _bias;

    // Precomputed for the distance on the query path.
    public double LatitudeRadians { get; private init; }
    public double LongitudeRadians { get; private init; }
    public double CosLatitude { get; private init; }
    private readonly double _latitude, _longitude;

    // IP-based: the location's index in the collection, or -1 for the default location "*".
    public string? CidrLocationName { get; init; }
    public int CidrLocation { get; init; } = -1;

    public string Describe(RecordSetGroup group) =>
        $"[name='{Protocol.DnsName.ToText(group.Owner)}', type='{Protocol.RecordData.TypeToText(group.Type)}'{(SetIdentifier is null ? "" : $", set-identifier='{SetIdentifier}'")}]";
}

/// <summary>
/// An alias: either another record set of the same type in this zone (followed at query time, so a
/// change to the target shows at once) or an AWS resource name answered from configured addresses.
/// </summary>
public sealed class AliasTarget
{
    public required string HostedZoneId { get; init; }
    public required string DnsName { get; init; }
    /// <summary>Lower-cased wire name of the target.</summary>
    public required byte[] Target { get; init; }
    public bool EvaluateTargetHealth { get; init; }
    /// <summary>True when the target lies in the alias's own zone.</summary>
    public bool SameZone { get; init; }
    /// <summary>For targets outside the zone: the configured records, or null when nothing is configured.</summary>
    public RecordSet? External { get; init; }
}

/// <summary>A CIDR collection's location: its name and the index groups use to find their set for it.</summary>
public sealed record CidrLocation(string Name, int Index);

/// <summary>A CIDR collection compiled for longest-prefix lookups.</summary>
public sealed class CidrCollection(string id, string name, IReadOnlyList<string> locations, PrefixTable<CidrLocation> blocks)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public IReadOnlyList<string> Locations { get; } = locations;
    public PrefixTable<CidrLocation> Blocks { get; } = blocks;
}
