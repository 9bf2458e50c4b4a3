using DnsHost.Route53.Api;

namespace DnsHost.Route53;

/// <summary>
/// Route 53's account and zone quotas (section <c>Api:Quotas</c>), with Route 53's defaults
/// (route53-behaviour.md 8, "Quotas"). They are enforced and reported by GetAccountLimit,
/// GetHostedZoneLimit and GetReusableDelegationSetLimit; 0 turns one off (reported as unlimited, 2^31-1).
/// </summary>
public sealed class AccountQuotas
{
    public const string Section = "Api:Quotas";

    public int HostedZones { get; set; } = 500;
    public int HealthChecks { get; set; } = 200;
    public int ReusableDelegationSets { get; set; } = 100;
    public int TrafficPolicies { get; set; } = 50;
    public int TrafficPolicyInstances { get; set; } = 5;
    public int RecordSetsPerZone { get; set; } = 10000;
    public int VpcsPerZone { get; set; } = 300;
    public int ZonesPerDelegationSet { get; set; } = 100;

    /// <summary>The CIDR ranges GetCheckerIpRanges lists: where DnsHost's health checker sends its probes from. Empty: loopback (this host).</summary>
    /// <remarks>Empty by default: configuration binding appends to a list default instead of replacing it.</remarks>
    public List<string> CheckerIpRanges { get; set; } = [];

    public IReadOnlyList<string> EffectiveCheckerIpRanges => CheckerIpRanges.Count > 0 ? CheckerIpRanges : ["127.0.0.0/8", "::1/128"];

    /// <summary>What GetAccountLimit reports and enforces for a Route 53 AccountLimitType.</summary>
    public int AccountLimit(string type) => Effective(type switch
    {
        "MAX_HOSTED_ZONES_BY_OWNER" => HostedZones,
        "MAX_HEALTH_CHECKS_BY_OWNER" => HealthChecks,
        "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER" => ReusableDelegationSets,
        "MAX_TRAFFIC_POLICIES_BY_OWNER" => TrafficPolicies,
        "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER" => TrafficPolicyInstances,
        _ => throw InvalidType(type, "MAX_HEALTH_CHECKS_BY_OWNER, MAX_HOSTED_ZONES_BY_OWNER, MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER, MAX_REUSABLE_DELEGATION_SETS_BY_OWNER, MAX_TRAFFIC_POLICIES_BY_OWNER"),
    });

    public int HostedZoneLimit(string type) => Effective(type switch
    {
        "MAX_RRSETS_BY_ZONE" => RecordSetsPerZone,
        "MAX_VPCS_ASSOCIATED_BY_ZONE" => VpcsPerZone,
        _ => throw InvalidType(type, "MAX_RRSETS_BY_ZONE, MAX_VPCS_ASSOCIATED_BY_ZONE"),
    });

    public int DelegationSetLimit(string type) => Effective(type == "MAX_ZONES_BY_REUSABLE_DELEGATION_SET" ? ZonesPerDelegationSet
        : throw InvalidType(type, "MAX_ZONES_BY_REUSABLE_DELEGATION_SET"));

    private static int Effective(int value) => value <= 0 ? int.MaxValue : value;

    private static Route53Exception InvalidType(string type, string allowed) =>
        new("InvalidInput", $"1 validation error detected: Value '{type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]");

    /// <summary>The first setting that is out of range, or null.</summary>
    public string? Problem()
    {
        foreach (var (name, value) in new[] { (nameof(HostedZones), HostedZones), (nameof(HealthChecks), HealthChecks), (nameof(ReusableDelegationSets), ReusableDelegationSets),
            (nameof(TrafficPolicies), TrafficPolicies), (nameof(TrafficPolicyInstances), TrafficPolicyInstances), (nameof(RecordSetsPerZone), RecordSetsPerZone),
            (nameof(VpcsPerZone), VpcsPerZone), (nameof(ZonesPerDelegationSet), ZonesPerDelegationSet) })
        {
            if (value < 0)
                return $"{Section}:{name} is {value}; it must be 0 (no limit) or more";
        }
        foreach (var range in CheckerIpRanges)
        {
            if (!DnsHost.Zones.Routing.IpPrefix.TryParse(range, out _))
                return $"{Section}:CheckerIpRanges: '{range}' is not a CIDR block";
        }
        return null;
    }
}
