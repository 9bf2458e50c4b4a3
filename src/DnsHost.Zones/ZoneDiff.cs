using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// Applies <see cref="ZoneChanges"/> to a compiled zone: one linear merge of the old canonical-order node
/// table with the changed names, the old data arena copied as it is with the new RRsets appended (and
/// compacted when more than half of it is dead), and the hash index rebuilt from the stored hashes.
/// </summary>
internal static class ZoneDiff
{
    public static Zone Apply(Zone zone, ZoneChanges changes, HostedZoneInfo? hostedZone)
    {
        var problems = new List<ZoneProblem>();
        var oldNodes = zone.NodeTable;
        // The changed names in canonical order, with any missing ancestors (empty non-terminals).
        var changed = new SortedDictionary<byte[], Dictionary<ushort, (uint Ttl, byte[][] RData)>?>(Comparer<byte[]>.Create((a, b) => CanonicalOrder.Compare(a, b)));
        foreach (var (owner, types) in changes.ByOwner)
        {
            if (!DnsName.IsSubdomainOf(owner, zone.Origin))
            {
                problems.Add(new(zone.Source, 0, $"{DnsName.ToText(owner)} is outside the zone {zone.OriginText}"));
                continue;
            }
            changed[owner] = types;
            for (ReadOnlySpan<byte> parent = owner; parent.Length > zone.Origin.Length;)
            {
                parent = DnsName.Parent(parent);
                var key = parent.ToArray();
                if (zone.IndexOf(parent) >= 0 || changed.ContainsKey(key))
                    break;
                changed[key] = null;
            }
        }

        // Merge the two ordered sequences: old node index (>= 0) or changed name.
        var merged = new List<(int Old, byte[]? Name)>(oldNodes.Length + changed.Count);
        int i = 0;
        foreach (var name in changed.Keys)
        {
            while (i < oldNodes.Length && CanonicalOrder.Compare(zone.NameOf(in oldNodes[i]), name) < 0)
                merged.Add((i++, null));
            if (i < oldNodes.Length && zone.NameOf(in oldNodes[i]).SequenceEqual(name))
                merged.Add((i++, name));
            else
                merged.Add((-1, name));
        }
        while (i < oldNodes.Length)
            merged.Add((i++, null));

        // Which nodes end up holding sets, and which empty ones still have descendants (reverse walk).
        var sets = new List<(ushort Type, uint Ttl, byte[][]? RData, int OldOffset)>[merged.Count];
        var keep = new bool[merged.Count];
        int nextKept = -1;
        for (int m = merged.Count - 1; m >= 0; m--)
        {
            var (old, name) = merged[m];
            if (name is not null)
                sets[m] = NewSets(zone, old, changed[name]);
            bool hasData = (name is null ? oldNodes[old].SetCount > 0 : sets[m].Count > 0) || (old >= 0 && oldNodes[old].GroupIndex >= 0);
            var self = NameAt(zone, merged, m);
            bool hasChildren = nextKept >= 0 && DnsName.IsSubdomainOf(NameAt(zone, merged, nextKept), self);
            keep[m] = hasData || hasChildren || self.SequenceEqual(zone.Origin);
            if (keep[m])
                nextKept = m;
        }

        // Emit the new tables.
        var oldData = zone.DataArena;
        var names = new byte[zone.NameArena.Length + changed.Keys.Sum(k => k.Length)];
        int namesLength = 0;
        var nodes = new List<NodeEntry>(merged.Count);
        var setTable = new List<SetEntry>(zone.SetTable.Length + changes.Count);
        var appended = new MemoryStream();
        int records = zone.RecordCount;
        long dead = zone.DeadBytes;
        for (int m = 0; m < merged.Count; m++)
        {
            if (!keep[m])
            {
                if (merged[m].Old >= 0)
                    (records, dead) = (records - CountRecords(zone, merged[m].Old), dead + BlockBytes(zone, merged[m].Old, sets[m]));
                continue;
            }
            var (old, name) = merged[m];
            var nameBytes = NameAt(zone, merged, m);
            var entry = old >= 0 ? oldNodes[old] : new NodeEntry { GroupIndex = -1, Hash = WireNameComparer.Hash(nameBytes) };
            entry.NameOffset = namesLength;
            entry.NameLength = (byte)nameBytes.Length;
            nameBytes.CopyTo(names.AsSpan(namesLength));
            namesLength += nameBytes.Length;
            if (name is null)
            {
                int first = setTable.Count;
                for (int s = 0; s < entry.SetCount; s++)
                    setTable.Add(zone.SetTable[entry.FirstSet + s]);
                entry.FirstSet = first;
            }
            else
            {
                if (old >= 0)
                    (records, dead) = (records - CountRecords(zone, old), dead + BlockBytes(zone, old, sets[m]));
                entry.FirstSet = setTable.Count;
                entry.SetCount = 0;
                entry.Flags &= NodeFlags.WildcardChild;
                bool isApex = nameBytes.SequenceEqual(zone.Origin);
                Check(zone, nameBytes, isApex, sets[m], problems);
                foreach (var (type, ttl, rdata, oldOffset) in sets[m])
                {
                    int offset = rdata is null ? oldOffset : oldData.Length + (int)appended.Position;
                    if (rdata is not null)
                        WriteBlock(appended, type, ttl, rdata);
                    setTable.Add(new SetEntry { Offset = offset, Type = type });
                    entry.SetCount++;
                    records += rdata?.Length ?? new RecordSet(oldData, oldOffset, zone.NameArena, 0, 1).Count;
                    if (type == (ushort)RecordType.NS && !isApex)
                        entry.Flags |= NodeFlags.Delegation;
                    if (type == (ushort)RecordType.DNAME)
                        entry.Flags |= NodeFlags.Dname;
                }
            }
            nodes.Add(entry);
        }
        if (problems.Count > 0)
            throw new ZoneLoadException(problems);

        var nodeArray = nodes.ToArray();
        var nameArena = namesLength == names.Length ? names : names.AsSpan(0, namesLength).ToArray();
        var newData = new byte[oldData.Length + appended.Length];
        oldData.CopyTo(newData, 0);
        appended.Position = 0;
        appended.ReadExactly(newData, oldData.Length, (int)appended.Length);
        var setArray = setTable.ToArray();
        FixWildcardFlags(nodeArray, nameArena, changed.Keys);
        var result = new Zone(zone.Origin, nameArena, nodeArray, setArray, newData, zone.GroupTable, records, zone.Source, hostedZone ?? zone.HostedZone, dead);
        return dead * 2 > newData.Length ? Compact(result) : result;
    }

