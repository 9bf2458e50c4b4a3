using DnsHost.Protocol;

namespace DnsHost.Tests.Infrastructure;

public sealed record TestRecord(string Name, string Type, uint Ttl, string Data, ushort Class = RecordClass.IN)
{
    public override string ToString() => $"{Name} {Ttl} {Type} {Data}";
}

/// <summary>A response decoded with our own reader into plain values a test can compare.</summary>
public sealed class TestResponse
{
    public ushort Id { get; init; }
    public ushort Flags { get; init; }
    public int Rcode { get; init; }
    public string? QuestionName { get; init; }
    public ushort QuestionType { get; init; }
    public int QuestionCount { get; init; }
    public List<TestRecord> Answer { get; } = [];
    public List<TestRecord> Authority { get; } = [];
    public List<TestRecord> Additional { get; } = [];
    public bool HasOpt { get; init; }
    public ushort OptPayload { get; init; }
    public ushort OptFlags { get; init; }
    public int Length { get; init; }
    /// <summary>The OPT record's RDATA (its options), empty without OPT.</summary>
    public byte[] OptData { get; init; } = [];

    /// <summary>The EDNS Client Subnet option of the response (RFC 7871 6): source and scope prefix lengths, or null.</summary>
    public (int Family, int Source, int Scope)? ClientSubnet
    {
        get
        {
            for (int i = 0; i + 4 <= OptData.Length;)
            {
                int code = (OptData[i] << 8) | OptData[i + 1], len = (OptData[i + 2] << 8) | OptData[i + 3];
                if (code == 8 && len >= 4)
                    return ((OptData[i + 4] << 8) | OptData[i + 5], OptData[i + 6], OptData[i + 7]);
                i += 4 + len;
            }
            return null;
        }
    }

    /// <summary>The Extended DNS Error option of the response (RFC 8914): INFO-CODE and EXTRA-TEXT, or null.</summary>
    public (int InfoCode, string ExtraText)? ExtendedError
    {
        get
        {
            for (int i = 0; i + 4 <= OptData.Length;)
            {
                int code = (OptData[i] << 8) | OptData[i + 1], len = (OptData[i + 2] << 8) | OptData[i + 3];
                if (code == 15 && len >= 2 && i + 4 + len <= OptData.Length)
                    return ((OptData[i + 4] << 8) | OptData[i + 5], System.Text.Encoding.UTF8.GetString(OptData, i + 6, len - 2));
                i += 4 + len;
            }
            return null;
        }
    }

    public bool AA => (Flags & DnsHeader.AaBit) != 0;
    public bool TC => (Flags & DnsHeader.TcBit) != 0;
    public bool RD => (Flags & DnsHeader.RdBit) != 0;
    public bool RA => (Flags & DnsHeader.RaBit) != 0;
    public bool QR => (Flags & DnsHeader.QrBit) != 0;
    public ResponseCode ResponseCode => (ResponseCode)Rcode;

    public IEnumerable<string> AnswerData(string type) => Answer.Where(r => r.Type == type).Select(r => r.Data);

    /// <summary>The header alone, for a peer's response our strict reader rejects (noted as such).</summary>
    public static TestResponse HeaderOnly(ReadOnlySpan<byte> message)
    {
        DnsHeader.TryRead(message, out var header);
        return new TestResponse { Id = header.Id, Flags = header.Flags, Rcode = header.ResponseCodeLow, QuestionCount = header.QuestionCount, QuestionName = "(unparsable)", Length = message.Length };
    }

    public static TestResponse Parse(ReadOnlySpan<byte> message)
    {
        var reader = new DnsMessageReader(message);
        Assert.True(reader.TryReadHeader(out var header), "response too short");
        Span<byte> name = stackalloc byte[256];
        string? qname = null;
        ushort qtype = 0;
        for (int i = 0; i < header.QuestionCount; i++)
        {
            Assert.True(reader.TryReadQuestion(name, out var q), $"bad question: {reader.Error}");
            qname = DnsName.ToText(name[..q.NameLength]);
            qtype = q.Type;
        }
        var sections = new List<TestRecord>[3];
        sections[0] = []; sections[1] = []; sections[2] = [];
        bool hasOpt = false;
        ushort payload = 0;
        ushort optFlags = 0;
        int extended = 0;
        byte[] optData = [];
        Span<byte> rdata = stackalloc byte[65535];
        int[] counts = [header.AnswerCount, header.AuthorityCount, header.AdditionalCount];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < counts[s]; i++)
            {
                Assert.True(reader.TryReadRecord(name, out var r), $"bad record: {reader.Error}");
                if (r.Type == (ushort)RecordType.OPT)
                {
                    hasOpt = true;
                    payload = r.Class;
                    extended = (int)(r.Ttl >> 24);
                    optFlags = (ushort)r.Ttl;
                    optData = message.Slice(r.RDataOffset, r.RDataLength).ToArray();
                    continue;
                }
                int len = RecordData.CopyUncompressed(r.Type, message, r.RDataOffset, r.RDataLength, rdata);
                Assert.True(len >= 0);
                sections[s].Add(new TestRecord(DnsName.ToText(name[..r.NameLength]), RecordData.TypeToText(r.Type), r.Ttl, RecordData.ToText(r.Type, rdata[..len]), r.Class));
            }
        }
        var response = new TestResponse
        {
            Id = header.Id,
            Flags = header.Flags,
            Rcode = (extended << 4) | header.ResponseCodeLow,
            QuestionName = qname,
            QuestionType = qtype,
            QuestionCount = header.QuestionCount,
            HasOpt = hasOpt,
            OptPayload = payload,
            OptFlags = optFlags,
            OptData = optData,
            Length = message.Length,
        };
        response.Answer.AddRange(sections[0]);
        response.Authority.AddRange(sections[1]);
        response.Additional.AddRange(sections[2]);
        return response;
    }
}
