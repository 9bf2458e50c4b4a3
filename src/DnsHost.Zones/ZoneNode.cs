using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>One owner name in a zone: its RRsets, or none for an empty non-terminal (RFC 4592 2.2.2).</summary>
public sealed class ZoneNode
{
    private static readonly RecordSet[] NoSets = [];

    public ZoneNode(byte[] name) => Name = name;

    public byte[] Name { get; }

    /// <summary>RRsets ordered by type.</summary>
    public RecordSet[] Sets { get; internal set; } = NoSets;

    /// <summary>A delegation point: NS records below the apex (RFC 1034 4.2.1).</summary>
    public bool IsDelegation { get; internal set; }

    /// <summary>The "*" child of this node, if the zone has one (RFC 4592 2.1.1).</summary>
    public ZoneNode? Wildcard { get; internal set; }

    /// <summary>Routed and alias record sets (Route 53 policies), one group per type; a type is either here or in <see cref="Sets"/>.</summary>
    public RecordSetGroup[] Groups { get; internal set; } = NoGroups;

    private static readonly RecordSetGroup[] NoGroups = [];

    public bool IsEmptyNonTerminal => Sets.Length == 0 && Groups.Length == 0;

    public RecordSetGroup? FindGroup(ushort type)
    {
        foreach (var group in Groups)
        {
            if (group.Type == type)
                return group;
        }
        return null;
    }

    /// <summary>A CNAME that is routed or an alias (Route 53 allows policies on CNAME sets).</summary>
    public RecordSetGroup? CnameGroup => Groups.Length == 0 ? null : FindGroup((ushort)RecordType.CNAME);

    public RecordSet? Find(ushort type)
    {
        foreach (var set in Sets)
        {
            if (set.Type == type)
                return set;
        }
        return null;
    }

    public RecordSet? Cname => Find((ushort)RecordType.CNAME);
}
