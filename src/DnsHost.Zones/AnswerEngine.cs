using System.Runtime.CompilerServices;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>What the engine did; the caller turns it into header flags.</summary>
public readonly record struct AnswerResult(ResponseCode ResponseCode, bool Authoritative, bool Truncated);

/// <summary>How to answer QTYPE=ANY (RFC 8482).</summary>
public enum AnyQueryMode : byte
{
    /// <summary>One RRset from the node (RFC 8482 4.1), the usual answer over UDP.</summary>
    Minimal,
    /// <summary>Every RRset at the node, as over TCP where size is no amplification risk.</summary>
    Full,
}

/// <summary>
/// The authoritative answer algorithm of RFC 1034 4.3.2 over a compiled <see cref="Zone"/>:
/// delegations, exact matches, CNAME chains inside the zone, wildcards (RFC 4592) and negative
/// answers (RFC 2308). Writes straight into the response and allocates nothing.
/// </summary>
public static class AnswerEngine
{
    private const int MaxChain = 16;

    private enum Match : byte { Exact, Wildcard, Delegation, NxDomain }

    [InlineArray(MaxChain)]
    private struct VisitedNodes
    {
        private ZoneNode? _element0;
    }

    /// <param name="qnameLower">The question name, lower-cased, inside <paramref name="zone"/>.</param>
    /// <param name="qnameAsAsked">The same name in the client's case, used as the first owner name.</param>
    public static AnswerResult Answer(Zone zone, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ushort qtype, AnyQueryMode anyMode, ref DnsMessageWriter writer)
    {
        var client = new QueryClient(RoutingEnvironment.Default, default);
        return Answer(zone, qnameLower, qnameAsAsked, qtype, anyMode, ref writer, ref client);
    }

