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

    /// <summary>
    /// A secondary zone that cannot be answered from: past its SOA EXPIRE (RFC 1035 3.3.13), or never transferred and with no
    /// stored copy. SERVFAIL with Extended DNS Error 24 (Invalid Data) for queries, AXFR and IXFR alike, as Knot 3.2 answers
    /// (AXFR over UDP stays NOTIMP, RFC 5936 4.2).
    /// </summary>
    private bool CheckExpired(ref QueryContext q)
    {
        if (q.Zone is not { } zone || Transfers?.Secondaries is not { } secondaries || !secondaries.IsExpired(zone))
            return true;
        return RespondNoZoneData(ref q);
    }

    /// <summary>Called by zone selection: a name in a secondary zone with no copy yet (closer than any zone served) gets SERVFAIL.</summary>
    private bool AwaitsFirstTransfer(ref QueryContext q)
    {
        if (Transfers?.Secondaries is not { } secondaries || secondaries.WithoutCopy(q.Lower, q.Question.Type, q.Zone) is null)
            return false;
        RespondNoZoneData(ref q);
        return true;
    }

    private static bool RespondNoZoneData(ref QueryContext q)
    {
        q.WriteQuestion();
        if (q.Question.Type == (ushort)RecordType.AXFR && !q.OverTcp)
            return q.Respond(ResponseCode.NotImp);
        return q.Respond(ResponseCode.ServFail, ExtendedDnsError.InvalidData);
    }
}
