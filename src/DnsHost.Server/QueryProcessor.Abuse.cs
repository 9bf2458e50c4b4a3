using DnsHost.Protocol;

namespace DnsHost.Server;

/// <summary>The stages against abuse: DNS cookies (RFC 7873, RFC 9018) and response rate limiting over UDP.</summary>
public sealed partial class QueryProcessor
{
    /// <summary>RFC 7873 5.2: judges the query's COOKIE option; the closing EDNS stage answers with a server cookie.</summary>
    private bool CheckCookie(ref QueryContext q)
    {
        if (_cookies is null || q.Edns.CookieLength == 0)
            return true;
        q.Cookie = _cookies.Check(q.Reader.Message.Slice(q.Edns.CookieOffset, q.Edns.CookieLength), q.Source);
        // RFC 7873 5.2.3: a client cookie alone, or a server cookie that is not (or no longer) ours, is answered
        // normally here (choice 3); only when rate limiting bites does it get BADCOOKIE instead (see LimitRate).
        return true;
    }

    private int WriteCookie(Span<byte> destination, in QueryContext q) =>
        q.Cookie == CookieState.None ? 0 : _cookies!.Write(destination, q.Reader.Message.Slice(q.Edns.CookieOffset, q.Edns.CookieLength), q.Cookie, q.Source);

    /// <summary>
    /// RRL over UDP (TCP needs a real source address, so it is never limited). Exempt: clients with a
    /// valid server cookie (RFC 7873 5.4 makes spoofing them impossible), clients that may recurse, and
    /// the exempt networks. Over the limit, the response is dropped, or every Slip-th one goes out with
    /// its sections emptied: TC=1 (retry over TCP), or BADCOOKIE with a fresh cookie for a client that
    /// sent a cookie (RFC 7873 5.2.3), whose retry with that cookie is then exempt.
    /// </summary>
    private bool LimitRate(ref QueryContext q)
    {
        if (_rateLimiter is null || q.OverTcp || q.Cookie == CookieState.Valid || q.RecursionOffered || _rateLimiter.IsExempt(q.Source))
            return true;
        var responseClass = Classify(in q, out var name);
        var decision = _rateLimiter.Decide(q.Source, responseClass, name);
        if (decision == RateDecision.Pass)
            return true;
        if (decision == RateDecision.Drop)
            return q.Stop(QueryDisposition.Drop);
        q.Writer.Rewind(q.AfterQuestion);
        if (q.Cookie == CookieState.None)
            q.Writer.Flags |= DnsHeader.TcBit;
        else
            q.ResponseCode = ResponseCode.BadCookie;
        q.Writer.Flags &= unchecked((ushort)~DnsHeader.AaBit);
        q.ExtendedError = -1;
        return true;
    }

    /// <summary>The response's class, and the name its bucket is kept for: the query name, the zone (NXDOMAIN, referral) or none (errors).</summary>
    private static ResponseClass Classify(in QueryContext q, out ReadOnlySpan<byte> name)
    {
        ReadOnlySpan<byte> zoneOrName = q.Zone is { } zone ? zone.Origin : q.Lower;
        if (q.ResponseCode == ResponseCode.NXDomain)
        {
            name = zoneOrName;
            return ResponseClass.NxDomain;
        }
        if (q.ResponseCode != ResponseCode.NoError)
        {
            name = [];
            return ResponseClass.Error;
        }
        if (q.Writer.AnswerCount == 0 && (q.Writer.Flags & DnsHeader.AaBit) == 0 && q.Writer.AuthorityCount > 0)
        {
            name = zoneOrName;
            return ResponseClass.Referral;
        }
        name = q.Lower;
        return q.Writer.AnswerCount > 0 ? ResponseClass.Answer : ResponseClass.NoData;
    }
}
