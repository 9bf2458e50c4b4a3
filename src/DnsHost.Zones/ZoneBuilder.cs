using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>
/// Compiles records into a <see cref="Zone"/>, refusing what a zone must not contain
/// (the checks Knot DNS and NSD make mandatory) and warning about what it should not.
/// </summary>
public static class ZoneBuilder
{
    public static Zone Build(ReadOnlySpan<byte> originName, IEnumerable<ZoneRecord> input, string source, List<ZoneProblem>? warnings = null, IReadOnlyList<RecordSetGroup>? groups = null, HostedZoneInfo? hostedZone = null)
    {
        var origin = new byte[originName.Length];
        DnsName.ToLower(originName, origin);
        var problems = new List<ZoneProblem>();
        warnings ??= [];
        string originText = DnsName.ToText(origin);

        var kept = new List<ZoneRecord>();
        // Grouped by lower-cased owner, then by type, keeping source order.
        var byOwner = new Dictionary<byte[], Dictionary<ushort, List<ZoneRecord>>>(WireNameComparer.Instance);
        var ownerOrder = new List<byte[]>();
        foreach (var record in input)
        {
            var owner = new byte[record.Owner.Length];
            DnsName.ToLower(record.Owner, owner);
            if (record.Class != RecordClass.IN)
            {
                problems.Add(new(source, record.Line, $"{DnsName.ToText(record.Owner)}: class {RecordData.ClassToText(record.Class)} is not supported; only IN"));
                continue;
            }
            if (!DnsName.IsSubdomainOf(owner, origin))
            {
                warnings.Add(new(source, record.Line, $"{DnsName.ToText(record.Owner)} is outside the zone {originText}; ignored", IsError: false));
                continue;
            }
            if (!byOwner.TryGetValue(owner, out var types))
            {
                byOwner[owner] = types = [];
                ownerOrder.Add(owner);
            }
            if (!types.TryGetValue(record.Type, out var list))
                types[record.Type] = list = [];
            // RFC 2181 5: an RRset holds no duplicate records.
            if (list.Exists(r => r.RData.AsSpan().SequenceEqual(record.RData)))
            {
                warnings.Add(new(source, record.Line, $"duplicate record {DnsName.ToText(record.Owner)} {RecordData.TypeToText(record.Type)} ignored", IsError: false));
                continue;
            }
            list.Add(record);
            kept.Add(record);
        }

        if (!byOwner.TryGetValue(origin, out var apexTypes) || !apexTypes.TryGetValue((ushort)RecordType.SOA, out var soas))
            problems.Add(new(source, 0, $"no SOA record at the zone apex {originText}"));
        else if (soas.Count > 1)
            problems.Add(new(source, soas[1].Line, $"more than one SOA record at {originText}"));
        if (apexTypes is null || !apexTypes.ContainsKey((ushort)RecordType.NS))
            problems.Add(new(source, 0, $"no NS records at the zone apex {originText}"));

        var nodes = new Dictionary<byte[], ZoneNode>(WireNameComparer.Instance);
        foreach (var owner in ownerOrder)
        {
            var types = byOwner[owner];
            string ownerText = DnsName.ToText(owner);
            if (types.TryGetValue((ushort)RecordType.CNAME, out var cnames))
            {
                if (cnames.Count > 1)
                    problems.Add(new(source, cnames[1].Line, $"{ownerText} has more than one CNAME record"));
                // RFC 1034 3.6.2 / RFC 2181 10.1: a CNAME stands alone (DNSSEC types aside).
                foreach (var (type, records) in types)
                {
                    if (type is not ((ushort)RecordType.CNAME or (ushort)RecordType.RRSIG or (ushort)RecordType.NSEC))
                    {
                        problems.Add(new(source, cnames[0].Line, $"{ownerText} has a CNAME and other data ({RecordData.TypeToText(type)})"));
                        break;
                    }
                }
            }
            if (types.ContainsKey((ushort)RecordType.SOA) && !owner.AsSpan().SequenceEqual(origin))
                problems.Add(new(source, types[(ushort)RecordType.SOA][0].Line, $"SOA record at {ownerText}, which is not the zone apex {originText}"));

            var sets = new List<RecordSet>(types.Count);
            foreach (var (type, records) in types.OrderBy(t => t.Key))
            {
                uint ttl = records[0].Ttl;
                if (records.Exists(r => r.Ttl != ttl))
                    warnings.Add(new(source, records[0].Line, $"{ownerText} {RecordData.TypeToText(type)}: records have different TTLs; using {ttl} (RFC 2181 5.2)", IsError: false));
                sets.Add(new RecordSet(owner, type, ttl, records.Select(r => r.RData).ToArray()));
            }
            var node = GetOrAdd(nodes, owner);
            node.Sets = sets.ToArray();
            node.IsDelegation = types.ContainsKey((ushort)RecordType.NS) && !owner.AsSpan().SequenceEqual(origin);
            if (DnsName.IsWildcard(owner) && node.IsDelegation)
                problems.Add(new(source, types[(ushort)RecordType.NS][0].Line, $"{ownerText}: NS records on a wildcard name are not allowed (RFC 4592 4.2)"));

            AddAncestors(nodes, owner, origin);
        }

        foreach (var group in groups ?? [])
        {
            var node = GetOrAdd(nodes, group.Owner);
            string ownerText = DnsName.ToText(group.Owner);
            if (node.Find(group.Type) is not null || node.FindGroup(group.Type) is not null)
                problems.Add(new(source, 0, $"{ownerText} {RecordData.TypeToText(group.Type)}: a simple record set and routed record sets cannot share a name and type"));
            bool isCname = group.Type == (ushort)RecordType.CNAME;
            if (isCname ? node.Sets.Length + node.Groups.Length > 0 : node.Cname is not null || node.CnameGroup is not null)
                problems.Add(new(source, 0, $"{ownerText} has a CNAME and other data"));
            node.Groups = [.. node.Groups, group];
            AddAncestors(nodes, group.Owner, origin);
        }

        if (problems.Count > 0)
            throw new ZoneLoadException(problems);
        return new Zone(origin, nodes, kept, source, hostedZone) { HasGroups = groups is { Count: > 0 } };
    }

    /// <summary>Every name between the owner and the apex exists, as an empty non-terminal if nothing else.</summary>
    private static void AddAncestors(Dictionary<byte[], ZoneNode> nodes, byte[] owner, byte[] origin)
    {
        ReadOnlySpan<byte> child = owner;
        while (child.Length > origin.Length)
        {
            var parentName = DnsName.Parent(child);
            var parent = GetOrAdd(nodes, parentName.ToArray());
            if (DnsName.IsWildcard(child))
                parent.Wildcard = nodes[child.ToArray()];
            child = parentName;
        }
    }

    private static ZoneNode GetOrAdd(Dictionary<byte[], ZoneNode> nodes, byte[] name)
    {
        if (!nodes.TryGetValue(name, out var node))
            nodes[name] = node = new ZoneNode(name);
        return node;
    }
}
