using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// What changed between two versions of a zone, record by record (the SOA aside): what an IXFR sends
/// (RFC 1995 4) and what a journal keeps. Records are compared by owner, type, TTL and RDATA, so a TTL
/// change is the old record deleted and the new one added, as IXFR expresses it.
/// </summary>
public sealed class ZoneDelta
{
    public ZoneDelta(List<ZoneRecord> removed, List<ZoneRecord> added)
    {
        Removed = removed;
        Added = added;
    }

    public List<ZoneRecord> Removed { get; }
    public List<ZoneRecord> Added { get; }
    public bool IsEmpty => Removed.Count == 0 && Added.Count == 0;

    /// <summary>Wire octets of the records (owner, fixed part and RDATA, uncompressed), for journal bounds.</summary>
    public long Bytes => Removed.Concat(Added).Sum(r => (long)r.Owner.Length + 10 + r.RData.Length);

    /// <summary>
    /// The plain records that differ between <paramref name="from"/> and <paramref name="to"/>, the apex SOA
    /// excepted: one pass over each zone's node table with a hash lookup in the other, nothing sorted.
    /// </summary>
    public static ZoneDelta Compute(Zone from, Zone to)
    {
        var removed = new List<ZoneRecord>();
        var added = new List<ZoneRecord>();
        foreach (var node in to.Nodes)
        {
            var other = from.Find(node.Name);
            foreach (var set in node.Sets)
            {
                if (IsApexSoa(to, node, set))
                    continue;
                var before = other?.Find(set.Type);
                Compare(before, set, removed, added);
            }
            if (other is { } old)
            {
                foreach (var set in old.Sets)
                {
                    if (!IsApexSoa(from, old, set) && node.Find(set.Type) is null)
                        AddAll(set, removed);
                }
            }
        }
        foreach (var node in from.Nodes)
        {
            if (to.IndexOf(node.Name) >= 0)
                continue;
            foreach (var set in node.Sets)
                AddAll(set, removed);
        }
        return new ZoneDelta(removed, added);
    }

    private static bool IsApexSoa(Zone zone, ZoneNode node, RecordSet set) => set.Type == (ushort)RecordType.SOA && node.Index == zone.Apex.Index;

    private static void Compare(RecordSet? before, RecordSet after, List<ZoneRecord> removed, List<ZoneRecord> added)
    {
        if (before is not { } old)
        {
            AddAll(after, added);
            return;
        }
        if (old.Ttl != after.Ttl)
        {
            AddAll(old, removed);
            AddAll(after, added);
            return;
        }
        for (int i = 0; i < old.Count; i++)
        {
            if (!Contains(after, old.RData[i]))
                removed.Add(Record(old, i));
        }
        for (int i = 0; i < after.Count; i++)
        {
            if (!Contains(old, after.RData[i]))
                added.Add(Record(after, i));
        }
    }

    private static bool Contains(RecordSet set, ReadOnlySpan<byte> rdata)
    {
        for (int i = 0; i < set.Count; i++)
        {
            if (set.RData[i].SequenceEqual(rdata))
                return true;
        }
        return false;
    }

    private static void AddAll(RecordSet set, List<ZoneRecord> into)
    {
        for (int i = 0; i < set.Count; i++)
            into.Add(Record(set, i));
    }

    private static ZoneRecord Record(RecordSet set, int i) => new(set.Owner.ToArray(), set.Type, RecordClass.IN, set.Ttl, set.RData[i].ToArray());

    /// <summary>
    /// Several consecutive deltas as one (RFC 1995 4 allows a condensed response): a record added and
    /// later deleted appears in neither list.
    /// </summary>
    public static ZoneDelta Condense(IEnumerable<ZoneDelta> steps)
    {
        var removed = new Dictionary<RecordKey, ZoneRecord>();
        var added = new Dictionary<RecordKey, ZoneRecord>();
        foreach (var step in steps)
        {
            foreach (var r in step.Removed)
            {
                var key = new RecordKey(r);
                if (!added.Remove(key))
                    removed[key] = r;
            }
            foreach (var r in step.Added)
            {
                var key = new RecordKey(r);
                if (!removed.Remove(key))
                    added[key] = r;
            }
        }
        return new ZoneDelta(removed.Values.ToList(), added.Values.ToList());
    }

    /// <summary>The SERIAL field of SOA RDATA (RFC 1035 3.3.13: the fixed fields end the RDATA).</summary>
    public static uint SerialOf(ReadOnlySpan<byte> soaRData) => BinaryPrimitives.ReadUInt32BigEndian(soaRData[^20..]);

    private readonly record struct RecordKey
    {
        private readonly string _key;

        public RecordKey(ZoneRecord r) =>
            _key = $"{Convert.ToHexString(r.Owner)}|{r.Type}|{r.Ttl}|{Convert.ToHexString(r.RData)}";

        public override int GetHashCode() => _key.GetHashCode(StringComparison.Ordinal);
        public bool Equals(RecordKey other) => string.Equals(_key, other._key, StringComparison.Ordinal);
    }
}
