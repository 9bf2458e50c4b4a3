using System.Buffers.Binary;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>
/// RFC 2136 dynamic update against one zone: prerequisites (3.2), permissions (3.3, <see cref="UpdatePolicy"/>),
/// the prescan of the update section (3.4.1) and the update itself (3.4.2) with the apex SOA/NS rules and
/// the CNAME rule, worked out on a copy of the touched RRsets. The result is a list of RRset changes;
/// committing them (and raising the serial) is the store's part.
/// </summary>
public static class DynamicUpdate
{
    private const ResponseCode YXRRSet = (ResponseCode)7;
    private const ResponseCode NXRRSet = (ResponseCode)8;
    private const ResponseCode NotZone = (ResponseCode)10;

    private sealed record Parsed(byte[] Name, ushort Type, ushort Class, uint Ttl, byte[] RData);

    public static UpdatePlan Evaluate(ReadOnlySpan<byte> message, Zone zone, UpdatePolicy policy, in IpPrefix source, TsigKey? key)
    {
        if (!policy.Knows(source, key))
            return new UpdatePlan(ResponseCode.Refused, [], "no update rule for this client");
        if (!TryRead(message, out var prerequisites, out var updates))
            return new UpdatePlan(ResponseCode.FormErr, [], "malformed update");
        var check = CheckPrerequisites(zone, prerequisites);
        if (check != ResponseCode.NoError)
            return new UpdatePlan(check, [], "prerequisite not met");
        foreach (var u in updates)
        {
            // RFC 2136 3.4.1.2: NOTZONE for names outside; FORMERR for a bad class, meta types or TTL/RDATA where none belong.
            if (!DnsName.IsSubdomainOf(u.Name, zone.Origin))
                return new UpdatePlan(NotZone, [], "name outside the zone");
            bool meta = u.Type is (ushort)RecordType.AXFR or (ushort)RecordType.IXFR or 253 or 254 or (ushort)RecordType.OPT or TsigRecord.Type;
            bool ok = u.Class switch
            {
                RecordClass.IN => u.Type != (ushort)RecordType.ANY && !meta,
                RecordClass.Any => u.Ttl == 0 && u.RData.Length == 0 && !meta,
                RecordClass.None => u.Ttl == 0 && u.Type != (ushort)RecordType.ANY && !meta,
                _ => false,
            };
            if (!ok)
                return new UpdatePlan(ResponseCode.FormErr, [], "bad update record");
            if (!policy.Allows(source, key, u.Name, u.Type))
                return new UpdatePlan(ResponseCode.Refused, [], $"{DnsName.ToText(u.Name)} {RecordData.TypeToText(u.Type)} is outside the update policy");
        }
        var work = new WorkingZone(zone);
        foreach (var u in updates)
            work.Apply(u);
        return new UpdatePlan(ResponseCode.NoError, work.Changes());
    }

    private static bool TryRead(ReadOnlySpan<byte> message, out List<Parsed> prerequisites, out List<Parsed> updates)
    {
        (prerequisites, updates) = ([], []);
        var reader = new DnsMessageReader(message) { AllowEmptyRData = true };
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Span<byte> rdata = stackalloc byte[ushort.MaxValue];
        if (!reader.TryReadHeader(out var header) || header.QuestionCount != 1 || !reader.TryReadQuestion(name, out _))
            return false;
        for (int i = 0; i < header.AnswerCount + header.AuthorityCount; i++)
        {
            if (!reader.TryReadRecord(name, out var r))
                return false;
            var owner = new byte[r.NameLength];
            DnsName.ToLower(name[..r.NameLength], owner);
            byte[] data = [];
            if (r.RDataLength > 0)
            {
                int length = RecordData.CopyUncompressed(r.Type, message, r.RDataOffset, r.RDataLength, rdata);
                if (length < 0)
                    return false;
                data = rdata[..length].ToArray();
            }
            (i < header.AnswerCount ? prerequisites : updates).Add(new Parsed(owner, r.Type, r.Class, r.Ttl, data));
        }
        return true;
    }

    /// <summary>RFC 2136 3.2: every prerequisite against the zone as it is, before any update.</summary>
    private static ResponseCode CheckPrerequisites(Zone zone, List<Parsed> prerequisites)
    {
        var valueDependent = new Dictionary<(string, ushort), List<byte[]>>();
        foreach (var p in prerequisites)
        {
            if (p.Ttl != 0)
                return ResponseCode.FormErr;
            if (!DnsName.IsSubdomainOf(p.Name, zone.Origin))
                return NotZone;
            var node = zone.Find(p.Name);
            bool inUse = node is { SetCount: > 0 } || node is { IsEmptyNonTerminal: false } n2 && n2.Groups.Length > 0;
            switch (p.Class)
            {
                case RecordClass.Any when p.RData.Length != 0:
                    return ResponseCode.FormErr;
                case RecordClass.Any when p.Type == (ushort)RecordType.ANY:
                    if (!inUse) return ResponseCode.NXDomain;
                    break;
                case RecordClass.Any:
                    if (node?.Find(p.Type) is null) return NXRRSet;
                    break;
                case RecordClass.None when p.RData.Length != 0:
                    return ResponseCode.FormErr;
                case RecordClass.None when p.Type == (ushort)RecordType.ANY:
                    if (inUse) return ResponseCode.YXDomain;
                    break;
                case RecordClass.None:
                    if (node?.Find(p.Type) is not null) return YXRRSet;
                    break;
                case RecordClass.IN:
                    var key = (Convert.ToHexString(p.Name), p.Type);
                    if (!valueDependent.TryGetValue(key, out var list))
                        valueDependent[key] = list = [];
                    list.Add(p.RData);
                    break;
                default:
                    return ResponseCode.FormErr;
            }
        }
        // RFC 2136 3.2.3: the RRset must equal the prerequisite's records exactly (order aside).
        foreach (var ((owner, type), wanted) in valueDependent)
        {
            var set = zone.Find(Convert.FromHexString(owner))?.Find(type);
            if (set is not { } s || s.Count != wanted.Count)
                return NXRRSet;
            for (int i = 0; i < s.Count; i++)
            {
                var record = s.RData[i].ToArray();
                if (!wanted.Any(w => w.AsSpan().SequenceEqual(record)))
                    return NXRRSet;
            }
        }
        return ResponseCode.NoError;
    }

