using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>How the transport should treat a processed query.</summary>
public enum QueryDisposition : byte
{
    /// <summary>Send nothing (not a query, or too broken to answer).</summary>
    Drop,
    /// <summary>Send the response written to the buffer.</summary>
    Respond,
    /// <summary>An AXFR/IXFR over TCP from an allowed client: stream the zone with <see cref="ZoneTransfer"/>.</summary>
    ZoneTransfer,
    /// <summary>A cache miss of a client that may recurse: resolve with <see cref="QueryProcessor.ResolveAsync"/> and send that answer later.</summary>
    Recurse,
}

/// <summary>
/// The per-query pipeline for authoritative answers: parse and check the query, pick the zone,
/// run the <see cref="AnswerEngine"/>, and finish the header and EDNS. Names outside the zones, from
/// clients that may recurse, are answered from the resolver's cache when fresh (allocation-free too)
/// or handed back as <see cref="QueryDisposition.Recurse"/> for the transport to resolve and answer.
/// </summary>
public sealed class QueryProcessor(ZoneRegistry zones, DnsServerOptions options, RoutingEnvironment? routing = null, RecursionService? recursion = null)
{
    private readonly RecursionService? _recursion = recursion?.Resolver is null ? null : recursion;
    private readonly RoutingEnvironment _routing = routing ?? RoutingEnvironment.Default;
    private const int OptSize = 11;
    private readonly ZoneRegistry _zones = zones;
    private readonly int _maxUdpPayload = options.MaxUdpPayload;
    private readonly bool _answerChaos = options.AnswerChaosQueries;
    private readonly byte[] _versionTxt = TxtRData(options.ServerVersion);
    private readonly byte[] _identityTxt = TxtRData(options.ServerIdentity);

    private static readonly byte[] VersionBind = DnsName.Parse("version.bind.");
    private static readonly byte[] VersionServer = DnsName.Parse("version.server.");
    private static readonly byte[] IdServer = DnsName.Parse("id.server.");
    private static readonly byte[] HostnameBind = DnsName.Parse("hostname.bind.");

    /// <summary>Processes one query into <paramref name="response"/>.</summary>
    /// <param name="overTcp">TCP lifts the UDP size limits and allows zone transfers.</param>
    /// <param name="transferAllowed">Whether the client's address is on the transfer access list.</param>
    /// <param name="length">Bytes written to <paramref name="response"/>.</param>
    public QueryDisposition Process(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, bool transferAllowed, out int length, out Zone? transferZone) =>
        Process(query, response, overTcp, transferAllowed, new IpPrefix(false, 0x7F000001, 32), out length, out transferZone);

    /// <summary>Counters for /metrics.</summary>
    public DnsMetrics Metrics { get; } = new();