    private static ReadOnlySpan<byte> NameAt(Zone zone, List<(int Old, byte[]? Name)> merged, int m) =>
        merged[m].Name ?? zone.NameOf(in zone.NodeTable[merged[m].Old]);

    private static int CountRecords(Zone zone, int old)
    {
        var node = new ZoneNode(zone, old);
        int n = 0;
        for (int s = 0; s < node.SetCount; s++)
            n += node.SetAt(s).Count;
        return n;
    }

    /// <summary>The node's sets after the change, by type: kept ones point at their old block (RData null).</summary>
    private static List<(ushort Type, uint Ttl, byte[][]? RData, int OldOffset)> NewSets(Zone zone, int old, Dictionary<ushort, (uint Ttl, byte[][] RData)>? change)
    {
        var result = new List<(ushort, uint, byte[][]?, int)>();
        if (old >= 0)
        {
            ref readonly var e = ref zone.NodeTable[old];
            for (int s = e.FirstSet; s < e.FirstSet + e.SetCount; s++)
            {
                var entry = zone.SetTable[s];
                if (change is null || !change.ContainsKey(entry.Type))
                    result.Add((entry.Type, 0, null, entry.Offset));
            }
        }
        foreach (var (type, (ttl, rdata)) in change ?? [])
        {
            if (rdata.Length > 0)
                result.Add((type, ttl, Distinct(rdata), 0));
        }
        result.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return result;
    }

    private static byte[][] Distinct(byte[][] rdata)
    {
        var list = new List<byte[]>(rdata.Length);
        foreach (var r in rdata)
        {
            if (!list.Exists(x => x.AsSpan().SequenceEqual(r)))
                list.Add(r);
        }
        return list.ToArray();
    }

