using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>The stages <see cref="QueryProcessor"/> runs, in the order its <c>Run</c> method lists them.</summary>
public sealed partial class QueryProcessor
{
    private bool ReadHeader(ref QueryContext q)
    {
        // Too short for a header, or itself a response: answering could loop or amplify (RFC 1035 7.3).
        if (!q.Reader.TryReadHeader(out q.Header) || q.Header.IsResponse)
            return q.Stop(QueryDisposition.Drop);
        q.Writer.Id = q.Header.Id;
        q.Writer.Flags = (ushort)(DnsHeader.QrBit | (q.Header.Flags & (0x7800 | DnsHeader.RdBit | DnsHeader.CdBit)));
        // RA only where recursion is offered (RFC 1035 4.1.1): the resolver is on and this client may use it.
        q.RecursionOffered = _recursion is not null && _recursion.Allows(q.Source);
        if (q.RecursionOffered)
            q.Writer.Flags |= DnsHeader.RaBit;
        return true;
    }

    private static bool ReadQuestion(ref QueryContext q)
    {
        q.HaveQuestion = q.Header.QuestionCount == 1 && q.Reader.TryReadQuestion(q.NameBuffer, out q.Question);
        if (!q.HaveQuestion)
        {
            q.Question = default;
            // No question (QDCOUNT 0) still gets the client's EDNS back, as Knot does, when the rest parses.
            if (q.Header.QuestionCount == 0)
                TryReadEdnsOnly(ref q.Reader, q.Header, out q.Edns);
            return q.Respond(q.Header.OpCode == OpCode.Query ? ResponseCode.FormErr : ResponseCode.NotImp);
        }
        DnsName.ToLower(q.QName, q.LowerBuffer);
        return true;
    }

    private static bool ReadRecords(ref QueryContext q)
    {
        bool isQuery = q.Header.OpCode == OpCode.Query;
        // A query carries no answers; the authority section may hold an SOA (IXFR, RFC 1995 3).
        if (q.Header.AnswerCount != 0 && isQuery)
            return q.Respond(ResponseCode.FormErr);
        var malformed = isQuery || q.Header.OpCode == OpCode.Update ? ResponseCode.FormErr : ResponseCode.NotImp;
        q.Reader.AllowEmptyRData = q.Header.OpCode == OpCode.Update;
        Span<byte> scratch = stackalloc byte[DnsName.MaxLength + 1];
        for (int i = 0; i < q.Header.AnswerCount + q.Header.AuthorityCount; i++)
        {
            if (!q.Reader.TryReadRecord(scratch, out _))
                return q.Respond(malformed);
        }
        for (int i = 0; i < q.Header.AdditionalCount; i++)
        {
            if (!q.Reader.TryReadRecord(scratch, out var record))
                return q.Respond(malformed);
            q.HasTsig |= record.Type == Protocol.Tsig.TsigRecord.Type;
            // RFC 6891 6.1.1: more than one OPT, or one not owned by the root, is FORMERR (answered without EDNS).
            if (record.Type == (ushort)RecordType.OPT && (q.Edns.Present || !q.Reader.TryReadEdns(record, out q.Edns)))
            {
                // RFC 7871 7.1.1, RFC 7873 5.2.2: a malformed ECS or COOKIE option in a sound OPT record is
                // FORMERR with an OPT record (and no options), as Knot answers.
                bool soundOpt = q.Reader.Error == DnsReadError.BadOption && q.Edns.Present;
                q.Edns = soundOpt ? q.Edns.WithoutOptions() : default;
                return q.Respond(ResponseCode.FormErr);
            }
        }
        return true;
    }

    private bool CheckOpCode(ref QueryContext q)
    {
        if (q.Header.OpCode == OpCode.Query || q.Header.OpCode == OpCode.Update && Transfers is { TakesUpdates: true }
            || q.Header.OpCode == OpCode.Notify && TakesNotify)
            return true;
        // NOTIFY and UPDATE are known but not accepted here (no secondaries, no dynamic update): NOTAUTH, as Knot answers.
        return q.Respond(q.Header.OpCode is OpCode.Notify or OpCode.Update ? ResponseCode.NotAuth : ResponseCode.NotImp);
    }

    private bool NegotiateEdns(ref QueryContext q)
    {
        if (!q.OverTcp)
            q.Limit = q.Edns.Present ? Math.Clamp(q.Edns.UdpPayloadSize, 512, _maxUdpPayload) : 512;
        // Room for the OPT record is kept back until the closing EDNS stage writes it.
        q.Writer.SetLimit(q.Edns.Present ? q.Limit - OptSize - (_cookies is not null && q.Edns.CookieLength > 0 ? ServerCookies.OptionSize : 0) : q.Limit);
        return !q.Edns.Present || q.Edns.Version == 0 || q.Respond(ResponseCode.BadVers);
    }

