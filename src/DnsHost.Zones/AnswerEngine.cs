using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>
/// The authoritative answer algorithm of RFC 1034 4.3.2 over a compiled <see cref="Zone"/>, as three
/// stages over one <see cref="AnswerContext"/>, in this order:
/// <list type="number">
/// <item><see cref="AnswerStage"/>: find the name (delegations, DNAME, exact, wildcard), follow CNAME and
///   DNAME chains inside the zone (RFC 6672), choose routed sets for the client, write the answer section;</item>
/// <item><see cref="AuthorityStage"/>: the SOA of a negative answer (RFC 2308 3) or the NS set of a referral;</item>
/// <item><see cref="AdditionalStage"/>: addresses of NS, MX, SRV and SVCB targets held in the zone.</item>
/// </list>
/// A new section step (DNSSEC records, say) is one more stage here. Writes straight into the response
/// and allocates nothing.
/// </summary>
public static class AnswerEngine
{
    private enum Match : byte { Exact, Wildcard, Delegation, Dname, NxDomain }

    /// <param name="qnameLower">The question name, lower-cased, inside <paramref name="zone"/>.</param>
    /// <param name="qnameAsAsked">The same name in the client's case, used as the first owner name.</param>
    public static AnswerResult Answer(Zone zone, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ushort qtype, ref DnsMessageWriter writer)
    {
        var client = new QueryClient(RoutingEnvironment.Default, default);
        return Answer(zone, qnameLower, qnameAsAsked, qtype, ref writer, ref client);
    }

    /// <param name="client">Who asked: routed record sets (Route 53 policies) choose their answer by it.</param>
    /// <param name="trace">Collects the reasons for routing decisions (explain); null on the query path.</param>
    public static AnswerResult Answer(Zone zone, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ushort qtype, ref DnsMessageWriter writer, ref QueryClient client, RoutingTrace? trace = null)
    {
        var context = new AnswerContext(zone, qtype, trace, writer.Mark());
        var state = AnswerStage(ref context, qnameLower, qnameAsAsked, ref writer, ref client);
        if (state == AnswerState.ServFail)
        {
            writer.Rewind(context.Start);
            return new(ResponseCode.ServFail, false, false, state);
        }
        if (context.Truncated || !AuthorityStage(ref context, state, ref writer))
        {
            writer.Rewind(context.Start);
            return new(ResponseCode.NoError, true, true, state);
        }
        bool complete = AdditionalStage(ref context, ref writer);
        var rcode = state switch
        {
            // RFC 6604 3: after a CNAME the RCODE describes the last name in the chain.
            AnswerState.NxDomain => ResponseCode.NXDomain,
            AnswerState.YxDomain => ResponseCode.YXDomain,
            _ => ResponseCode.NoError,
        };
        // A referral whose in-domain glue did not all fit keeps what did and says TC, as Knot does.
        return new(rcode, context.Authoritative, !complete, state);
    }

    /// <summary>Stage 1: the answer section, following CNAME and DNAME links inside the zone.</summary>
    private static AnswerState AnswerStage(ref AnswerContext context, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ref DnsMessageWriter writer, ref QueryClient client) =>
        Walk(ref context, qnameLower, qnameAsAsked, ref writer, ref client, default);

    /// <summary>
    /// The answer stage once a CNAME or DNAME is met: the same walk with stack buffers for the names the
    /// chain makes (most answers have no chain, and do without them).
    /// </summary>
    private static AnswerState WalkChain(ref AnswerContext context, scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> owner, ref DnsMessageWriter writer, ref QueryClient client)
    {
        // DNAME substitutions and lower-cased targets, alternating between two halves as the chain goes on.
        Span<byte> buffers = stackalloc byte[4 * (DnsName.MaxLength + 1)];
        return Walk(ref context, name, owner, ref writer, ref client, buffers);
    }