    /// <param name="source">The client's address: routing policies, private zones and EDNS Client Subnet use it.</param>
    public QueryDisposition Process(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, bool transferAllowed, in IpPrefix source, out int length, out Zone? transferZone)
    {
        bool timed = DnsMetrics.ShouldTime();
        long start = timed ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var disposition = ProcessCore(query, response, overTcp, transferAllowed, source, default, out length, out transferZone);
        if (disposition == QueryDisposition.Recurse)
            return disposition;
        if (disposition == QueryDisposition.Drop || length < 4)
            Metrics.RecordDropped();
        else
        {
            Metrics.Record(overTcp, response[3] & 0x0F);
            if (timed)
                Metrics.RecordLatency(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }
        return disposition;
    }

    /// <summary>
    /// Resolves a query that <see cref="Process"/> handed back as <see cref="QueryDisposition.Recurse"/>
    /// and writes its answer to <paramref name="response"/>. Returns the response length (0: send nothing).
    /// </summary>
    public async Task<int> ResolveAsync(ReadOnlyMemory<byte> query, Memory<byte> response, bool overTcp, IpPrefix source)
    {
        if (_recursion is null || !TryReadQuestion(query.Span, out var name, out ushort type, out ushort cls))
            return 0;
        var resolution = await _recursion.Resolver!.ResolveAsync(name, type, cls);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var disposition = ProcessCore(query.Span, response.Span, overTcp, false, source, resolution, out int length, out _);
        if (disposition != QueryDisposition.Respond || length < 4)
            return 0;
        Metrics.Record(overTcp, response.Span[3] & 0x0F, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return length;
    }

    private static bool TryReadQuestion(ReadOnlySpan<byte> query, out byte[] lowerName, out ushort type, out ushort cls)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        if (!reader.TryReadHeader(out _) || !reader.TryReadQuestion(name, out var question))
        {
            (lowerName, type, cls) = ([], 0, 0);
            return false;
        }
        lowerName = new byte[question.NameLength];
        DnsName.ToLower(name[..question.NameLength], lowerName);
        (type, cls) = (question.Type, question.Class);
        return true;
    }

    private QueryDisposition ProcessCore(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, bool transferAllowed, in IpPrefix source, in Resolution resolved, out int length, out Zone? transferZone)
    {
        length = 0;
        transferZone = null;
        var reader = new DnsMessageReader(query);
        // Too short for a header, or itself a response: answering could loop or amplify (RFC 1035 7.3).
        if (!reader.TryReadHeader(out var header) || header.IsResponse)
            return QueryDisposition.Drop;

        var writer = new DnsMessageWriter(response, overTcp ? ushort.MaxValue : 512);
        writer.Id = header.Id;
        writer.Flags = (ushort)(DnsHeader.QrBit | (header.Flags & (0x7800 | DnsHeader.RdBit | DnsHeader.CdBit)));
        // RA only where recursion is offered (RFC 1035 4.1.1): the resolver is on and this client may use it.
        bool recursionOffered = _recursion is not null && _recursion.Allows(source);
        if (recursionOffered)
            writer.Flags |= DnsHeader.RaBit;

        Span<byte> qname = stackalloc byte[DnsName.MaxLength + 1];
        DnsQuestion question = default;
        bool haveQuestion = header.QuestionCount == 1 && reader.TryReadQuestion(qname, out question);

        bool isQuery = header.OpCode == OpCode.Query;
        if (!haveQuestion)
        {
            // No question (QDCOUNT 0) still gets the client's EDNS back, as Knot does, when the rest parses.
            EdnsInfo bare = default;
            if (header.QuestionCount == 0)
                TryReadEdnsOnly(ref reader, header, out bare);
            return Finish(ref writer, isQuery ? ResponseCode.FormErr : ResponseCode.NotImp, false, qname, question, bare, out length, bare.Present ? 512 : 0);
        }

        // A query carries no answers; the authority section may hold an SOA (IXFR, RFC 1995 3).
        if (header.AnswerCount != 0 && isQuery)
            return Finish(ref writer, ResponseCode.FormErr, true, qname, question, default, out length);
        Span<byte> scratch = stackalloc byte[DnsName.MaxLength + 1];
        for (int i = 0; i < header.AnswerCount + header.AuthorityCount; i++)
        {
            if (!reader.TryReadRecord(scratch, out _))
                return Finish(ref writer, isQuery ? ResponseCode.FormErr : ResponseCode.NotImp, true, qname, question, default, out length);
        }
        EdnsInfo edns = default;
        for (int i = 0; i < header.AdditionalCount; i++)
        {
            if (!reader.TryReadRecord(scratch, out var record))
                return Finish(ref writer, isQuery ? ResponseCode.FormErr : ResponseCode.NotImp, true, qname, question, edns, out length);
            if (record.Type == (ushort)RecordType.OPT)
            {
                // RFC 6891 6.1.1: more than one OPT, or one not owned by the root, is FORMERR.
                if (edns.Present || !reader.TryReadEdns(record, out edns))
                    return Finish(ref writer, ResponseCode.FormErr, true, qname, question, default, out length);
            }
        }
        if (!isQuery)
        {
            // NOTIFY and UPDATE are known but not accepted here (no secondaries, no dynamic update): NOTAUTH, as Knot answers.
            var code = header.OpCode is OpCode.Notify or OpCode.Update ? ResponseCode.NotAuth : ResponseCode.NotImp;
            return Finish(ref writer, code, true, qname, question, edns, out length);
        }

        int limit = overTcp ? ushort.MaxValue : edns.Present ? Math.Clamp((int)edns.UdpPayloadSize, 512, _maxUdpPayload) : 512;
        writer.SetLimit(edns.Present ? limit - OptSize : limit);

        if (edns.Present && edns.Version != 0)
            return Finish(ref writer, ResponseCode.BadVers, true, qname, question, edns, out length);

        var qnameWire = qname[..question.NameLength];
        Span<byte> lower = stackalloc byte[question.NameLength];
        DnsName.ToLower(qnameWire, lower);

        if (question.Class == RecordClass.CH)
            return AnswerChaos(ref writer, qnameWire, lower, question, edns, limit, out length);
        // QCLASS ANY (RFC 1035 3.2.5) is answered from the IN data, the only class served.
        if (question.Class is not (RecordClass.IN or RecordClass.Any))
            return Finish(ref writer, ResponseCode.Refused, true, qname, question, edns, out length);
        // TYPE 0 is reserved (RFC 6895 3.1); Knot answers NOTIMP.
        if (question.Type == 0)
            return Finish(ref writer, ResponseCode.NotImp, true, qname, question, edns, out length);

        // RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0 asks not to tailor the answer to the client; use the resolver's address.
        bool useSubnet = IpPrefix.TryFromClientSubnet(edns.ClientSubnet, out var subnet) && subnet.Length > 0;
        var client = new QueryClient(_routing, source, useSubnet ? subnet : null);
        var catalog = _zones.Current;
        var zone = catalog.HasPrivateZones ? catalog.FindZone(lower, client.VpcMask) : catalog.FindZone(lower);
        if (zone is { IsPrivate: true })
            client.EnterPrivateZone(_routing.Vpcs.ClientVpc(zone.HostedZone!, client.VpcMask)?.Region);
        // RFC 4035 3.1.4.1: DS lives in the parent; when we also serve the parent, answer from it.
        if (zone is not null && question.Type == (ushort)RecordType.DS && lower.Length == zone.Origin.Length && lower.Length > 1)
            zone = catalog.FindZone(DnsName.Parent(lower)) ?? zone;
        if (zone is null)
        {
            // Local zones first; everything else is the resolver's, for clients that may recurse.
            if (!recursionOffered || question.Type is (ushort)RecordType.AXFR or (ushort)RecordType.IXFR)
                return Finish(ref writer, ResponseCode.Refused, true, qname, question, edns, out length);
            return AnswerRecursive(ref writer, qname, lower, question, edns, limit, resolved, out length);
        }
        zone.CountQuery();

        if (question.Type is (ushort)RecordType.AXFR or (ushort)RecordType.IXFR)
        {
            // RFC 5936 4.2: AXFR is a TCP-only exchange; Knot answers NOTIMP over UDP.
            if (question.Type == (ushort)RecordType.AXFR && !overTcp)
                return Finish(ref writer, ResponseCode.NotImp, true, qname, question, edns, out length);
            // RFC 1995 3: an IXFR query carries the client's SOA in the authority section.
            if (question.Type == (ushort)RecordType.IXFR && header.AuthorityCount != 1)
                return Finish(ref writer, ResponseCode.FormErr, true, qname, question, edns, out length);
            if (!lower.SequenceEqual(zone.Origin))
                return Finish(ref writer, ResponseCode.NotAuth, true, qname, question, edns, out length);
            if (!overTcp)
            {
                // RFC 1995 2: an IXFR over UDP that cannot carry the difference gets the current SOA.
                writer.TryWriteQuestion(qnameWire, question.Type, question.Class);
                // Knot leaves AA clear on this answer; so do we.
                writer.TryWriteRecord(DnsSection.Answer, zone.Soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, zone.Soa.Ttl, zone.Soa.RData[0]);
                return Finish(ref writer, ResponseCode.NoError, false, qname, question, edns, out length, limit);
            }
            if (!transferAllowed)
                return Finish(ref writer, ResponseCode.Refused, true, qname, question, edns, out length);
            transferZone = zone;
            return QueryDisposition.ZoneTransfer;
        }

        writer.TryWriteQuestion(qnameWire, question.Type, question.Class);
        // RFC 8482 4.1: one RRset for ANY, over TCP as well, as Knot DNS does.
        var result = AnswerEngine.Answer(zone, lower, qnameWire, question.Type, AnyQueryMode.Minimal, ref writer, ref client);
        if (result.Authoritative)
            writer.Flags |= DnsHeader.AaBit;
        if (result.Truncated)
            writer.Flags |= DnsHeader.TcBit;
        return Finish(ref writer, result.ResponseCode, false, qname, question, edns, out length, limit, client.Scope);
    }

    /// <summary>Answers from the resolver: the resolution handed in, else a fresh cache entry, else <see cref="QueryDisposition.Recurse"/>.</summary>
    private QueryDisposition AnswerRecursive(ref DnsMessageWriter writer, scoped ReadOnlySpan<byte> qname, scoped ReadOnlySpan<byte> lower, in DnsQuestion question, in EdnsInfo edns, int limit, in Resolution resolved, out int length)
    {
        var resolver = _recursion!.Resolver!;
        long now = Environment.TickCount64;
        var entry = resolved.Answer;
        uint staleTtl = resolved.Stale ? resolver.StaleTtl : 0;
        if (entry is null)
        {
            Span<byte> key = stackalloc byte[CacheKey.MaxLength];
            int keyLength = CacheKey.Write(lower, question.Type, question.Class, key);
            entry = resolver.TryGetFresh(key[..keyLength], now);
            if (entry is null)
            {
                length = 0;
                return QueryDisposition.Recurse;
            }
        }
        writer.TryWriteQuestion(qname[..question.NameLength], question.Type, question.Class);
        entry.WriteTo(ref writer, now, edns.DnssecOk, question.Type, staleTtl, out bool truncated);
        if (truncated)
            writer.Flags |= DnsHeader.TcBit;
        return Finish(ref writer, entry.ResponseCode, false, qname, question, edns, out length, limit);
    }

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

    private QueryDisposition AnswerChaos(ref DnsMessageWriter writer, scoped ReadOnlySpan<byte> qname, scoped ReadOnlySpan<byte> lower, in DnsQuestion question, in EdnsInfo edns, int limit, out int length)
    {
        byte[]? txt = null;
        if (_answerChaos && question.Type is (ushort)RecordType.TXT or (ushort)RecordType.ANY)
        {
            if (lower.SequenceEqual(VersionBind) || lower.SequenceEqual(VersionServer))
                txt = _versionTxt;
            else if (lower.SequenceEqual(IdServer) || lower.SequenceEqual(HostnameBind))
                txt = _identityTxt;
        }
        writer.TryWriteQuestion(qname, question.Type, question.Class);
        if (txt is null)
            return Finish(ref writer, ResponseCode.Refused, false, default, question, edns, out length, limit);
        writer.TryWriteRecord(DnsSection.Answer, qname, (ushort)RecordType.TXT, RecordClass.CH, 0, txt);
        writer.Flags |= DnsHeader.AaBit;
        return Finish(ref writer, ResponseCode.NoError, false, default, question, edns, out length, limit);
    }

    /// <summary>Sets the RCODE, writes the question when asked to (error paths) and the OPT record, and seals the header.</summary>
    private QueryDisposition Finish(ref DnsMessageWriter writer, ResponseCode code, bool writeQuestion, scoped ReadOnlySpan<byte> qname, in DnsQuestion question, in EdnsInfo edns, out int length, int limit = 0, int scope = 0)
    {
        if (writeQuestion)
            writer.TryWriteQuestion(qname[..question.NameLength], question.Type, question.Class);
        writer.SetResponseCode(code);
        if (edns.Present)
        {
            if (limit > 0)
                writer.SetLimit(limit);
            // RFC 6891 6.1.3: the upper eight bits of a 12-bit RCODE go in the OPT TTL; DO is echoed (RFC 3225 3).
            // RFC 7871 7.2.1: echo the client subnet with the scope the answer depended on.
            Span<byte> options = stackalloc byte[4 + 4 + 16];
            int optionsLength = edns.ClientSubnet.Present ? WriteClientSubnet(options, edns.ClientSubnet, scope) : 0;
            writer.TryWriteOpt((ushort)_maxUdpPayload, (byte)((ushort)code >> 4), 0, (ushort)(edns.Flags & EdnsInfo.DoBit), options[..optionsLength]);
        }
        length = writer.Finish();
        return QueryDisposition.Respond;
    }

    private static int WriteClientSubnet(Span<byte> destination, in ClientSubnet ecs, int scope)
    {
        int addressLength = (ecs.SourcePrefixLength + 7) / 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination, EdnsOption.ClientSubnet);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(4 + addressLength));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[4..], ecs.Family);
        destination[6] = ecs.SourcePrefixLength;
        destination[7] = (byte)scope;
        ReadOnlySpan<byte> address = ecs.Address;
        address[..addressLength].CopyTo(destination[8..]);
        return 8 + addressLength;
    }

    private static byte[] TxtRData(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        if (bytes.Length > 255)
            bytes = bytes[..255];
        return [(byte)bytes.Length, .. bytes];
    }
}
