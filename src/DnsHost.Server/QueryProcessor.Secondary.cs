using DnsHost.Protocol;

namespace DnsHost.Server;

/// <summary>The stages for zones served as a secondary: NOTIFY from their primaries (RFC 1996), and SERVFAIL once expired.</summary>
public sealed partial class QueryProcessor
{
    private bool TakesNotify => Transfers?.Secondaries is { HasZones: true };

    /// <summary>
    /// RFC 1996 3.7-3.10: a NOTIFY for a secondary zone from one of its primaries is answered (opcode NOTIFY, AA, the
    /// question echoed) and starts a refresh; any other gets NOTAUTH, as Knot answers. Its TSIG was checked before.
    /// </summary>
    private bool AnswerNotify(ref QueryContext q)
    {
        if (q.Header.OpCode != OpCode.Notify)
            return true;
        q.WriteQuestion();
        if (q.Question.Type != (ushort)RecordType.SOA || q.Question.Class != RecordClass.IN)
            return q.Respond(ResponseCode.FormErr);
        var code = Transfers!.Secondaries!.Notify(q.Lower, q.Source, q.Tsig.Key);
        if (code == ResponseCode.NoError)
            q.Writer.Flags |= DnsHeader.AaBit;
        return q.Respond(code);
    }

    /// <summary>RFC 1035 (SOA EXPIRE): a secondary zone not refreshed for EXPIRE seconds is no longer authoritative: SERVFAIL, as Knot answers.</summary>
    private bool CheckExpired(ref QueryContext q)
    {
        if (q.Zone is not { } zone || Transfers?.Secondaries is not { } secondaries || !secondaries.IsExpired(zone))
            return true;
        q.WriteQuestion();
        return q.Respond(ResponseCode.ServFail);
    }
}