    private static AnswerState Walk(ref AnswerContext context, scoped ReadOnlySpan<byte> qnameLower, scoped ReadOnlySpan<byte> qnameAsAsked, ref DnsMessageWriter writer, ref QueryClient client, scoped Span<byte> buffers)
    {
        var zone = context.Zone;
        var synthesised = buffers.IsEmpty ? default : buffers[..(2 * (DnsName.MaxLength + 1))];
        var lowered = buffers.IsEmpty ? default : buffers[(2 * (DnsName.MaxLength + 1))..];
        ReadOnlySpan<byte> name = qnameLower;
        ReadOnlySpan<byte> owner = qnameAsAsked;
        // The first name is looked up here; each next link of a chain by Continue.
        var match = Locate(zone, name, context.QueryType, out var node);
        while (true)
        {
            switch (match)
            {
                case Match.Delegation:
                    // RFC 1034 4.3.2 3b: a referral is not authoritative, unless an answer already is.
                    if (context.Chain == 0)
                        context.Authoritative = false;
                    context.Referral = node.Find((ushort)RecordType.NS)!.Value;
                    return AnswerState.Delegation;
                case Match.NxDomain:
                    return AnswerState.NxDomain;
                case Match.Dname:
                {
                    if (buffers.IsEmpty)
                        return WalkChain(ref context, name, owner, ref writer, ref client);
                    int half = (context.Chain & 1) * (DnsName.MaxLength + 1);
                    var target = synthesised.Slice(half, DnsName.MaxLength + 1);
                    var state = WriteDname(ref context, node, owner, ref writer, target, out int length);
                    if (state != AnswerState.DnameChain)
                        return state;
                    owner = target[..length];
                    var lower = lowered.Slice(half, length);
                    DnsName.ToLower(owner, lower);
                    if (!Continue(ref context, lower, -1, default, out match, out node))
                        return AnswerState.DnameChain;
                    name = lower;
                    continue;
                }
            }
            bool wildcard = match == Match.Wildcard;
            context.Wildcard |= wildcard && context.Chain == 0;
            if (buffers.IsEmpty && context.QueryType != (ushort)RecordType.CNAME && (node.Cname is not null || node.CnameGroup is not null))
                return WalkChain(ref context, name, owner, ref writer, ref client);
            if (context.QueryType != (ushort)RecordType.CNAME && TryCname(ref context, node, owner, ref writer, ref client, out var cname, out var failed))
            {
                if (failed != AnswerState.Answer)
                    return failed;
                var target = cname.Target;
                int half = (context.Chain & 1) * (DnsName.MaxLength + 1);
                var lower = lowered.Slice(half, target.Length);
                DnsName.ToLower(target, lower);
                if (context.QueryType == (ushort)RecordType.ANY || !Continue(ref context, lower, node.Index, wildcard ? name : default, out match, out node))
                    return context.Dname ? AnswerState.DnameChain : AnswerState.CnameChain;
                name = lower;
                owner = target;
                continue;
            }
            return WriteData(ref context, node, owner, ref writer, ref client);
        }
    }

    /// <summary>
    /// Whether a chain goes on to <paramref name="target"/>: inside this zone, not too long, and not back
    /// to a node already on it (a loop is written once round, then stops). When it does, <paramref name="next"/>
    /// and <paramref name="nextNode"/> are where the target leads, so the walk does not look it up again.
    /// </summary>
    private static bool Continue(ref AnswerContext context, scoped ReadOnlySpan<byte> target, int node, scoped ReadOnlySpan<byte> wildcardName, out Match next, out ZoneNode nextNode)
    {
        if (node >= 0)
            context.Remember(AnswerContext.KeyOf(node, wildcardName));
        context.Chain++;
        if (context.Chain >= AnswerContext.MaxChain || !DnsName.IsSubdomainOf(target, context.Zone.Origin))
        {
            (next, nextNode) = (default, default);
            return false;
        }
        next = Locate(context.Zone, target, context.QueryType, out nextNode);
        return next is not (Match.Exact or Match.Wildcard) || !context.Seen(AnswerContext.KeyOf(nextNode.Index, next == Match.Wildcard ? target : default));
    }

