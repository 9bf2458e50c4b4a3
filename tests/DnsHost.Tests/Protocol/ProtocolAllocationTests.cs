using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class ProtocolAllocationTests
{
    // A query for www.example.test MX with DO set and a client cookie.
    private static readonly byte[] Query =
    [
        0x4A, 0x2F,                     //  0 ID
        0x01, 0x00,                     //  2 flags: RD
        0x00, 0x01,                     //  4 QDCOUNT 1
        0x00, 0x00,                     //  6 ANCOUNT 0
        0x00, 0x00,                     //  8 NSCOUNT 0
        0x00, 0x01,                     // 10 ARCOUNT 1
        0x03, .. "www"u8,               // 12 label "www"
        0x07, .. "example"u8,           // 16 label "example"
        0x04, .. "test"u8,              // 24 label "test"
        0x00,                           // 29 root
        0x00, 0x0F,                     // 30 QTYPE MX
        0x00, 0x01,                     // 32 QCLASS IN
        0x00,                           // 34 OPT owner: root
        0x00, 0x29,                     // 35 TYPE OPT
        0x04, 0xD0,                     // 37 UDP payload size 1232
        0x00, 0x00,                     // 39 extended RCODE, version
        0x80, 0x00,                     // 41 flags: DO
        0x00, 0x0C,                     // 43 RDLENGTH 12
        0x00, 0x0A, 0x00, 0x08,         // 45 option COOKIE, length 8
        1, 2, 3, 4, 5, 6, 7, 8,         // 49 client cookie
    ];

    private static readonly byte[] Mx10 = [0x00, 0x0A, 0x04, .. "mail"u8, 0x07, .. "example"u8, 0x04, .. "test"u8, 0x00];
    private static readonly byte[] Mx20 = [0x00, 0x14, 0x05, .. "mail2"u8, 0x07, .. "example"u8, 0x04, .. "test"u8, 0x00];
    private static readonly byte[] MailOwner = DnsName.Parse("mail.example.test.");
    private static readonly byte[] MailAddress = [192, 0, 2, 25];

    /// <summary>The per-query work of the protocol layer: read the query, write an answer with OPT.</summary>
    private static int Respond(ReadOnlySpan<byte> query, Span<byte> response)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> qname = stackalloc byte[DnsName.MaxLength + 1];
        Span<byte> scratch = stackalloc byte[DnsName.MaxLength + 1];
        if (!reader.TryReadHeader(out var header)
            || !reader.TryReadQuestion(qname, out var question)
            || !reader.TryReadRecord(scratch, out var opt)
            || !reader.TryReadEdns(opt, out var edns))
            return -1;

        var writer = new DnsMessageWriter(response, edns.UdpPayloadSize - 11);
        writer.Id = header.Id;
        writer.Flags = (ushort)(DnsHeader.QrBit | DnsHeader.AaBit | (header.Flags & DnsHeader.RdBit));
        var name = qname[..question.NameLength];
        if (!writer.TryWriteQuestion(name, question.Type, question.Class)
            || !writer.TryWriteRecord(DnsSection.Answer, name, question.Type, RecordClass.IN, 300, Mx10)
            || !writer.TryWriteRecord(DnsSection.Answer, name, question.Type, RecordClass.IN, 300, Mx20)
            || !writer.TryWriteRecord(DnsSection.Additional, MailOwner, (ushort)RecordType.A, RecordClass.IN, 300, MailAddress)
            || !writer.TryWriteOpt(1232, 0, 0, (ushort)(edns.Flags & EdnsInfo.DoBit)))
            return -1;
        return writer.Finish();
    }

    [Fact]
    public void ReadingAQueryAndWritingAnAnswerAllocatesNothing()
    {
        var response = new byte[1232];
        int length = Respond(Query, response);
        var answer = ReadMessage.From(response.AsSpan(0, length));
        Assert.Equal(2, answer.Header.AnswerCount);
        Assert.Equal(2, answer.Header.AdditionalCount);
        Assert.Equal(["10 mail.example.test.", "20 mail2.example.test.", "192.0.2.25"], answer.Records.Take(3).Select(r => r.Text));

        for (int i = 0; i < 1000; i++)
            Respond(Query, response);
        int total = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            total += Respond(Query, response);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1000 * length, total);
    }
}