    /// <param name="client">Who asked: routed record sets (Route 53 policies) choose their answer by it.</param>
    /// <param name="trace">Collects the reasons for routing decisions (explain); null on the query path.</param>
    public static AnswerResult Answer(Zone zone, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ushort qtype, AnyQueryMode anyMode, ref DnsMessageWriter writer, ref QueryClient client, RoutingTrace? trace = null)
    {
        var start = writer.Mark();
        ReadOnlySpan<byte> name = qnameLower;
        ReadOnlySpan<byte> owner = qnameAsAsked;
        bool authoritative = true;
        var visited = new VisitedNodes();
        int chain = 0;

        while (true)
        {
            var match = Locate(zone, name, qtype, out var node);
            switch (match)
            {
                case Match.Delegation:
                    // RFC 1034 4.3.2 3b: a referral is not authoritative, unless an answer already is.
                    if (chain == 0)
                        authoritative = false;
                    var ns = node.Find((ushort)RecordType.NS)!;
                    if (!TryWriteSet(ref writer, DnsSection.Authority, ns.Owner, ns))
                        return Truncated(ref writer, start);
                    WriteAdditional(zone, ns, ref writer);
                    return new(ResponseCode.NoError, authoritative, false);

                case Match.NxDomain:
                    if (!TryWriteNegative(zone, ref writer))
                        return Truncated(ref writer, start);
                    // RFC 6604 3: after a CNAME the RCODE describes the last name in the chain.
                    return new(ResponseCode.NXDomain, authoritative, false);
            }

            var cname = node.Cname;
            if (cname is null && qtype != (ushort)RecordType.CNAME && node.CnameGroup is { } cnameGroup)
            {
                // A routed or alias CNAME: this client's choice stands in for the CNAME record.
                var picked = new ChosenSets();
                var outcome = RoutingSelector.Select(zone, cnameGroup, ref client, ref picked, out int pickedCount, trace);
                if (outcome == SelectionOutcome.Fail)
                    return Failed(ref writer, start);
                if (outcome == SelectionOutcome.NoData || pickedCount == 0)
                    return TryWriteNegative(zone, ref writer) ? new(ResponseCode.NoError, authoritative, false) : Truncated(ref writer, start);
                cname = picked[0];
            }
            if (cname is not null && qtype != (ushort)RecordType.CNAME)
            {
                if (!TryWriteSet(ref writer, DnsSection.Answer, owner, cname))
                    return Truncated(ref writer, start);
                visited[chain++] = node;
                var target = cname.LowerTarget!;
                // Follow only inside this zone, and stop at loops and at the chain limit.
                if (qtype == (ushort)RecordType.ANY || chain >= MaxChain || !DnsName.IsSubdomainOf(target, zone.Origin) || Contains(visited, chain, Lookup(zone, target, qtype)))
                    return new(ResponseCode.NoError, authoritative, false);
                name = target;
                owner = cname.RData[0];
                continue;
            }

            if (qtype == (ushort)RecordType.ANY && node.Sets.Length == 0 && node.Groups.Length > 0)
            {
                // RFC 8482 4.1: one RRset; here the first routed type, chosen for this client.
                return WriteRouted(zone, node.Groups[0], owner, authoritative, ref writer, ref client, trace, start);
            }

            if (qtype == (ushort)RecordType.ANY && node.Sets.Length > 0)
            {
                foreach (var set in node.Sets)
                {
                    if (!TryWriteSet(ref writer, DnsSection.Answer, owner, set))
                        return Truncated(ref writer, start);
                    if (anyMode == AnyQueryMode.Minimal)
                        break;
                }
                foreach (var set in node.Sets)
                {
                    WriteAdditional(zone, set, ref writer);
                    if (anyMode == AnyQueryMode.Minimal)
                        break;
                }
                return new(ResponseCode.NoError, authoritative, false);
            }

            var answer = node.Find(qtype);
            if (answer is null && node.Groups.Length > 0 && node.FindGroup(qtype) is { } group)
                return WriteRouted(zone, group, owner, authoritative, ref writer, ref client, trace, start);
            if (answer is null)
            {
                // NODATA (RFC 2308 2.2): the name exists, the type does not.
                if (!TryWriteNegative(zone, ref writer))
                    return Truncated(ref writer, start);
                return new(ResponseCode.NoError, authoritative, false);
            }
            if (!TryWriteSet(ref writer, DnsSection.Answer, owner, answer))
                return Truncated(ref writer, start);
            WriteAdditional(zone, answer, ref writer);
            return new(ResponseCode.NoError, authoritative, false);
        }
    }

    /// <summary>Chooses among routed record sets for this client and writes the choice under <paramref name="owner"/>.</summary>
    private static AnswerResult WriteRouted(Zone zone, RecordSetGroup group, scoped ReadOnlySpan<byte> owner, bool authoritative, ref DnsMessageWriter writer, ref QueryClient client, RoutingTrace? trace, WriterMark start)
    {
        var chosen = new ChosenSets();
        var outcome = RoutingSelector.Select(zone, group, ref client, ref chosen, out int count, trace);
        if (outcome == SelectionOutcome.Fail)
            return Failed(ref writer, start);
        if (outcome == SelectionOutcome.NoData || count == 0)
        {
            // Route 53 4.4: no matching location and no default is NOERROR with no answer (NODATA).
            if (!TryWriteNegative(zone, ref writer))
                return Truncated(ref writer, start);
            return new(ResponseCode.NoError, authoritative, false);
        }
        for (int i = 0; i < count; i++)
        {
            // An alias answers with the target's records and TTL under the alias's own name.
            if (!TryWriteSet(ref writer, DnsSection.Answer, owner, chosen[i]!))
                return Truncated(ref writer, start);
        }
        for (int i = 0; i < count; i++)
            WriteAdditional(zone, chosen[i]!, ref writer);
        return new(ResponseCode.NoError, authoritative, false);
    }

