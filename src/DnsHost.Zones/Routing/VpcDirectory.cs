namespace DnsHost.Zones.Routing;

/// <summary>
/// The <c>Vpcs</c> section: which client networks are "inside" which VPC. Each VPC gets one bit, so a
/// client's VPC membership is a 64-bit mask and a private zone's associations another; a query sees a
/// private zone when the two intersect.
/// </summary>
public sealed class VpcDirectory
{
    public const int MaxVpcs = 64;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly (IpPrefix Network, ulong Mask)[] _networks;

    public static readonly VpcDirectory Empty = new(new Dictionary<string, List<string>>());

    public VpcDirectory(IReadOnlyDictionary<string, List<string>> vpcs)
    {
        if (vpcs.Count > MaxVpcs)
            throw new FormatException($"Vpcs: at most {MaxVpcs} VPCs can be mapped to client networks ({vpcs.Count} given)");
        var networks = new List<(IpPrefix, ulong)>();
        foreach (var (vpc, cidrs) in vpcs.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            int bit = _index.Count;
            _index[vpc] = bit;
            foreach (var cidr in cidrs)
            {
                if (!IpPrefix.TryParse(cidr, out var network))
                    throw new FormatException($"Vpcs:{vpc}: '{cidr}' is not a CIDR block (expected for example 10.1.0.0/16)");
                networks.Add((network, 1UL << bit));
            }
        }
        _networks = networks.ToArray();
    }

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>The bit of a VPC id, or 0 when the VPC has no networks configured.</summary>
    public ulong MaskOf(string vpcId) => _index.TryGetValue(vpcId, out int bit) ? 1UL << bit : 0;

    /// <summary>
    /// The VPC a private zone's query counts as coming from: the first of the zone's VPCs that the
    /// client is in and whose Region is known. Its Region drives geolocation and latency there.
    /// </summary>
    public (VpcAssociation Vpc, AwsRegion Region)? ClientVpc(HostedZoneInfo zone, ulong clientVpcs)
    {
        foreach (var vpc in zone.Vpcs)
        {
            if ((MaskOf(vpc.VpcId) & clientVpcs) != 0 && AwsRegions.Find(vpc.VpcRegion) is { } region)
                return (vpc, region);
        }
        return null;
    }

    /// <summary>The VPCs whose networks contain the client's address.</summary>
    public ulong Membership(in IpPrefix client)
    {
        ulong mask = 0;
        foreach (var (network, bit) in _networks)
        {
            if (network.Contains(client))
                mask |= bit;
        }
        return mask;
    }
}
