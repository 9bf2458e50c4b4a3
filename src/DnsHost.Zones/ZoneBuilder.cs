using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>
/// Compiles records into a <see cref="Zone"/>'s compact store, refusing what a zone must not contain
/// (the checks Knot DNS and NSD make mandatory) and warning about what it should not. Records are
/// added one at a time as spans (a streaming parser feeds it without an object per record); the
/// names are put in canonical order once, at <c>Build</c>.
/// </summary>
public sealed class ZoneBuilder
{
    /// <summary>Warnings kept per zone; the rest are counted in one closing line.</summary>
    public const int MaxWarnings = 100;

    private readonly byte[] _origin;
    private readonly string _originText;
    private readonly string _source;
    private readonly List<ZoneProblem> _problems = [];
    private readonly List<ZoneProblem> _warnings;
    private int _droppedWarnings;
    private int _warningCount;
    private readonly List<string> _files = [];

    private readonly Arena _names = new(1 << 12);
    private readonly Arena _rdata = new(1 << 12);
    private TempNode[] _nodes = new TempNode[64];
    private int _nodeCount;
    private int[] _hash = new int[128];
    private TempRecord[] _records = new TempRecord[64];
    private int _recordCount;
    private readonly List<(int Node, RecordSetGroup Group)> _groups = [];

    private struct TempNode
    {
        public int Offset;
        public int Hash;
        public byte Length;
    }

    private struct TempRecord
    {
        public int Node;
        public int RData;
        public int Seq;
        public int Line;
        public uint Ttl;
        public ushort Type;
        public ushort RDataLength;
        public short File;
    }

    public ZoneBuilder(ReadOnlySpan<byte> origin, string source, List<ZoneProblem>? warnings = null)
    {
        _origin = new byte[origin.Length];
        DnsName.ToLower(origin, _origin);
        _originText = DnsName.ToText(_origin);
        _source = source;
        _warnings = warnings ?? [];
        _files.Add(source);
        NodeOf(_origin);
    }

    public byte[] Origin => _origin;

    /// <summary>Problems so far that stop the zone from loading.</summary>
    public IReadOnlyList<ZoneProblem> Problems => _problems;

    public void AddWarning(ZoneProblem warning)
    {
        if (_warningCount++ >= MaxWarnings)
            _droppedWarnings++;
        else
            _warnings.Add(warning);
    }

    /// <param name="owner">Absolute wire name, in any case.</param>
    /// <param name="rdata">Uncompressed RDATA.</param>
    /// <param name="file">The file the record came from when not the zone's own ($INCLUDE).</param>
    public void Add(ReadOnlySpan<byte> owner, ushort type, ushort cls, uint ttl, ReadOnlySpan<byte> rdata, int line = 0, string? file = null)
    {
        Span<byte> lower = stackalloc byte[owner.Length];
        DnsName.ToLower(owner, lower);
        string where = file ?? _source;
        if (cls != RecordClass.IN)
        {
            _problems.Add(new(where, line, $"{DnsName.ToText(owner)}: class {RecordData.ClassToText(cls)} is not supported; only IN"));
            return;
        }
        if (!DnsName.IsSubdomainOf(lower, _origin))
        {
            AddWarning(new(where, line, $"{DnsName.ToText(owner)} is outside the zone {_originText}; ignored", IsError: false));
            return;
        }
        if (_recordCount == _records.Length)
            Array.Resize(ref _records, _records.Length * 2);
        _records[_recordCount] = new TempRecord
        {
            Node = NodeOf(lower),
            RData = _rdata.Append(rdata),
            RDataLength = (ushort)rdata.Length,
            Type = type,
            Ttl = ttl,
            Line = line,
            Seq = _recordCount,
            File = FileIndex(file),
        };
        _recordCount++;
    }

    public void Add(ZoneRecord record) => Add(record.Owner, record.Type, record.Class, record.Ttl, record.RData, record.Line);

    /// <summary>Routed and alias record sets (Route 53 policies) of one name and type.</summary>
    public void Add(RecordSetGroup group) => _groups.Add((NodeOf(group.Owner), group));

    public static Zone Build(ReadOnlySpan<byte> originName, IEnumerable<ZoneRecord> input, string source, List<ZoneProblem>? warnings = null, IReadOnlyList<RecordSetGroup>? groups = null, HostedZoneInfo? hostedZone = null)
    {
        var builder = new ZoneBuilder(originName, source, warnings);
        foreach (var record in input)
            builder.Add(record);
        foreach (var group in groups ?? [])
            builder.Add(group);
        return builder.Build(hostedZone);
    }

    private short FileIndex(string? file)
    {
        if (file is null || file == _source)
            return 0;
        int i = _files.IndexOf(file);
        if (i < 0)
        {
            _files.Add(file);
            i = _files.Count - 1;
        }
        return (short)i;
    }

