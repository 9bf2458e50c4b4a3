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
/// The per-query pipeline: stages over one <see cref="QueryContext"/>, in the order listed in
/// <c>Run</c> (the stages themselves are in QueryProcessor.Stages.cs). Names outside the zones, from
/// clients that may recurse, are answered from the resolver's cache when fresh (allocation-free too)
/// or handed back as <see cref="QueryDisposition.Recurse"/>; the transport then calls
/// <see cref="ResolveAsync"/>, which runs the same stages with the resolution in the context.
/// </summary>
public sealed partial class QueryProcessor(ZoneRegistry zones, DnsServerOptions options, RoutingEnvironment? routing = null, RecursionService? recursion = null,
    ServerCookies? cookies = null, ResponseRateLimiter? rateLimiter = null, TransferService? transfers = null, QueryLogging.QueryLog? queryLog = null)
{
    private readonly QueryLogging.QueryLog? _queryLog = queryLog;
    /// <summary>Route 53 query logging (its written and dropped lines go to /metrics); null when not wired.</summary>
    public QueryLogging.QueryLog? QueryLog => _queryLog;
    private readonly ServerCookies? _cookies = cookies;
    private readonly ResponseRateLimiter? _rateLimiter = rateLimiter;
    /// <summary>Response rate limiting (its drop and slip counts go to /metrics); null when off.</summary>
    public ResponseRateLimiter? RateLimiter => _rateLimiter;
    /// <summary>TSIG keys, transfer access and the journal; null: no TSIG, transfers by <c>Dns:TransferAllow</c> only.</summary>
    public TransferService? Transfers { get; } = transfers;
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

    /// <summary>The most asked names for the console, fed with the timed queries (one in 16); null: not counted.</summary>
    public Traffic.TopQueryNames? TopNames { get; init; }

    /// <param name="source">The client's address: routing policies, private zones and EDNS Client Subnet use it.</param>
    public QueryDisposition Process(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, bool transferAllowed, in IpPrefix source, out int length, out Zone? transferZone)
    {
        bool timed = DnsMetrics.ShouldTime();
        long start = timed ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Span<byte> lower = stackalloc byte[DnsName.MaxLength + 1];
        var q = new QueryContext(query, response, name, lower, overTcp, transferAllowed, source);
        Run(ref q);
        if (timed && q.HaveQuestion)
            TopNames?.Add(q.Lower);
        (length, transferZone) = (q.Length, q.Disposition == QueryDisposition.ZoneTransfer ? q.Zone : null);
        if (q.Disposition == QueryDisposition.Recurse)
            return q.Disposition;
        if (q.Disposition == QueryDisposition.Drop || length < 4)
            Metrics.RecordDropped();
        else
        {
            Metrics.Record(overTcp, response[3] & 0x0F);
            if (timed)
                Metrics.RecordLatency(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }
        return q.Disposition;
    }

    /// <summary>
    /// Resolves a query that <c>Process</c> handed back as <see cref="QueryDisposition.Recurse"/>
    /// and writes its answer to <paramref name="response"/>. Returns the response length (0: send nothing).
    /// The resolution goes to the recursion stage through the query context; the other stages run as
    /// for any query (a zone loaded in the meantime answers instead).
    /// </summary>
    public async Task<int> ResolveAsync(ReadOnlyMemory<byte> query, Memory<byte> response, bool overTcp, IpPrefix source)
    {
        if (ResolveQuestionAsync(query.Span) is not { } resolving)
            return 0;
        var resolution = await resolving;
        return WriteResolved(query.Span, response.Span, overTcp, source, resolution);
    }

    /// <summary>
    /// The resolution of a query's question, without writing the answer: the UDP path takes its response
    /// buffer only once this completes, so thousands of waiting misses hold no buffers. Null when recursion
    /// is off or the question does not read.
    /// </summary>
    public Task<Resolution>? ResolveQuestionAsync(ReadOnlySpan<byte> query)
    {
        if (_recursion is null || !TryReadQuestion(query, out var name, out ushort type, out ushort cls))
            return null;
        bool checkingDisabled = DnsHeader.TryRead(query, out var header) && header.CheckingDisabled;
        return _recursion.Resolver!.ResolveAsync(name, type, cls, checkingDisabled);
    }

    /// <summary>The answer to <paramref name="query"/> from a completed resolution; 0 when there is none to send.</summary>
    public int WriteResolved(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, IpPrefix source, in Resolution resolution)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int length = AnswerResolved(query, response, overTcp, source, resolution);
        if (length < 4)
            return 0;
        Metrics.Record(overTcp, response[3] & 0x0F, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return length;
    }

    private int AnswerResolved(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp, in IpPrefix source, in Resolution resolution)
    {
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Span<byte> lower = stackalloc byte[DnsName.MaxLength + 1];
        var q = new QueryContext(query, response, name, lower, overTcp, transferAllowed: false, source) { Resolved = resolution };
        Run(ref q);
        return q.Disposition == QueryDisposition.Respond ? q.Length : 0;
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

    /// <summary>
    /// The stages of a query, in order. Each returns true to go on, or false once it has decided the
    /// response (<see cref="QueryContext.Respond"/>) or that there is none here (drop, recurse, transfer).
    /// The closing stages (EDNS/EDE, finish) run for every response. A feature (DNSSEC signing, RRL,
    /// UPDATE, NOTIFY) is one more stage method and one more line here.
    /// </summary>
    private void Run(ref QueryContext q)
    {
        _ = ReadHeader(ref q)               // parse: header; drop what is not a query
            && ReadQuestion(ref q)          // parse: the one question, lower-cased
            && ReadRecords(ref q)           // parse: answer/authority/additional, the OPT record
            && CheckOpCode(ref q)           // checks: QUERY only (NOTIFY/UPDATE: NOTAUTH)
            && NegotiateEdns(ref q)         // checks: EDNS version and the response size limit
            && CheckTsig(ref q)             // checks: TSIG key, MAC and time (RFC 8945 5.2)
            && CheckCookie(ref q)           // RFC 7873: the client cookie, and whether its server cookie is ours
            && AnswerUpdate(ref q)          // UPDATE (RFC 2136): prerequisites, policy, commit
            && AnswerNotify(ref q)          // NOTIFY (RFC 1996) for a secondary zone: refresh it
            && CheckClass(ref q)            // checks: IN/ANY, CH; TYPE 0
            && AnswerChaos(ref q)           // CHAOS: version.bind and friends
            && SelectZone(ref q)            // ZoneSelection: the zone that answers, or REFUSED / recursion
            && CheckExpired(ref q)          // a secondary zone past its SOA EXPIRE: SERVFAIL
            && Transfer(ref q)              // AXFR/IXFR for the zone
            && AnswerZoneKeys(ref q)        // DNSSEC: DNSKEY/CDS/CDNSKEY of a signed zone, from its keys
            && AnswerFromZone(ref q)        // authoritative answer via the AnswerEngine, signed when the zone is
            && AnswerRecursive(ref q);      // names outside our zones: from the resolver's cache
        if (q.Disposition != QueryDisposition.Respond || !LimitRate(ref q)) // RRL over UDP: pass, drop, or slip
            return;
        WriteEdns(ref q);                   // EDNS: OPT with extended RCODE, DO, client subnet, EDE
        FinishResponse(ref q);              // header counts and flags, length
        SignResponse(ref q);                // TSIG on the response to a signed query
        LogQuery(ref q);                    // Route 53 query logging for zones that have it
    }

    private void LogQuery(ref QueryContext q)
    {
        if (_queryLog is not null && q.HaveQuestion)
            _queryLog.Add(q.Zone, q.QName, q.Question.Type, q.ResponseCode, q.OverTcp, q.Source, q.Edns.ClientSubnet);
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
