using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>
/// Everything one query's stages share (see <see cref="QueryProcessor"/> for the order they run in):
/// what was read from the query, what has been decided so far, and the response being written.
/// Lives on the stack; the name buffers are the caller's stack memory.
/// </summary>
internal ref struct QueryContext
{
    public QueryContext(ReadOnlySpan<byte> query, Span<byte> response, Span<byte> nameBuffer, Span<byte> lowerBuffer, bool overTcp, bool transferAllowed, in IpPrefix source)
    {
        Reader = new DnsMessageReader(query);
        Writer = new DnsMessageWriter(response, overTcp ? ushort.MaxValue : 512);
        Response = response;
        NameBuffer = nameBuffer;
        LowerBuffer = lowerBuffer;
        OverTcp = overTcp;
        TransferAllowed = transferAllowed;
        Source = source;
        Limit = overTcp ? ushort.MaxValue : 512;
        AfterQuestion = Writer.Mark();
    }

    // What the transport handed in.
    public DnsMessageReader Reader;
    public readonly bool OverTcp;
    public readonly bool TransferAllowed;
    public readonly IpPrefix Source;
    /// <summary>A resolution finished off the query path, for the recursion stage to answer with.</summary>
    public Resolution Resolved;

    // What the query said.
    public DnsHeader Header;
    public DnsQuestion Question;
    public bool HaveQuestion;
    public readonly Span<byte> NameBuffer;
    public readonly Span<byte> LowerBuffer;
    public EdnsInfo Edns;

    /// <summary>The question name as asked (case kept, for the response).</summary>
    public readonly ReadOnlySpan<byte> QName => NameBuffer[..Question.NameLength];
    /// <summary>The question name in lower case, for lookups.</summary>
    public readonly ReadOnlySpan<byte> Lower => LowerBuffer[..Question.NameLength];

    // What has been decided.
    public bool RecursionOffered;
    public QueryClient Client;
    public Zone? Zone;
    /// <summary>The response size allowed by transport and EDNS, OPT record included.</summary>
    public int Limit;
    public ResponseCode ResponseCode;
    /// <summary>An Extended DNS Error INFO-CODE (RFC 8914) to add to the OPT record, or -1.</summary>
    public int ExtendedError = -1;
    public QueryDisposition Disposition;
    public bool QuestionWritten;
    /// <summary>What the query's COOKIE option showed (RFC 7873).</summary>
    public CookieState Cookie;
    /// <summary>The response up to its question, for a stage that empties the sections (RRL's slip).</summary>
    public WriterMark AfterQuestion;

    // TSIG (RFC 8945; QueryProcessor.Tsig.cs): seen while reading, then the verified key or the error to answer.
    public bool HasTsig;
    public TsigState Tsig;

    // The response.
    public readonly Span<byte> Response;
    public DnsMessageWriter Writer;
    public int Length;

    /// <summary>Ends the stages with this RCODE (and an Extended DNS Error when given): the closing stages still run.</summary>
    public bool Respond(ResponseCode code, int extendedError = -1)
    {
        ResponseCode = code;
        ExtendedError = extendedError;
        Disposition = QueryDisposition.Respond;
        return false;
    }

    /// <summary>Ends the stages without a response from them (drop, recurse, transfer).</summary>
    public bool Stop(QueryDisposition disposition)
    {
        Disposition = disposition;
        return false;
    }

    public void WriteQuestion()
    {
        if (HaveQuestion && !QuestionWritten)
        {
            Writer.TryWriteQuestion(QName, Question.Type, Question.Class);
            AfterQuestion = Writer.Mark();
        }
        QuestionWritten = true;
    }
}