    /// <summary>The temporary id of a lower-cased name, added (with its ancestors up to the apex) when new.</summary>
    private int NodeOf(ReadOnlySpan<byte> lower)
    {
        int hash = WireNameComparer.Hash(lower);
        int mask = _hash.Length - 1;
        int slot = hash & mask;
        while (_hash[slot] != 0)
        {
            ref var n = ref _nodes[_hash[slot] - 1];
            if (n.Hash == hash && n.Length == lower.Length && _names.Span(n.Offset, n.Length).SequenceEqual(lower))
                return _hash[slot] - 1;
            slot = (slot + 1) & mask;
        }
        if (_nodeCount == _nodes.Length)
            Array.Resize(ref _nodes, _nodes.Length * 2);
        int id = _nodeCount++;
        _nodes[id] = new TempNode { Offset = _names.Append(lower), Hash = hash, Length = (byte)lower.Length };
        _hash[slot] = id + 1;
        if (_nodeCount * 2 > _hash.Length)
            Rehash();
        // Every name between the owner and the apex exists, as an empty non-terminal if nothing else.
        if (lower.Length > _origin.Length)
            NodeOf(DnsName.Parent(lower));
        return id;
    }

    private void Rehash()
    {
        _hash = new int[_hash.Length * 2];
        int mask = _hash.Length - 1;
        for (int i = 0; i < _nodeCount; i++)
        {
            int slot = _nodes[i].Hash & mask;
            while (_hash[slot] != 0)
                slot = (slot + 1) & mask;
            _hash[slot] = i + 1;
        }
    }

    private ReadOnlySpan<byte> NameOf(int id) => _names.Span(_nodes[id].Offset, _nodes[id].Length);

    private ReadOnlySpan<byte> RDataOf(in TempRecord r) => _rdata.Span(r.RData, r.RDataLength);

    private ZoneProblem Problem(in TempRecord r, string message, bool isError = true) => new(_files[r.File], r.Line, message, isError);

    public Zone Build(HostedZoneInfo? hostedZone = null)
    {
        // Canonical order of the names (RFC 4034 6.1), then the records by name, type and source order.
        var order = CanonicalNodeOrder();
        var rank = new int[_nodeCount];
        for (int i = 0; i < order.Length; i++)
            rank[order[i]] = i;
        var records = SortRecords(rank);

        var groupsByNode = new Dictionary<int, List<RecordSetGroup>>();
        foreach (var (node, group) in _groups)
        {
            if (!groupsByNode.TryGetValue(rank[node], out var list))
                groupsByNode[rank[node]] = list = [];
            list.Add(group);
        }

        var finalNames = new byte[_names.Length];
        var nodes = new NodeEntry[_nodeCount];
        var sets = new List<SetEntry>(_recordCount);
        var data = new Arena(Math.Max(1024, _rdata.Length + _recordCount * 4));
        var groupTable = new List<RecordSetGroup[]>();
        int namePos = 0, next = 0, kept = 0;
        bool apexHasSoa = false, apexHasNs = false;
        for (int r = 0; r < order.Length; r++)
        {
            var name = NameOf(order[r]);
            name.CopyTo(finalNames.AsSpan(namePos));
            ref var node = ref nodes[r];
            node.NameOffset = namePos;
            node.NameLength = (byte)name.Length;
            node.Hash = _nodes[order[r]].Hash;
            node.FirstSet = sets.Count;
            node.GroupIndex = -1;
            namePos += name.Length;
            bool isApex = name.SequenceEqual(_origin);
            int end = next;
            while (end < records.Length && rank[records[end].Node] == r)
                end++;
            kept += CompileNode(name, isApex, records[next..end], sets, data, ref node);
            next = end;
            if (isApex)
            {
                apexHasSoa = node.SetCount > 0 && HasType(sets, node, (ushort)RecordType.SOA);
                apexHasNs = HasType(sets, node, (ushort)RecordType.NS);
            }
            if (groupsByNode.TryGetValue(r, out var groups))
            {
                CheckGroups(name, groups, sets, node);
                node.GroupIndex = groupTable.Count;
                groupTable.Add(groups.ToArray());
            }
            // A wildcard apex ("* SOA ...", found by fuzzing) has no parent in the zone to mark.
            if (DnsName.IsWildcard(name) && name.Length > _origin.Length)
                nodes[rank[NodeOf(DnsName.Parent(name))]].Flags |= NodeFlags.WildcardChild;
        }

        if (!apexHasSoa)
            _problems.Add(new(_source, 0, $"no SOA record at the zone apex {_originText}"));
        if (!apexHasNs)
            _problems.Add(new(_source, 0, $"no NS records at the zone apex {_originText}"));
        if (_droppedWarnings > 0)
            _warnings.Add(new(_source, 0, $"{_droppedWarnings} more warnings not shown", IsError: false));
        if (_problems.Count > 0)
            throw new ZoneLoadException(_problems);
        return new Zone(_origin, finalNames, nodes, sets.ToArray(), data.ToArray(), groupTable.ToArray(), kept, _source, hostedZone);
    }

