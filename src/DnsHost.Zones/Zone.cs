using System.Buffers.Binary;
using System.Diagnostics;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>
/// An immutable, compiled zone in a compact store: every owner name (empty non-terminals included)
/// in RFC 4034 canonical order in one node table, names and RDATA in wire form in two arenas, and an
/// open-addressing hash index over the lower-cased names, so the answer path finds nodes without
/// allocating and there is no object per name or record. Built by <see cref="ZoneBuilder"/>; a change
/// makes a new one (<see cref="ZoneDiff"/>), swapped in whole.
/// </summary>
public sealed class Zone
{
    private readonly byte[] _names;
    private readonly NodeEntry[] _nodes;
    private readonly SetEntry[] _sets;
    private readonly byte[] _data;
    private readonly RecordSetGroup[][] _groups;
    private readonly int[] _index;
    private readonly int _indexMask;

    internal Zone(byte[] origin, byte[] names, NodeEntry[] nodes, SetEntry[] sets, byte[] data, RecordSetGroup[][] groups, int recordCount, string source, HostedZoneInfo? hostedZone, long deadBytes = 0)
    {
        DeadBytes = deadBytes;
        Debug.Assert(nodes.Length > 0);
        _names = names;
        _nodes = nodes;
        _sets = sets;
        _data = data;
        _groups = groups;
        RecordCount = recordCount;
        HostedZone = hostedZone;
        Origin = origin;
        OriginText = DnsName.ToText(origin);
        OriginLabelCount = DnsName.LabelCount(origin);
        Source = source;
        (_index, _indexMask) = BuildIndex(nodes);
        Apex = Find(origin) ?? throw new InvalidOperationException("the apex is missing from the node table");
        Soa = Apex.Find((ushort)RecordType.SOA) ?? throw new InvalidOperationException("the apex has no SOA");
        var soa = Soa.RData[0];
        int fixedAt = soa.Length - 20;
        Serial = BinaryPrimitives.ReadUInt32BigEndian(soa[fixedAt..]);
        uint minimum = BinaryPrimitives.ReadUInt32BigEndian(soa[(fixedAt + 16)..]);
        // RFC 2308 3: the negative TTL is the lesser of the SOA's own TTL and its MINIMUM field.
        NegativeTtl = Math.Min(Soa.Ttl, minimum);
    }

    /// <summary>Lower-cased wire name of the apex.</summary>
    public byte[] Origin { get; }
    public string OriginText { get; }
    public int OriginLabelCount { get; }
    public ZoneNode Apex { get; }
    public RecordSet Soa { get; }
    public uint Serial { get; }
    public uint NegativeTtl { get; }
    public int NodeCount => _nodes.Length;

    /// <summary>Plain records (routed Route 53 sets are not counted).</summary>
    public int RecordCount { get; }

    /// <summary>Where the zone came from (a file path), for logs and tools.</summary>
    public string Source { get; }

    /// <summary>Route 53 facts for a zone loaded from JSON or the API (id, private or public, VPCs); null for a master file.</summary>
    public HostedZoneInfo? HostedZone { get; }

    public bool IsPrivate => HostedZone?.IsPrivate == true;

    /// <summary>Whether any name has routed or alias record sets (so answers may depend on the client).</summary>
    public bool HasGroups => _groups.Length > 0;

    private long _queries;

    /// <summary>Queries answered from this zone (this version of it: a reload starts a new count).</summary>
    public long Queries => Volatile.Read(ref _queries);

    public void CountQuery() => Interlocked.Increment(ref _queries);

    /// <summary>Every node in canonical order.</summary>
    public IEnumerable<ZoneNode> Nodes
    {
        get
        {
            for (int i = 0; i < _nodes.Length; i++)
                yield return new ZoneNode(this, i);
        }
    }

    /// <summary>Every plain record, in canonical order of owners and by type, SOA first (zone transfers and tools). Allocates.</summary>
    public IEnumerable<ZoneRecord> Records
    {
        get
        {
            yield return ToRecord(Soa, 0);
            foreach (var node in Nodes)
            {
                byte[]? owner = null;
                for (int s = 0; s < node.SetCount; s++)
                {
                    var set = node.SetAt(s);
                    if (node.Index == Apex.Index && set.Type == (ushort)RecordType.SOA)
                        continue;
                    owner ??= node.Name.ToArray();
                    for (int i = 0; i < set.Count; i++)
                        yield return new ZoneRecord(owner, set.Type, RecordClass.IN, set.Ttl, set.RData[i].ToArray());
                }
            }
        }
    }

