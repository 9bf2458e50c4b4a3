using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

[Flags]
internal enum NodeFlags : byte
{
    None = 0,
    /// <summary>NS records below the apex (RFC 1034 4.2.1).</summary>
    Delegation = 1,
    /// <summary>The node has a "*" child (RFC 4592 2.1.1).</summary>
    WildcardChild = 2,
    /// <summary>A DNAME at this owner redirects the names below it (RFC 6672 2.3).</summary>
    Dname = 4,
}

/// <summary>One owner name in the canonical-order node table of a <see cref="Zone"/>.</summary>
internal struct NodeEntry
{
    public int NameOffset;
    public int Hash;
    public int FirstSet;
    public int GroupIndex;
    public ushort SetCount;
    public byte NameLength;
    public NodeFlags Flags;
}

/// <summary>One RRset: its type and where its block starts in the zone's data arena.</summary>
internal struct SetEntry
{
    public int Offset;
    public ushort Type;
}

/// <summary>
/// One owner name in a zone (a view, not an object per name): its RRsets ordered by type, or none for
/// an empty non-terminal (RFC 4592 2.2.2), and its Route 53 routed groups.
/// </summary>
public readonly struct ZoneNode
{
    private static readonly RecordSetGroup[] NoGroups = [];
    private readonly Zone _zone;

    internal ZoneNode(Zone zone, int index)
    {
        _zone = zone;
        Index = index;
    }

    /// <summary>Position in the zone's canonical order (RFC 4034 6.1).</summary>
    public int Index { get; }

    private ref readonly NodeEntry Entry => ref _zone.NodeAt(Index);

    /// <summary>Lower-cased wire name.</summary>
    public ReadOnlySpan<byte> Name => _zone.NameOf(in Entry);

    public bool IsDelegation => (Entry.Flags & NodeFlags.Delegation) != 0;
    public bool HasDname => (Entry.Flags & NodeFlags.Dname) != 0;
    public bool HasWildcardChild => (Entry.Flags & NodeFlags.WildcardChild) != 0;
    public bool IsEmptyNonTerminal => Entry.SetCount == 0 && Entry.GroupIndex < 0;

    public int SetCount => Entry.SetCount;

    public RecordSet SetAt(int i)
    {
        ref readonly var e = ref Entry;
        if ((uint)i >= e.SetCount)
            throw new ArgumentOutOfRangeException(nameof(i));
        return _zone.SetOf(in e, e.FirstSet + i);
    }

    /// <summary>Routed and alias record sets (Route 53 policies), one group per type; a type is either here or a plain set.</summary>
    public RecordSetGroup[] Groups => Entry.GroupIndex < 0 ? NoGroups : _zone.GroupsAt(Entry.GroupIndex);

    /// <summary>The "*" child of this node, if the zone has one (RFC 4592 2.1.1).</summary>
    public ZoneNode? Wildcard => HasWildcardChild ? _zone.FindWildcardChild(Name) : null;

    public RecordSet? Find(ushort type)
    {
        ref readonly var e = ref Entry;
        int end = e.FirstSet + e.SetCount;
        for (int i = e.FirstSet; i < end; i++)
        {
            if (_zone.SetTypeAt(i) == type)
                return _zone.SetOf(in e, i);
        }
        return null;
    }

    public RecordSetGroup? FindGroup(ushort type)
    {
        if (Entry.GroupIndex < 0)
            return null;
        foreach (var group in _zone.GroupsAt(Entry.GroupIndex))
        {
            if (group.Type == type)
                return group;
        }
        return null;
    }

    public RecordSet? Cname => Find((ushort)RecordType.CNAME);

    /// <summary>A CNAME that is routed or an alias (Route 53 allows policies on CNAME sets).</summary>
    public RecordSetGroup? CnameGroup => FindGroup((ushort)RecordType.CNAME);

    public IEnumerable<RecordSet> Sets
    {
        get
        {
            for (int i = 0; i < SetCount; i++)
                yield return SetAt(i);
        }
    }

    public override string ToString() => DnsName.ToText(Name);
}