    private static bool CheckClass(ref QueryContext q)
    {
        // QCLASS ANY (RFC 1035 3.2.5) is answered from the IN data, the only class served.
        if (q.Question.Class is not (RecordClass.IN or RecordClass.Any or RecordClass.CH))
            return q.Respond(ResponseCode.Refused);
        // TYPE 0 is reserved (RFC 6895 3.1); Knot answers NOTIMP.
        if (q.Question.Class != RecordClass.CH && q.Question.Type == 0)
            return q.Respond(ResponseCode.NotImp);
        return true;
    }

    private bool AnswerChaos(ref QueryContext q)
    {
        if (q.Question.Class != RecordClass.CH)
            return true;
        byte[]? txt = null;
        if (_answerChaos && q.Question.Type is (ushort)RecordType.TXT or (ushort)RecordType.ANY)
        {
            if (q.Lower.SequenceEqual(VersionBind) || q.Lower.SequenceEqual(VersionServer))
                txt = _versionTxt;
            else if (q.Lower.SequenceEqual(IdServer) || q.Lower.SequenceEqual(HostnameBind))
                txt = _identityTxt;
        }
        q.WriteQuestion();
        if (txt is null)
            return q.Respond(ResponseCode.Refused);
        q.Writer.TryWriteRecord(DnsSection.Answer, q.QName, (ushort)RecordType.TXT, RecordClass.CH, 0, txt);
        q.Writer.Flags |= DnsHeader.AaBit;
        return q.Respond(ResponseCode.NoError);
    }

    private bool SelectZone(ref QueryContext q)
    {
        // RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0 asks not to tailor the answer to the client; use the resolver's address.
        bool useSubnet = IpPrefix.TryFromClientSubnet(q.Edns.ClientSubnet, out var subnet) && subnet.Length > 0;
        q.Client = new QueryClient(_routing, q.Source, useSubnet ? subnet : null);
        q.Zone = ZoneSelection.Select(_zones.Current, q.Lower, q.Question.Type, q.Client.VpcMask);
        if (q.Zone is { IsPrivate: true })
            q.Client.EnterPrivateZone(_routing.Vpcs.ClientVpc(q.Zone.HostedZone!, q.Client.VpcMask)?.Region);
        if (AwaitsFirstTransfer(ref q))
            return false;
        if (q.Zone is not null)
        {
            q.Zone.CountQuery();
            return true;
        }
        // Local zones first; everything else is the resolver's, for clients that may recurse.
        // RFC 8914 4.21, as Knot: REFUSED for a name outside our zones says "Not Authoritative".
        // A transfer of a zone we do not serve: NOTAUTH, as Knot and NSD answer.
        if (q.Question.Type is (ushort)RecordType.AXFR or (ushort)RecordType.IXFR)
            return q.Respond(ResponseCode.NotAuth);
        if (!q.RecursionOffered)
            return q.Respond(ResponseCode.Refused, ExtendedDnsError.NotAuthoritative);
        return true;
    }

    private bool Transfer(ref QueryContext q)
    {
        if (q.Zone is not { } zone || q.Question.Type is not ((ushort)RecordType.AXFR or (ushort)RecordType.IXFR))
            return true;
        // RFC 5936 4.2: AXFR is a TCP-only exchange; Knot answers NOTIMP over UDP.
        if (q.Question.Type == (ushort)RecordType.AXFR && !q.OverTcp)
            return q.Respond(ResponseCode.NotImp);
        // RFC 1995 3: an IXFR query carries the client's SOA in the authority section.
        if (q.Question.Type == (ushort)RecordType.IXFR && q.Header.AuthorityCount != 1)
            return q.Respond(ResponseCode.FormErr);
        if (!q.Lower.SequenceEqual(zone.Origin))
            return q.Respond(ResponseCode.NotAuth);
        if (q.OverTcp && !CheckTransferAccess(ref q, zone))
            return false;
        if (!q.OverTcp || IsCurrent(ref q, zone))
        {
            // RFC 1995 2: an IXFR over UDP that cannot carry the difference, or from a client as new as we
            // are, gets the current SOA. Knot leaves AA clear on this answer; so do we.
            q.WriteQuestion();
            q.Writer.TryWriteRecord(DnsSection.Answer, zone.Soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, zone.Soa.Ttl, zone.Soa.RData[0]);
            return q.Respond(ResponseCode.NoError);
        }
        return q.Stop(QueryDisposition.ZoneTransfer);
    }