    private static AnswerResult Failed(ref DnsMessageWriter writer, WriterMark start)
    {
        writer.Rewind(start);
        return new(ResponseCode.ServFail, false, false);
    }

    /// <summary>
    /// Walks down from the apex one label at a time (RFC 1034 4.3.2 step 3): a delegation on the way
    /// wins, except that the parent side answers DS at the cut itself (RFC 4035 3.1.4.1).
    /// </summary>
    private static Match Locate(Zone zone, ReadOnlySpan<byte> name, ushort qtype, out ZoneNode node)
    {
        Span<int> labelStarts = stackalloc int[128];
        int labels = 0, pos = 0;
        while (name[pos] != 0)
        {
            labelStarts[labels++] = pos;
            pos += name[pos] + 1;
        }
        var current = zone.Apex;
        for (int k = zone.OriginLabelCount + 1; k <= labels; k++)
        {
            var candidate = zone.Find(name[labelStarts[labels - k]..]);
            if (candidate is null)
            {
                // RFC 4592 2.2.1: only the closest encloser's own "*" child can synthesise; an empty
                // non-terminal closest encloser blocks wildcards higher up.
                if (current.Wildcard is { } wildcard)
                {
                    node = wildcard;
                    return Match.Wildcard;
                }
                node = current;
                return Match.NxDomain;
            }
            if (candidate.IsDelegation && !(k == labels && qtype == (ushort)RecordType.DS))
            {
                node = candidate;
                return Match.Delegation;
            }
            current = candidate;
        }
        node = current;
        return Match.Exact;
    }

    private static ZoneNode? Lookup(Zone zone, ReadOnlySpan<byte> name, ushort qtype)
    {
        var match = Locate(zone, name, qtype, out var node);
        return match is Match.Exact or Match.Wildcard ? node : null;
    }

    private static bool Contains(in VisitedNodes visited, int count, ZoneNode? node)
    {
        if (node is null)
            return false;
        for (int i = 0; i < count; i++)
        {
            if (ReferenceEquals(visited[i], node))
                return true;
        }
        return false;
    }

    private static bool TryWriteSet(ref DnsMessageWriter writer, DnsSection section, scoped ReadOnlySpan<byte> owner, RecordSet set)
    {
        foreach (var rdata in set.RData)
        {
            if (!writer.TryWriteRecord(section, owner, set.Type, RecordClass.IN, set.Ttl, rdata))
                return false;
        }
        return true;
    }

    /// <summary>RFC 2308 3: the SOA goes in the authority section with the negative-caching TTL.</summary>
    private static bool TryWriteNegative(Zone zone, ref DnsMessageWriter writer) =>
        writer.TryWriteRecord(DnsSection.Authority, zone.Soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, zone.NegativeTtl, zone.Soa.RData[0]);

    /// <summary>
    /// Additional section processing (RFC 1034 4.3.2 step 6): addresses of NS, MX and SRV targets held
    /// in this zone, glue included. What does not fit is left out without setting TC.
    /// </summary>
    private static void WriteAdditional(Zone zone, RecordSet set, ref DnsMessageWriter writer)
    {
        foreach (var target in set.AdditionalTargets)
        {
            var node = zone.Find(target);
            if (node is null)
                continue;
            var mark = writer.Mark();
            var a = node.Find((ushort)RecordType.A);
            var aaaa = node.Find((ushort)RecordType.AAAA);
            if ((a is not null && !TryWriteSet(ref writer, DnsSection.Additional, a.Owner, a))
                || (aaaa is not null && !TryWriteSet(ref writer, DnsSection.Additional, aaaa.Owner, aaaa)))
            {
                // Whole RRsets or nothing (RFC 2181 9).
                writer.Rewind(mark);
                return;
            }
        }
    }

    private static AnswerResult Truncated(ref DnsMessageWriter writer, WriterMark start)
    {
        writer.Rewind(start);
        return new(ResponseCode.NoError, true, true);
    }
}
