using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// An immutable, compiled zone: every owner name (including empty non-terminals) in a hash table
/// keyed by its lower-cased wire name, so the answer path finds nodes without allocating.
/// Built once by <see cref="ZoneBuilder"/>; a change builds a new one.
/// </summary>
public sealed class Zone
{
    private readonly Dictionary<byte[], ZoneNode> _nodes;
    private readonly Dictionary<byte[], ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    internal Zone(byte[] origin, Dictionary<byte[], ZoneNode> nodes, IReadOnlyList<ZoneRecord> records, string source, HostedZoneInfo? hostedZone = null)
    {
        HostedZone = hostedZone;
        Origin = origin;
        OriginText = DnsName.ToText(origin);
        _nodes = nodes;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        Apex = nodes[origin];
        Soa = Apex.Find((ushort)RecordType.SOA)!;
        var soa = Soa.RData[0];
        int fixedAt = soa.Length - 20;
        Serial = BinaryPrimitives.ReadUInt32BigEndian(soa.AsSpan(fixedAt));
        uint minimum = BinaryPrimitives.ReadUInt32BigEndian(soa.AsSpan(fixedAt + 16));
        // RFC 2308 3: the negative TTL is the lesser of the SOA's own TTL and its MINIMUM field.
        NegativeTtl = Math.Min(Soa.Ttl, minimum);
        Records = records;
        Source = source;
        OriginLabelCount = DnsName.LabelCount(origin);
    }

    /// <summary>Lower-cased wire name of the apex.</summary>
    public byte[] Origin { get; }
    public string OriginText { get; }
    public int OriginLabelCount { get; }
    public ZoneNode Apex { get; }
    public RecordSet Soa { get; }
    public uint Serial { get; }
    public uint NegativeTtl { get; }
    public int NodeCount => _nodes.Count;

    /// <summary>Every record in source order (for zone transfers and tools).</summary>
    public IReadOnlyList<ZoneRecord> Records { get; }

    /// <summary>Where the zone came from (a file path), for logs and tools.</summary>
    public string Source { get; }

    /// <summary>Route 53 facts for a zone loaded from JSON (id, private or public, VPCs); null for a master file.</summary>
    public HostedZoneInfo? HostedZone { get; }

    public bool IsPrivate => HostedZone?.IsPrivate == true;

    /// <summary>Whether any name has routed or alias record sets (so answers may depend on the client).</summary>
    public bool HasGroups { get; internal set; }

    private long _queries;

    /// <summary>Queries answered from this zone (this version of it: a reload starts a new count).</summary>
    public long Queries => Volatile.Read(ref _queries);

    public void CountQuery() => Interlocked.Increment(ref _queries);

    public IEnumerable<ZoneNode> Nodes => _nodes.Values;

    /// <summary>Finds the node for a lower-cased wire name.</summary>
    public ZoneNode? Find(ReadOnlySpan<byte> lowerName) => _lookup.TryGetValue(lowerName, out var node) ? node : null;
}
