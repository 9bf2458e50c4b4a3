using DnsHost.Protocol;

namespace DnsHost.Zones.Routing;

/// <summary>
/// Every record set of one name and type that is routed (any policy but simple) or is an alias: the
/// answer is chosen per query by <see cref="RoutingSelector"/>.
/// </summary>
public sealed class RecordSetGroup
{
    public RecordSetGroup(byte[] owner, ushort type, RoutingPolicy policy, RoutedRecordSet[] sets, CidrCollection? collection = null)
    {
        Owner = owner;
        Type = type;
        Policy = policy;
        Sets = sets;
        Collection = collection;
        if (collection is not null)
        {
            SetsByLocation = new RoutedRecordSet?[collection.Locations.Count];
            foreach (var set in sets)
            {
                if (set.CidrLocation >= 0)
                    SetsByLocation[set.CidrLocation] = set;
                else
                    DefaultSet = set;
            }
        }
        foreach (var set in sets)
        {
            if (set.IsPrimary)
                Primary = set;
            else if (policy == RoutingPolicy.Failover)
                Secondary = set;
        }
    }

    /// <summary>Lower-cased owner name.</summary>
    public byte[] Owner { get; }
    public ushort Type { get; }
    public RoutingPolicy Policy { get; }
    public RoutedRecordSet[] Sets { get; }

    public RoutedRecordSet? Primary { get; }
    public RoutedRecordSet? Secondary { get; }

    public CidrCollection? Collection { get; }
    public RoutedRecordSet?[] SetsByLocation { get; } = [];
    public RoutedRecordSet? DefaultSet { get; }

    /// <summary>Whether the answer depends on where the client is (and so on EDNS Client Subnet).</summary>
    public bool DependsOnLocation => Policy is RoutingPolicy.Geolocation or RoutingPolicy.Geoproximity or RoutingPolicy.Latency or RoutingPolicy.IpBased;

    public override string ToString() => $"{DnsName.ToText(Owner)} {RecordData.TypeToText(Type)} ({Policy}, {Sets.Length} sets)";
}
