using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// Applies the difference sequences of an IXFR (RFC 1995 4) to the zone served, as a diff of the touched RRsets
/// (<see cref="Zone.Apply"/>): a deletion of a record the zone does not hold, a sequence that does not start at our
/// serial, or a result that breaks a zone rule fails, and the caller asks for the whole zone instead (as Knot does).
/// </summary>
public static class IxfrApplier
{
    private sealed class WorkingSet(byte[] owner, ushort type, uint ttl, List<byte[]> rdata)
    {
        public byte[] Owner { get; } = owner;
        public ushort Type { get; } = type;
        public uint Ttl { get; set; } = ttl;
        public List<byte[]> RData { get; } = rdata;
    }

    public static Zone Apply(Zone current, IReadOnlyList<IxfrStep> steps, ZoneRecord finalSoa)
    {
        uint first = ZoneDelta.SerialOf(steps[0].FromSoa.RData);
        if (first != current.Serial)
            throw new TransferFailedException($"the IXFR starts at serial {first}, we serve {current.Serial}", tryAxfr: true);
        var sets = new Dictionary<string, WorkingSet>(StringComparer.Ordinal);
        uint expected = current.Serial;
        foreach (var step in steps)
        {
            if (ZoneDelta.SerialOf(step.FromSoa.RData) != expected)
                throw new TransferFailedException($"IXFR steps do not follow each other at serial {expected}", tryAxfr: true);
            expected = ZoneDelta.SerialOf(step.ToSoa.RData);
            foreach (var r in step.Removed)
            {
                var set = Working(current, sets, r);
                int index = set.RData.FindIndex(d => d.AsSpan().SequenceEqual(r.RData));
                if (index < 0)
                    throw new TransferFailedException($"the IXFR deletes {DnsName.ToText(r.Owner)} {RecordData.TypeToText(r.Type)} {RecordData.ToText(r.Type, r.RData)}, which the zone does not hold", tryAxfr: true);
                set.RData.RemoveAt(index);
            }
            foreach (var r in step.Added)
            {
                var set = Working(current, sets, r);
                // RFC 2181 5.2: one TTL per RRset; the one added last sets it.
                set.Ttl = r.Ttl;
                if (!set.RData.Any(d => d.AsSpan().SequenceEqual(r.RData)))
                    set.RData.Add(r.RData);
            }
        }
        if (expected != ZoneDelta.SerialOf(finalSoa.RData))
            throw new TransferFailedException($"the IXFR ends at serial {expected}, not at {ZoneDelta.SerialOf(finalSoa.RData)}", tryAxfr: true);
        var changes = new ZoneChanges();
        foreach (var set in sets.Values)
            changes.Replace(set.Owner, set.Type, set.Ttl, set.RData.ToArray());
        changes.Replace(current.Origin, (ushort)RecordType.SOA, finalSoa.Ttl, [finalSoa.RData]);
        try
        {
            return current.Apply(changes, current.HostedZone);
        }
        catch (ZoneLoadException e)
        {
            throw new TransferFailedException($"the IXFR leaves a zone that breaks a rule: {e.Message}", tryAxfr: true);
        }
    }

    private static WorkingSet Working(Zone zone, Dictionary<string, WorkingSet> sets, ZoneRecord r)
    {
        if (r.Type == (ushort)RecordType.SOA)
            throw new TransferFailedException("an IXFR step changes an SOA record other than its delimiters", tryAxfr: true);
        var owner = new byte[r.Owner.Length];
        DnsName.ToLower(r.Owner, owner);
        string key = Convert.ToHexString(owner) + "/" + r.Type;
        if (sets.TryGetValue(key, out var set))
            return set;
        var rdata = new List<byte[]>();
        uint ttl = r.Ttl;
        if (zone.Find(owner)?.Find(r.Type) is { } existing)
        {
            ttl = existing.Ttl;
            for (int i = 0; i < existing.Count; i++)
                rdata.Add(existing.RData[i].ToArray());
        }
        return sets[key] = new WorkingSet(owner, r.Type, ttl, rdata);
    }
}
