namespace DnsHost.Zones;

/// <summary>A VPC associated with a private hosted zone.</summary>
public sealed record VpcAssociation(string VpcId, string VpcRegion);

/// <summary>What Route 53 knows about a hosted zone besides its records.</summary>
public sealed class HostedZoneInfo
{
    /// <summary>The id without the "/hostedzone/" prefix.</summary>
    public required string Id { get; init; }
    /// <summary>Lower case, with the trailing dot.</summary>
    public required string Name { get; init; }
    public string? CallerReference { get; init; }
    public string? Comment { get; init; }
    public bool IsPrivate { get; init; }
    public VpcAssociation[] Vpcs { get; init; } = [];
    /// <summary>The VPCs' bits in <see cref="Routing.VpcDirectory"/>, set when the zone is compiled.</summary>
    public ulong VpcMask { get; init; }
    /// <summary>The health checks defined beside the zone (a zone file's <c>HealthChecks</c>).</summary>
    public HealthChecks.HealthCheckSpec[] HealthChecks { get; init; } = [];
    /// <summary>The record sets as the document gave them, for listing through the API (ListResourceRecordSets).</summary>
    public IReadOnlyList<HostedZones.ResourceRecordSetJson> RecordSets { get; init; } = [];
}
