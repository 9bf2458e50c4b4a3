using DnsHost.Protocol;

namespace DnsHost.Server;

/// <summary>The dynamic update stage (RFC 2136).</summary>
public sealed partial class QueryProcessor
{
    /// <summary>
    /// An UPDATE for a zone with update rules: checked and committed through the update store before the
    /// answer (acknowledged means durable). Rare and off the query path, so it runs on the receiving thread.
    /// </summary>
    private bool AnswerUpdate(ref QueryContext q)
    {
        if (q.Header.OpCode != OpCode.Update)
            return true;
        q.WriteQuestion();
        // RFC 2136 3.1.1: the zone section names one zone, type SOA; a zone we do not serve is NOTAUTH.
        if (q.Question.Type != (ushort)RecordType.SOA || q.Question.Class != RecordClass.IN)
            return q.Respond(ResponseCode.FormErr);
        var zone = _zones.Current.GetExact(q.Lower);
        if (zone is null)
            return q.Respond(ResponseCode.NotAuth);
        var policy = Transfers!.UpdatePolicyOf(zone.OriginText);
        if (policy is null || Transfers.UpdateStore is not { } store)
            return q.Respond(ResponseCode.Refused);
        return q.Respond(Commit(store.Value, zone, policy, q.Reader.Message.ToArray(), q.Source, q.Tsig.Key));
    }

    // Its own method: a lambda's captures in AnswerUpdate would be allocated on every query that enters it.
    private static ResponseCode Commit(IZoneUpdateStore store, Zones.Zone zone, UpdatePolicy policy, byte[] message, Zones.Routing.IpPrefix source, Protocol.Tsig.TsigKey? key) =>
        store.Apply(zone, current => DynamicUpdate.Evaluate(message, current, policy, source, key)).Code;
}