    private bool AnswerFromZone(ref QueryContext q)
    {
        if (q.Zone is not { } zone)
            return true;
        q.WriteQuestion();
        // RFC 8482 4.1: one RRset for ANY, over TCP as well, as Knot DNS does.
        var result = AnswerEngine.Answer(zone, q.Lower, q.QName, q.Question.Type, ref q.Writer, ref q.Client);
        if (result.Authoritative)
            q.Writer.Flags |= DnsHeader.AaBit;
        if (result.Truncated)
            q.Writer.Flags |= DnsHeader.TcBit;
        return q.Respond(SignAnswer(ref q, result.ResponseCode, result.Authoritative));
    }

    /// <summary>Answers from the resolver: the resolution handed in, else a fresh cache entry, else <see cref="QueryDisposition.Recurse"/>.</summary>
    private bool AnswerRecursive(ref QueryContext q)
    {
        var resolver = _recursion!.Resolver!;
        long now = resolver.Clock.Now;
        var entry = q.Resolved.Answer;
        uint staleTtl = q.Resolved.Stale ? resolver.StaleTtl : 0;
        if (entry is null)
        {
            Span<byte> key = stackalloc byte[CacheKey.MaxLength];
            int keyLength = CacheKey.Write(q.Lower, q.Question.Type, resolver.KeyClass(q.Question.Class, q.Header.CheckingDisabled), key);
            entry = resolver.TryGetFresh(key[..keyLength], now);
            if (entry is null)
                return q.Stop(QueryDisposition.Recurse);
        }
        if (!DnssecAnswer.Prepare(ref q, entry))
            return q.Respond(ResponseCode.ServFail, entry.ExtendedError);
        q.WriteQuestion();
        entry.WriteTo(ref q.Writer, now, q.Edns.DnssecOk, q.Question.Type, staleTtl, out bool truncated);
        if (truncated)
            q.Writer.Flags |= DnsHeader.TcBit;
        return q.Respond(entry.ResponseCode);
    }

    /// <summary>Closing stage: the RCODE, then the OPT record when the query had EDNS.</summary>
    private void WriteEdns(ref QueryContext q)
    {
        q.WriteQuestion();
        q.Writer.SetResponseCode(q.ResponseCode);
        if (!q.Edns.Present)
            return;
        q.Writer.SetLimit(q.Limit);
        // RFC 6891 6.1.3: the upper eight bits of a 12-bit RCODE go in the OPT TTL; DO is echoed (RFC 3225 3).
        // RFC 7871 7.2.1: echo the client subnet with the scope the answer depended on.
        Span<byte> options = stackalloc byte[ServerCookies.OptionSize + 4 + 4 + 16 + ExtendedDnsError.FixedSize];
        int plain = WriteCookie(options, q); // RFC 7873 5.2: the client cookie with a server cookie for it
        plain += q.Edns.ClientSubnet.Present ? WriteClientSubnet(options[plain..], q.Edns.ClientSubnet, q.Client.Scope) : 0;
        int all = plain;
        if (q.ExtendedError >= 0 && ExtendedDnsError.TryWrite(options[plain..], (ushort)q.ExtendedError, default, out int written))
            all += written;
        byte extendedRcode = (byte)((ushort)q.ResponseCode >> 4);
        ushort flags = (ushort)(q.Edns.Flags & EdnsInfo.DoBit);
        // The EDE is the first thing to give up when the response is full to the limit.
        if (!q.Writer.TryWriteOpt((ushort)_maxUdpPayload, extendedRcode, 0, flags, options[..all]) && all > plain)
            q.Writer.TryWriteOpt((ushort)_maxUdpPayload, extendedRcode, 0, flags, options[..plain]);
    }

    private static void FinishResponse(ref QueryContext q) => q.Length = q.Writer.Finish();

    /// <summary>Skips whatever answer and authority records there are and reads the OPT record, if any.</summary>
    private static bool TryReadEdnsOnly(ref DnsMessageReader reader, in DnsHeader header, out EdnsInfo edns)
    {
        edns = default;
        Span<byte> scratch = stackalloc byte[DnsName.MaxLength + 1];
        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        for (int i = 0; i < total; i++)
        {
            if (!reader.TryReadRecord(scratch, out var record))
                return false;
            if (record.Type == (ushort)RecordType.OPT && i >= header.AnswerCount + header.AuthorityCount)
            {
                if (edns.Present || !reader.TryReadEdns(record, out edns))
                {
                    edns = default;
                    return false;
                }
            }
        }
        return true;
    }
}