    /// <summary>
    /// The node ids in canonical order. Each name gets a key of its labels below the origin, rightmost
    /// first, each ended by a zero octet, so that comparing keys as octet strings is comparing names
    /// canonically (a shorter label, or an ancestor, sorts first); keys are sorted by their first eight
    /// octets as integers, and only runs that tie there are compared in full. A label holding a zero
    /// octet would break the key, so such zones take the plain comparison.
    /// </summary>
    private int[] CanonicalNodeOrder()
    {
        var order = new int[_nodeCount];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        var keys = new Arena(_names.Length + 16);
        var keyAt = new int[_nodeCount + 1];
        var prefixes = new ulong[_nodeCount];
        Span<byte> starts = stackalloc byte[128];
        int skip = DnsName.LabelCount(_origin);
        for (int i = 0; i < _nodeCount; i++)
        {
            var name = NameOf(i);
            int labels = 0;
            for (int pos = 0; name[pos] != 0; pos += name[pos] + 1)
                starts[labels++] = (byte)pos;
            keyAt[i] = keys.Length;
            for (int l = labels - skip - 1; l >= 0; l--)
            {
                var label = name.Slice(starts[l] + 1, name[starts[l]]);
                if (label.Contains((byte)0))
                    return SortByComparison(order);
                keys.Append(label);
                keys.Append([0]);
            }
            var key = keys.Span(keyAt[i], keys.Length - keyAt[i]);
            ulong prefix = 0;
            for (int b = 0; b < 8; b++)
                prefix = (prefix << 8) | (b < key.Length ? key[b] : (byte)0);
            prefixes[i] = prefix;
        }
        keyAt[_nodeCount] = keys.Length;
        Array.Sort(prefixes, order);
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && prefixes[end] == prefixes[start])
                end++;
            if (end - start > 1)
                order.AsSpan(start, end - start).Sort((x, y) => keys.Span(keyAt[x], keyAt[x + 1] - keyAt[x]).SequenceCompareTo(keys.Span(keyAt[y], keyAt[y + 1] - keyAt[y])));
            start = end;
        }
        return order;
    }

    private int[] SortByComparison(int[] order)
    {
        var names = _names;
        var temp = _nodes;
        Array.Sort(order, (x, y) => CanonicalOrder.Compare(names.Span(temp[x].Offset, temp[x].Length), names.Span(temp[y].Offset, temp[y].Length)));
        return order;
    }

    /// <summary>Records by canonical rank of their owner, then type, then source order (stable).</summary>
    private Span<TempRecord> SortRecords(int[] rank)
    {
        var records = _records.AsSpan(0, _recordCount);
        if (_nodeCount >= 1 << 24 || _recordCount >= 1 << 24)
        {
            records.Sort((a, b) =>
            {
                int c = rank[a.Node].CompareTo(rank[b.Node]);
                if (c == 0) c = a.Type.CompareTo(b.Type);
                return c != 0 ? c : a.Seq.CompareTo(b.Seq);
            });
            return records;
        }
        var keys = new ulong[_recordCount];
        var index = new int[_recordCount];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = ((ulong)rank[records[i].Node] << 40) | ((ulong)records[i].Type << 24) | (uint)records[i].Seq;
            index[i] = i;
        }
        Array.Sort(keys, index);
        var sorted = new TempRecord[_recordCount];
        for (int i = 0; i < index.Length; i++)
            sorted[i] = records[index[i]];
        _records = sorted;
        return sorted;
    }

    private static bool HasType(List<SetEntry> sets, in NodeEntry node, ushort type)
    {
        for (int i = node.FirstSet; i < node.FirstSet + node.SetCount; i++)
        {
            if (sets[i].Type == type)
                return true;
        }
        return false;
    }

    /// <summary>Writes one node's RRsets into the data arena, with the per-name checks. Returns the records kept.</summary>
    private int CompileNode(ReadOnlySpan<byte> name, bool isApex, Span<TempRecord> records, List<SetEntry> sets, Arena data, ref NodeEntry node)
    {
        int kept = 0;
        string? text = null;
        for (int start = 0; start < records.Length;)
        {
            ushort type = records[start].Type;
            int end = start + 1;
            while (end < records.Length && records[end].Type == type)
                end++;
            var group = records[start..end];
            text ??= DnsName.ToText(name);
            CheckSet(name, text, isApex, type, group, records);
            int headerAt = data.Reserve(RecordSet.HeaderSize);
            int count = 0;
            uint ttl = group[0].Ttl;
            bool ttlWarned = false;
            for (int i = 0; i < group.Length; i++)
            {
                var rdata = RDataOf(group[i]);
                // RFC 2181 5: an RRset holds no duplicate records.
                if (IsDuplicate(group, i, rdata))
                {
                    AddWarning(Problem(group[i], $"duplicate record {text} {RecordData.TypeToText(type)} ignored", isError: false));
                    continue;
                }
                if (group[i].Ttl != ttl && !ttlWarned)
                {
                    AddWarning(Problem(group[0], $"{text} {RecordData.TypeToText(type)}: records have different TTLs; using {ttl} (RFC 2181 5.2)", isError: false));
                    ttlWarned = true;
                }
                data.AppendWithLength(rdata);
                count++;
            }
            RecordSet.Encode(data.Writable(headerAt, RecordSet.HeaderSize), type, ttl, count);
            sets.Add(new SetEntry { Offset = headerAt, Type = type });
            node.SetCount++;
            kept += count;
            if (type == (ushort)RecordType.NS && !isApex)
                node.Flags |= NodeFlags.Delegation;
            if (type == (ushort)RecordType.DNAME)
                node.Flags |= NodeFlags.Dname;
            start = end;
        }
        return kept;
    }

    private bool IsDuplicate(Span<TempRecord> group, int i, ReadOnlySpan<byte> rdata)
    {
        // Sets are small; a very large one is checked against a hash of what came before.
        int from = Math.Max(0, i - 256);
        for (int j = from; j < i; j++)
        {
            if (group[j].RDataLength == rdata.Length && RDataOf(group[j]).SequenceEqual(rdata))
                return true;
        }
        return false;
    }

    private void CheckSet(ReadOnlySpan<byte> name, string text, bool isApex, ushort type, Span<TempRecord> group, Span<TempRecord> node)
    {
        if (ZoneRules.SetProblem(name, text, _originText, isApex, type, group.Length, out int record) is { } problem)
            _problems.Add(Problem(group[record], problem));
        if (type != (ushort)RecordType.CNAME)
            return;
        foreach (var r in node)
        {
            if (!ZoneRules.MayStandBesideCname(r.Type))
            {
                _problems.Add(Problem(group[0], ZoneRules.CnameAndOtherData(text, r.Type)));
                break;
            }
        }
    }

    private void CheckGroups(ReadOnlySpan<byte> name, List<RecordSetGroup> groups, List<SetEntry> sets, in NodeEntry node)
    {
        string text = DnsName.ToText(name);
        for (int g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            bool sameType = HasType(sets, node, group.Type);
            for (int h = 0; h < g; h++)
                sameType |= groups[h].Type == group.Type;
            if (sameType)
                _problems.Add(new(_source, 0, $"{text} {RecordData.TypeToText(group.Type)}: a simple record set and routed record sets cannot share a name and type"));
            bool isCname = group.Type == (ushort)RecordType.CNAME;
            bool others = node.SetCount > 0 || groups.Count > 1;
            bool cnameElsewhere = HasType(sets, node, (ushort)RecordType.CNAME) || groups.Exists(x => x != group && x.Type == (ushort)RecordType.CNAME);
            if (isCname ? others : cnameElsewhere)
            {
                _problems.Add(new(_source, 0, $"{text} has a CNAME and other data"));
                return;
            }
        }
    }

    /// <summary>A growable byte buffer; spans into it are valid until the next append.</summary>
    private sealed class Arena(int capacity)
    {
        private byte[] _bytes = new byte[capacity];

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Span(int offset, int length) => _bytes.AsSpan(offset, length);

        public Span<byte> Writable(int offset, int length) => _bytes.AsSpan(offset, length);

        public int Reserve(int length)
        {
            Ensure(length);
            int at = Length;
            Length += length;
            return at;
        }

        public int Append(ReadOnlySpan<byte> bytes)
        {
            int at = Reserve(bytes.Length);
            bytes.CopyTo(_bytes.AsSpan(at));
            return at;
        }

        public void AppendWithLength(ReadOnlySpan<byte> bytes)
        {
            int at = Reserve(2 + bytes.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(_bytes.AsSpan(at), (ushort)bytes.Length);
            bytes.CopyTo(_bytes.AsSpan(at + 2));
        }

        private void Ensure(int extra)
        {
            if (Length + extra <= _bytes.Length)
                return;
            long size = Math.Max((long)_bytes.Length * 2, (long)Length + extra);
            Array.Resize(ref _bytes, (int)Math.Min(size, Array.MaxLength));
        }

        public byte[] ToArray() => _bytes.AsSpan(0, Length).ToArray();
    }
}
