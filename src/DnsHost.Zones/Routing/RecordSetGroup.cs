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
            IndexByLocation = new int[collection.Locations.Count];
            Array.Fill(IndexByLocation, -1);
        }
        for (int i = 0; i < sets.Length; i++)
        {
            var set = sets[i];
            if (policy == RoutingPolicy.Failover)
            {
                if (set.IsPrimary)
                    PrimaryIndex = i;
                else
                    SecondaryIndex = i;
            }
            if (collection is not null)
            {
                if (set.CidrLocation >= 0)
                    IndexByLocation[set.CidrLocation] = i;
                else
                    DefaultIndex = i;
            }
        }
    }

    /// <summary>Lower-cased owner name.</summary>
    public byte[] Owner { get; }
    public ushort Type { get; }
    public RoutingPolicy Policy { get; }
    public RoutedRecordSet[] Sets { get; }

    /// <summary>Failover: the index in <see cref="Sets"/> of the PRIMARY and the SECONDARY set, -1 when absent.</summary>
    public int PrimaryIndex { get; } = -1;
    public int SecondaryIndex { get; } = -1;

    public CidrCollection? Collection { get; }
    /// <summary>IP-based: per location of the collection, the index of its set in <see cref="Sets"/> (-1 none); and of the default "*" set.</summary>
    public int[] IndexByLocation { get; } = [];
    public int DefaultIndex { get; } = -1;

    public override string ToString() => $"{DnsName.ToText(Owner)} {RecordData.TypeToText(Type)} ({Policy}, {Sets.Length} sets)";
}
