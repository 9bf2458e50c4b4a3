using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// A small change to a zone: whole RRsets replaced or removed, by owner and type. <see cref="Zone.Apply"/>
/// turns it into a new zone by merging it into the canonical-order tables, without re-sorting,
/// re-hashing names or re-reading the rest of the zone.
/// </summary>
public sealed class ZoneChanges
{
    internal readonly Dictionary<byte[], Dictionary<ushort, (uint Ttl, byte[][] RData)>> ByOwner = new(WireNameComparer.Instance);

    public int Count { get; private set; }

    /// <summary>Replaces the RRset at <paramref name="owner"/> and <paramref name="type"/>; no RDATA removes it.</summary>
    public void Replace(ReadOnlySpan<byte> owner, ushort type, uint ttl, byte[][] rdata)
    {
        var lower = new byte[owner.Length];
        DnsName.ToLower(owner, lower);
        if (!ByOwner.TryGetValue(lower, out var types))
            ByOwner[lower] = types = [];
        types[type] = (ttl, rdata);
        Count++;
    }

    public void Remove(ReadOnlySpan<byte> owner, ushort type) => Replace(owner, type, 0, []);
}