    private static ZoneRecord ToRecord(RecordSet set, int index) =>
        new(set.Owner.ToArray(), set.Type, RecordClass.IN, set.Ttl, set.RData[index].ToArray());

    /// <summary>Finds the node for a lower-cased wire name.</summary>
    public ZoneNode? Find(ReadOnlySpan<byte> lowerName)
    {
        int index = IndexOf(lowerName);
        return index < 0 ? null : new ZoneNode(this, index);
    }

    /// <summary>The node's position in canonical order, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> lowerName)
    {
        int hash = WireNameComparer.Hash(lowerName);
        int slot = hash & _indexMask;
        while (true)
        {
            int value = _index[slot];
            if (value == 0)
                return -1;
            ref readonly var e = ref _nodes[value - 1];
            if (e.Hash == hash && e.NameLength == lowerName.Length && _names.AsSpan(e.NameOffset, e.NameLength).SequenceEqual(lowerName))
                return value - 1;
            slot = (slot + 1) & _indexMask;
        }
    }

    internal ZoneNode? FindWildcardChild(ReadOnlySpan<byte> parent)
    {
        if (parent.Length + 2 > DnsName.MaxLength)
            return null;
        Span<byte> name = stackalloc byte[parent.Length + 2];
        name[0] = 1;
        name[1] = (byte)'*';
        parent.CopyTo(name[2..]);
        return Find(name);
    }

    internal ref readonly NodeEntry NodeAt(int index) => ref _nodes[index];
    internal ReadOnlySpan<byte> NameOf(in NodeEntry e) => _names.AsSpan(e.NameOffset, e.NameLength);
    internal ushort SetTypeAt(int set) => _sets[set].Type;
    internal RecordSet SetOf(in NodeEntry e, int set) => new(_data, _sets[set].Offset, _names, e.NameOffset, e.NameLength);
    internal RecordSetGroup[] GroupsAt(int index) => _groups[index];

    // For ZoneDiff: the raw tables, read-only.
    internal byte[] NameArena => _names;
    internal NodeEntry[] NodeTable => _nodes;
    internal SetEntry[] SetTable => _sets;
    internal byte[] DataArena => _data;
    internal RecordSetGroup[][] GroupTable => _groups;

    private static (int[] Index, int Mask) BuildIndex(NodeEntry[] nodes)
    {
        int size = 16;
        while (size < nodes.Length * 2)
            size <<= 1;
        var index = new int[size];
        int mask = size - 1;
        for (int i = 0; i < nodes.Length; i++)
        {
            int slot = nodes[i].Hash & mask;
            while (index[slot] != 0)
                slot = (slot + 1) & mask;
            index[slot] = i + 1;
        }
        return (index, mask);
    }

    /// <summary>
    /// A new zone with <paramref name="changes"/> applied as a diff (the rest of the zone is copied, not
    /// rebuilt), with new Route 53 facts when <paramref name="hostedZone"/> is given. Throws <see cref="ZoneLoadException"/> when the result breaks a zone rule.
    /// </summary>
    public Zone Apply(ZoneChanges changes, HostedZoneInfo? hostedZone = null) => ZoneDiff.Apply(this, changes, hostedZone);

    private Zone? _identity;

    /// <summary>
    /// The zone this one stands for: itself, or, for a copy made only to give it another serial
    /// (<see cref="WithSerial"/>), the zone its source published. Sources find and remove their zones by it.
    /// </summary>
    public Zone Identity => _identity ?? this;

    /// <summary>The same zone with another SOA serial (a diff of one RRset), standing for this one (<see cref="Identity"/>).</summary>
    public Zone WithSerial(uint serial)
    {
        var rdata = Soa.RData[0].ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(rdata.Length - 20), serial);
        var changes = new ZoneChanges();
        changes.Replace(Origin, (ushort)RecordType.SOA, Soa.Ttl, [rdata]);
        var copy = Apply(changes, HostedZone);
        copy._identity = Identity;
        return copy;
    }

    /// <summary>A new version of the zone from its own source (a dynamic update of a zone file): <see cref="Apply"/>, standing for this one.</summary>
    public Zone Revise(ZoneChanges changes)
    {
        var copy = Apply(changes, HostedZone);
        copy._identity = Identity;
        return copy;
    }

    /// <summary>Bytes of the data arena that no RRset uses any more (left by diffs until a compaction).</summary>
    internal long DeadBytes { get; }
}