    /// <summary>
    /// RFC 6672 3.1: the DNAME record itself, then a CNAME synthesised from it under the current owner,
    /// with the DNAME's TTL. YXDOMAIN when the new name would be longer than 255 octets.
    /// </summary>
    private static AnswerState WriteDname(ref AnswerContext context, ZoneNode node, scoped ReadOnlySpan<byte> owner, ref DnsMessageWriter writer, scoped Span<byte> target, out int length)
    {
        length = 0;
        var dname = node.Find((ushort)RecordType.DNAME)!.Value;
        if (!TryWriteSet(ref writer, DnsSection.Answer, dname.Owner, dname))
        {
            context.Truncated = true;
            return AnswerState.DnameChain;
        }
        context.Dname = true;
        // The labels of the owner above the DNAME's own name, then the DNAME target.
        int prefix = owner.Length - dname.Owner.Length;
        var substitute = dname.Target;
        if (prefix + substitute.Length > DnsName.MaxLength)
            return AnswerState.YxDomain;
        owner[..prefix].CopyTo(target);
        substitute.CopyTo(target[prefix..]);
        length = prefix + substitute.Length;
        if (!writer.TryWriteRecord(DnsSection.Answer, owner, (ushort)RecordType.CNAME, RecordClass.IN, dname.Ttl, target[..length]))
            context.Truncated = true;
        return AnswerState.DnameChain;
    }

    /// <summary>Writes the node's CNAME (plain, or chosen among routed sets for this client) if it has one.</summary>
    private static bool TryCname(ref AnswerContext context, ZoneNode node, scoped ReadOnlySpan<byte> owner, ref DnsMessageWriter writer, ref QueryClient client, out RecordSet cname, out AnswerState failed)
    {
        failed = AnswerState.Answer;
        var plain = node.Cname;
        if (plain is null && node.CnameGroup is { } group)
        {
            var picked = new ChosenSets();
            var outcome = RoutingSelector.Select(context.Zone, group, ref client, ref picked, out int count, context.Trace);
            if (outcome == SelectionOutcome.Fail)
                failed = AnswerState.ServFail;
            else if (outcome == SelectionOutcome.NoData || count == 0)
                failed = AnswerState.NoData;
            else
                plain = picked[0];
            if (failed != AnswerState.Answer)
            {
                cname = default;
                return true;
            }
        }
        if (plain is not { } set)
        {
            cname = default;
            return false;
        }
        cname = set;
        if (!TryWriteSet(ref writer, DnsSection.Answer, owner, set))
            context.Truncated = true;
        return true;
    }

    /// <summary>The asked type at the node found (or its routed choice, or ANY), else NODATA.</summary>
    private static AnswerState WriteData(ref AnswerContext context, ZoneNode node, scoped ReadOnlySpan<byte> owner, ref DnsMessageWriter writer, ref QueryClient client)
    {
        ushort qtype = context.QueryType;
        var found = context.Chain > 0 ? (context.Dname ? AnswerState.DnameChain : AnswerState.CnameChain)
            : context.Wildcard ? AnswerState.WildcardAnswer : AnswerState.Answer;
        if (qtype == (ushort)RecordType.ANY)
        {
            // RFC 8482 4.1: one RRset (the first, or the first routed type chosen for this client).
            if (node.SetCount == 0 && node.Groups.Length > 0)
                return WriteRouted(ref context, node.Groups[0], owner, ref writer, ref client, found);
            if (node.SetCount == 0)
                return AnswerState.NoData;
            var set = node.SetAt(0);
            if (!TryWriteSet(ref writer, DnsSection.Answer, owner, set))
                context.Truncated = true;
            context.NeedAdditional(set);
            return found;
        }
        if (node.Find(qtype) is { } answer)
        {
            if (!TryWriteSet(ref writer, DnsSection.Answer, owner, answer))
                context.Truncated = true;
            context.NeedAdditional(answer);
            return found;
        }
        if (node.FindGroup(qtype) is { } group)
            return WriteRouted(ref context, group, owner, ref writer, ref client, found);
        return AnswerState.NoData;
    }

    /// <summary>Chooses among routed record sets for this client and writes the choice under <paramref name="owner"/>.</summary>
    private static AnswerState WriteRouted(ref AnswerContext context, RecordSetGroup group, scoped ReadOnlySpan<byte> owner, ref DnsMessageWriter writer, ref QueryClient client, AnswerState found)
    {
        var chosen = new ChosenSets();
        var outcome = RoutingSelector.Select(context.Zone, group, ref client, ref chosen, out int count, context.Trace);
        if (outcome == SelectionOutcome.Fail)
            return AnswerState.ServFail;
        // Route 53 4.4: no matching location and no default is NOERROR with no answer (NODATA).
        if (outcome == SelectionOutcome.NoData || count == 0)
            return AnswerState.NoData;
        for (int i = 0; i < count; i++)
        {
            // An alias answers with the target's records and TTL under the alias's own name.
            if (!TryWriteSet(ref writer, DnsSection.Answer, owner, chosen[i]))
                context.Truncated = true;
            context.NeedAdditional(chosen[i]);
        }
        return found;
    }