    /// <summary>The same per-name rules as <see cref="ZoneBuilder"/>, for the names the change touches.</summary>
    private static void Check(Zone zone, ReadOnlySpan<byte> name, bool isApex, List<(ushort Type, uint Ttl, byte[][]? RData, int OldOffset)> sets, List<ZoneProblem> problems)
    {
        string text = DnsName.ToText(name);
        if (sets.Exists(s => s.Type == (ushort)RecordType.CNAME) && sets.Find(s => !ZoneRules.MayStandBesideCname(s.Type)) is { Type: not 0 } other)
            problems.Add(new(zone.Source, 0, ZoneRules.CnameAndOtherData(text, other.Type)));
        foreach (var (type, _, rdata, _) in sets)
        {
            // Sets the change does not touch were checked when they were added.
            if (rdata is not null && ZoneRules.SetProblem(name, text, zone.OriginText, isApex, type, rdata.Length, out _) is { } problem)
                problems.Add(new(zone.Source, 0, problem));
        }
        if (isApex && !sets.Exists(s => s.Type == (ushort)RecordType.SOA))
            problems.Add(new(zone.Source, 0, $"no SOA record at the zone apex {zone.OriginText}"));
        if (isApex && !sets.Exists(s => s.Type == (ushort)RecordType.NS))
            problems.Add(new(zone.Source, 0, $"no NS records at the zone apex {zone.OriginText}"));
    }

    private static void WriteBlock(MemoryStream stream, ushort type, uint ttl, byte[][] rdata)
    {
        Span<byte> header = stackalloc byte[RecordSet.HeaderSize];
        RecordSet.Encode(header, type, ttl, rdata.Length);
        stream.Write(header);
        Span<byte> length = stackalloc byte[2];
        foreach (var r in rdata)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)r.Length);
            stream.Write(length);
            stream.Write(r);
        }
    }

    /// <summary>RFC 4592 2.1.1: a node knows whether it has a "*" child; only changed names can alter that.</summary>
    private static void FixWildcardFlags(NodeEntry[] nodes, byte[] names, IEnumerable<byte[]> changed)
    {
        foreach (var name in changed)
        {
            if (!DnsName.IsWildcard(name))
                continue;
            int parent = Search(nodes, names, DnsName.Parent(name));
            if (parent < 0)
                continue;
            if (Search(nodes, names, name) >= 0)
                nodes[parent].Flags |= NodeFlags.WildcardChild;
            else
                nodes[parent].Flags &= ~NodeFlags.WildcardChild;
        }
    }

    private static int Search(NodeEntry[] nodes, byte[] names, ReadOnlySpan<byte> name)
    {
        int lo = 0, hi = nodes.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = CanonicalOrder.Compare(names.AsSpan(nodes[mid].NameOffset, nodes[mid].NameLength), name);
            if (c == 0)
                return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>Bytes of the node's old blocks that the change no longer uses.</summary>
    private static long BlockBytes(Zone zone, int old, List<(ushort Type, uint Ttl, byte[][]? RData, int OldOffset)>? kept)
    {
        ref readonly var e = ref zone.NodeTable[old];
        long bytes = 0;
        for (int s = e.FirstSet; s < e.FirstSet + e.SetCount; s++)
        {
            int offset = zone.SetTable[s].Offset;
            if (kept is null || !kept.Exists(k => k.RData is null && k.OldOffset == offset))
                bytes += new RecordSet(zone.DataArena, offset, zone.DataArena, 0, 1).BlockLength;
        }
        return bytes;
    }

    /// <summary>Copies only the live RRset blocks into a fresh arena.</summary>
    private static Zone Compact(Zone zone)
    {
        var sets = (SetEntry[])zone.SetTable.Clone();
        var data = new MemoryStream();
        for (int s = 0; s < sets.Length; s++)
        {
            var block = new RecordSet(zone.DataArena, sets[s].Offset, zone.DataArena, 0, 1).Block;
            sets[s].Offset = (int)data.Position;
            data.Write(block);
        }
        return new Zone(zone.Origin, zone.NameArena, zone.NodeTable, sets, data.ToArray(), zone.GroupTable, zone.RecordCount, zone.Source, zone.HostedZone, 0);
    }
}