    /// <summary>The touched RRsets of a zone, copied so the update section can be applied in order (RFC 2136 3.4.2).</summary>
    private sealed class WorkingZone(Zone zone)
    {
        private sealed class SetState
        {
            public required byte[] Owner;
            public required ushort Type;
            public uint Ttl;
            public required List<byte[]> RData;
            public uint OldTtl;
            public required byte[][] OldRData;
        }

        private readonly Dictionary<(string, ushort), SetState> _sets = [];

        private SetState Get(byte[] owner, ushort type)
        {
            var key = (Convert.ToHexString(owner), type);
            if (_sets.TryGetValue(key, out var state))
                return state;
            var existing = zone.Find(owner)?.Find(type);
            var old = existing is { } e ? Enumerable.Range(0, e.Count).Select(i => e.RData[i].ToArray()).ToArray() : [];
            uint ttl = existing?.Ttl ?? 0;
            return _sets[key] = new SetState { Owner = owner, Type = type, Ttl = ttl, OldTtl = ttl, RData = [.. old], OldRData = old };
        }

        /// <summary>Types with records at a name, as the updates so far leave it.</summary>
        private HashSet<ushort> TypesAt(byte[] owner)
        {
            var types = new HashSet<ushort>();
            if (zone.Find(owner) is { } node)
            {
                foreach (var set in node.Sets)
                    types.Add(set.Type);
            }
            var hex = Convert.ToHexString(owner);
            foreach (var ((o, type), state) in _sets)
            {
                if (o != hex)
                    continue;
                if (state.RData.Count > 0)
                    types.Add(type);
                else
                    types.Remove(type);
            }
            return types;
        }

        public void Apply(Parsed u)
        {
            bool apex = u.Name.AsSpan().SequenceEqual(zone.Origin);
            switch (u.Class)
            {
                case RecordClass.IN:
                    Add(u, apex);
                    break;
                case RecordClass.Any when u.Type == (ushort)RecordType.ANY:
                    // RFC 2136 3.4.2.3: every RRset at the name, but the apex keeps its SOA and NS.
                    foreach (var type in TypesAt(u.Name))
                    {
                        if (!apex || type is not ((ushort)RecordType.SOA or (ushort)RecordType.NS))
                            Get(u.Name, type).RData.Clear();
                    }
                    break;
                case RecordClass.Any:
                    if (!apex || u.Type is not ((ushort)RecordType.SOA or (ushort)RecordType.NS))
                        Get(u.Name, u.Type).RData.Clear();
                    break;
                case RecordClass.None:
                    // RFC 2136 3.4.2.4: the SOA is never deleted, nor the apex's last NS.
                    if (apex && u.Type == (ushort)RecordType.SOA)
                        break;
                    var set = Get(u.Name, u.Type);
                    int index = set.RData.FindIndex(r => r.AsSpan().SequenceEqual(u.RData));
                    if (index >= 0 && !(apex && u.Type == (ushort)RecordType.NS && set.RData.Count == 1))
                        set.RData.RemoveAt(index);
                    break;
            }
        }

        private void Add(Parsed u, bool apex)
        {
            if (u.Type == (ushort)RecordType.SOA)
            {
                // RFC 2136 3.4.2.2: an SOA only at the apex, and only with a greater serial.
                if (!apex || u.RData.Length < 20)
                    return;
                var soa = Get(u.Name, u.Type);
                uint current = BinaryPrimitives.ReadUInt32BigEndian(soa.RData[0].AsSpan(soa.RData[0].Length - 20));
                if (SerialNumber.IsGreater(BinaryPrimitives.ReadUInt32BigEndian(u.RData.AsSpan(u.RData.Length - 20)), current))
                {
                    soa.RData.Clear();
                    soa.RData.Add(u.RData);
                    soa.Ttl = u.Ttl;
                }
                return;
            }
            var types = TypesAt(u.Name);
            // RFC 2136 3.4.2.2: a CNAME does not join other data, nor other data a CNAME (RFC 1034 3.6.2).
            if (u.Type == (ushort)RecordType.CNAME ? types.Any(t => t != (ushort)RecordType.CNAME) : types.Contains((ushort)RecordType.CNAME))
                return;
            var set = Get(u.Name, u.Type);
            if (u.Type == (ushort)RecordType.CNAME)
                set.RData.Clear();
            if (!set.RData.Any(r => r.AsSpan().SequenceEqual(u.RData)))
                set.RData.Add(u.RData);
            // RFC 2181 5.2: one TTL per RRset; the newest wins, as BIND and Knot do.
            set.Ttl = u.Ttl;
        }

        public List<RRsetChange> Changes() => _sets.Values
            .Where(s => s.Ttl != s.OldTtl && s.RData.Count > 0 || s.RData.Count != s.OldRData.Length || s.RData.Any(r => !s.OldRData.Any(o => o.AsSpan().SequenceEqual(r))))
            .Select(s => new RRsetChange(s.Owner, s.Type, s.Ttl, s.RData.ToArray(), s.OldTtl, s.OldRData))
            .ToList();
    }
}