    /// <summary>Stage 2: the SOA for NXDOMAIN and NODATA (RFC 2308 3), the NS set for a referral.</summary>
    private static bool AuthorityStage(ref AnswerContext context, AnswerState state, ref DnsMessageWriter writer)
    {
        switch (state)
        {
            case AnswerState.NxDomain or AnswerState.NoData:
                var soa = context.Zone.Soa;
                return writer.TryWriteRecord(DnsSection.Authority, soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, context.Zone.NegativeTtl, soa.RData[0]);
            case AnswerState.Delegation:
                if (!TryWriteSet(ref writer, DnsSection.Authority, context.Referral.Owner, context.Referral))
                    return false;
                context.NeedAdditional(context.Referral);
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// Stage 3 (RFC 1034 4.3.2 step 6): A then AAAA of each target held in this zone, glue included, in
    /// the order the targets appear, and for SVCB/HTTPS the target's own RRset of that type (RFC 9460
    /// 4.1), as Knot adds them. Whole RRsets; at the first that does not fit the section stops. Only
    /// in-domain glue of a referral is mandatory (RFC 9471 2.1): when it does not fit, TC is set (Knot
    /// keeps what did fit); other additional data is left out silently.
    /// </summary>
    private static bool AdditionalStage(ref AnswerContext context, ref DnsMessageWriter writer)
    {
        if (context.AdditionalCount == 0)
            return true;
        var zone = context.Zone;
        Span<byte> lower = stackalloc byte[DnsName.MaxLength + 1];
        for (int s = 0; s < context.AdditionalCount; s++)
        {
            var set = context.AdditionalAt(s);
            bool glue = set.Type == (ushort)RecordType.NS && !context.Referral.IsEmpty && set.Owner.SequenceEqual(context.Referral.Owner);
            foreach (var rdata in set.RData)
            {
                var target = ZoneRdata.AdditionalTarget(set.Type, rdata);
                // A target of "." (SRV: no service; SVCB: the owner itself) adds nothing, as in Knot.
                if (target.Length <= 1)
                    continue;
                var name = lower[..target.Length];
                DnsName.ToLower(target, name);
                if (!DnsName.IsSubdomainOf(name, zone.Origin) || zone.Find(name) is not { } node)
                    continue;
                bool mandatory = glue && DnsName.IsSubdomainOf(name, set.Owner);
                if (!TryWriteAdditional(ref writer, node, (ushort)RecordType.A)
                    || !TryWriteAdditional(ref writer, node, (ushort)RecordType.AAAA)
                    || (set.Type is (ushort)RecordType.SVCB or (ushort)RecordType.HTTPS && !TryWriteAdditional(ref writer, node, set.Type)))
                    return !mandatory;
            }
        }
        return true;
    }

    private static bool TryWriteAdditional(ref DnsMessageWriter writer, ZoneNode node, ushort type)
    {
        if (node.Find(type) is not { } set)
            return true;
        var mark = writer.Mark();
        if (TryWriteSet(ref writer, DnsSection.Additional, set.Owner, set))
            return true;
        // Whole RRsets or nothing (RFC 2181 9).
        writer.Rewind(mark);
        return false;
    }

    /// <summary>
    /// Walks down from the apex one label at a time (RFC 1034 4.3.2 step 3): a delegation on the way
    /// wins, except that the parent side answers DS at the cut itself (RFC 4035 3.1.4.1); a DNAME
    /// above the name redirects it (RFC 6672 3.1).
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
            if (current.HasDname)
            {
                node = current;
                return Match.Dname;
            }
            if (zone.Find(name[labelStarts[labels - k]..]) is not { } candidate)
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

    private static bool TryWriteSet(ref DnsMessageWriter writer, DnsSection section, scoped ReadOnlySpan<byte> owner, in RecordSet set)
    {
        ushort type = set.Type;
        uint ttl = set.Ttl;
        foreach (var rdata in set.RData)
        {
            if (!writer.TryWriteRecord(section, owner, type, RecordClass.IN, ttl, rdata))
                return false;
        }
        return true;
    }
}
