using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class DnsMessageWriterTests
{
    private const uint Ttl = 3600;
    private static readonly byte[] FmtTest = DnsName.Parse("fmt.test.");
    private static readonly byte[] Ipv4 = [192, 0, 2, 1];

    private static byte[] Name(string text) => DnsName.Parse(text);

    [Fact]
    public void EveryRecordTypeRoundTrips()
    {
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0xBEEF;
        writer.Flags = DnsHeader.QrBit | DnsHeader.AaBit;
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.ANY, RecordClass.IN));
        foreach (var sample in RecordSample.All)
            Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name(sample.Owner), sample.Type, RecordClass.IN, Ttl, sample.RData), sample.ToString());
        int length = writer.Finish();

        var message = ReadMessage.From(buffer.AsSpan(0, length));

        Assert.Equal(0xBEEF, message.Header.Id);
        Assert.True(message.Header.IsResponse);
        Assert.True(message.Header.Authoritative);
        Assert.Equal("fmt.test.", message.QuestionName);
        Assert.Equal((ushort)RecordType.ANY, message.QuestionType);
        Assert.Equal(RecordSample.All.Length, message.Header.AnswerCount);
        Assert.Equal(RecordSample.All.Length, message.Records.Count);
        for (int i = 0; i < RecordSample.All.Length; i++)
        {
            var sample = RecordSample.All[i];
            var record = message.Records[i];
            Assert.Equal(sample.Owner, record.Owner);
            Assert.Equal(sample.Type, record.Type);
            Assert.Equal(RecordClass.IN, record.Class);
            Assert.Equal(Ttl, record.Ttl);
            Assert.Equal(sample.RData, record.RData);
            Assert.Equal(sample.Text, record.Text);
        }
    }

    [Fact]
    public void RecordsAreCountedInTheirSections()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.NS, RecordClass.IN));
        var ns = RecordSample.Named("fmt.test. NS");
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, FmtTest, ns.Type, RecordClass.IN, Ttl, ns.RData));
        Assert.True(writer.TryWriteRecord(DnsSection.Authority, FmtTest, ns.Type, RecordClass.IN, Ttl, ns.RData));
        Assert.True(writer.TryWriteRecord(DnsSection.Additional, Name("ns1.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        Assert.True(writer.TryWriteRecord(DnsSection.Additional, Name("ns1.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        int length = writer.Finish();

        var message = ReadMessage.From(buffer.AsSpan(0, length));

        Assert.Equal(1, message.Header.AnswerCount);
        Assert.Equal(1, message.Header.AuthorityCount);
        Assert.Equal(2, message.Header.AdditionalCount);
        Assert.Equal("ns1.fmt.test.", message.Records[3].Owner);
    }

    [Fact]
    public void NamesCompressOnlyWhereRfc3597Allows()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0xBEEF;
        writer.Flags = DnsHeader.QrBit | DnsHeader.AaBit;
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.SOA, RecordClass.IN));
        Write(ref writer, "fmt.test.", "fmt.test. SOA");
        Write(ref writer, "fmt.test.", "fmt.test. NS");
        Write(ref writer, "fmt.test.", "mx.fmt.test. MX");
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("www.fmt.test."), (ushort)RecordType.CNAME, RecordClass.IN, Ttl, Name("mail.fmt.test.")));
        Write(ref writer, "_sip._udp.fmt.test.", "_sip._udp.fmt.test. SRV");
        Write(ref writer, "fmt.test.", "naptr.fmt.test. NAPTR");
        int length = writer.Finish();

        byte[] expected =
        [
            0xBE, 0xEF,                         //   0 ID
            0x84, 0x00,                         //   2 flags: QR AA
            0x00, 0x01,                         //   4 QDCOUNT 1
            0x00, 0x06,                         //   6 ANCOUNT 6
            0x00, 0x00,                         //   8 NSCOUNT 0
            0x00, 0x00,                         //  10 ARCOUNT 0
            0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // 12 question name fmt.test.
            0x00, 0x06,                         //  22 QTYPE SOA
            0x00, 0x01,                         //  24 QCLASS IN
            // SOA: both names in RDATA compress (RFC 1035 type).
            0xC0, 0x0C,                         //  26 owner -> 12 fmt.test.
            0x00, 0x06, 0x00, 0x01,             //  28 TYPE SOA, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             //  32 TTL 3600
            0x00, 0x27,                         //  36 RDLENGTH 39
            0x03, .. "ns1"u8, 0xC0, 0x0C,       //  38 MNAME ns1 + -> 12
            0x0A, .. "hostmaster"u8, 0xC0, 0x0C, // 44 RNAME hostmaster + -> 12
            0x78, 0xA3, 0xF1, 0x75,             //  57 SERIAL 2024010101
            0x00, 0x00, 0x0E, 0x10,             //  61 REFRESH 3600
            0x00, 0x00, 0x03, 0x84,             //  65 RETRY 900
            0x00, 0x09, 0x3A, 0x80,             //  69 EXPIRE 604800
            0x00, 0x00, 0x01, 0x2C,             //  73 MINIMUM 300
            // NS: the whole RDATA name is already in the message.
            0xC0, 0x0C,                         //  77 owner -> 12
            0x00, 0x02, 0x00, 0x01,             //  79 TYPE NS, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             //  83 TTL
            0x00, 0x02,                         //  87 RDLENGTH 2
            0xC0, 0x26,                         //  89 -> 38 ns1.fmt.test. (inside the SOA RDATA)
            // MX
            0xC0, 0x0C,                         //  91 owner -> 12
            0x00, 0x0F, 0x00, 0x01,             //  93 TYPE MX, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             //  97 TTL
            0x00, 0x09,                         // 101 RDLENGTH 9
            0x00, 0x0A,                         // 103 PREFERENCE 10
            0x04, .. "mail"u8, 0xC0, 0x0C,      // 105 EXCHANGE mail + -> 12
            // CNAME
            0x03, .. "www"u8, 0xC0, 0x0C,       // 112 owner www + -> 12
            0x00, 0x05, 0x00, 0x01,             // 118 TYPE CNAME, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             // 122 TTL
            0x00, 0x02,                         // 126 RDLENGTH 2
            0xC0, 0x69,                         // 128 -> 105 mail.fmt.test. (inside the MX RDATA)
            // SRV: the owner compresses, the target does not (RFC 2782, RFC 3597 4).
            0x04, .. "_sip"u8, 0x04, .. "_udp"u8, 0xC0, 0x0C, // 130 owner _sip._udp + -> 12
            0x00, 0x21, 0x00, 0x01,             // 142 TYPE SRV, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             // 146 TTL
            0x00, 0x14,                         // 150 RDLENGTH 20
            0x00, 0x00, 0x00, 0x05, 0x13, 0xC4, // 152 PRIORITY 0, WEIGHT 5, PORT 5060
            0x03, .. "sip"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // 158 TARGET in full
            // NAPTR: the replacement is not compressed (RFC 3597 4), though the same name is at 130.
            0xC0, 0x0C,                         // 172 owner -> 12
            0x00, 0x23, 0x00, 0x01,             // 174 TYPE NAPTR, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             // 178 TTL
            0x00, 0x23,                         // 182 RDLENGTH 35
            0x00, 0x64, 0x00, 0x0A,             // 184 ORDER 100, PREFERENCE 10
            0x01, .. "S"u8,                     // 188 FLAGS
            0x07, .. "SIP+D2U"u8,               // 190 SERVICES
            0x00,                               // 198 REGEXP
            0x04, .. "_sip"u8, 0x04, .. "_udp"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // 199 REPLACEMENT in full
        ];
        Assert.Equal(expected.Length, length);
        Assert.Equal(expected, buffer[..length]);
    }

    private static void Write(ref DnsMessageWriter writer, string owner, string sample)
    {
        var s = RecordSample.Named(sample);
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name(owner), s.Type, RecordClass.IN, Ttl, s.RData), sample);
    }

    [Fact]
    public void CompressionIgnoresCase()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(Name("Fmt.TEST."), (ushort)RecordType.MX, RecordClass.IN));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("fmt.test."), (ushort)RecordType.MX, RecordClass.IN, Ttl,
            [0x00, 0x0A, 0x04, .. "MAIL"u8, 0x03, .. "fMt"u8, 0x04, .. "tEsT"u8, 0x00]));
        Assert.True(writer.TryWriteRecord(DnsSection.Additional, Name("mail.FMT.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        int length = writer.Finish();

        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00,             //   0 ID, flags
            0x00, 0x01, 0x00, 0x01,             //   4 QDCOUNT 1, ANCOUNT 1
            0x00, 0x00, 0x00, 0x01,             //   8 NSCOUNT 0, ARCOUNT 1
            0x03, .. "Fmt"u8, 0x04, .. "TEST"u8, 0x00, // 12 question name, in the client's case
            0x00, 0x0F, 0x00, 0x01,             //  22 QTYPE MX, QCLASS IN
            0xC0, 0x0C,                         //  26 owner fmt.test. -> 12 Fmt.TEST.
            0x00, 0x0F, 0x00, 0x01,             //  28 TYPE MX, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             //  32 TTL
            0x00, 0x09,                         //  36 RDLENGTH 9
            0x00, 0x0A,                         //  38 PREFERENCE 10
            0x04, .. "MAIL"u8, 0xC0, 0x0C,      //  40 MAIL + fMt.tEsT. -> 12
            0xC0, 0x28,                                   //  47 owner mail.FMT.test. -> 40 MAIL.Fmt.TEST.
            0x00, 0x01, 0x00, 0x01,             //  49 TYPE A, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             //  53 TTL
            0x00, 0x04, 192, 0, 2, 1,           //  57 RDLENGTH 4, 192.0.2.1
        ];
        Assert.Equal(expected, buffer[..length]);
    }

    /// <summary>Every way to cut the limit short of a record: the write fails and leaves no trace.</summary>
    public static TheoryData<string, string, ushort, byte[]> RecordsToCutShort => new()
    {
        // The owner compresses to a pointer, so the cut can fall in the owner, the fixed part or the RDATA.
        { "A", "www.fmt.test.", (ushort)RecordType.A, Ipv4 },
        // A compressible RDATA name: "mail" fits before the pointer does.
        { "MX", "fmt.test.", (ushort)RecordType.MX, RecordSample.Named("mx.fmt.test. MX").RData },
        { "SOA", "fmt.test.", (ushort)RecordType.SOA, RecordSample.Named("fmt.test. SOA").RData },
        { "TXT", "txt.fmt.test.", (ushort)RecordType.TXT, RecordSample.Named("txt.fmt.test. TXT").RData },
    };

    [Theory]
    [MemberData(nameof(RecordsToCutShort))]
    public void RecordPastTheLimitIsNotWrittenAtAll(string type, string owner, ushort rrtype, byte[] rdata)
    {
        // Measure the record with no limit.
        var buffer = new byte[512];
        var measure = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(measure.TryWriteQuestion(FmtTest, rrtype, RecordClass.IN));
        int start = measure.Position;
        Assert.True(measure.TryWriteRecord(DnsSection.Answer, Name(owner), rrtype, RecordClass.IN, Ttl, rdata));
        int size = measure.Position - start;

        for (int room = 0; room < size; room++)
        {
            Array.Clear(buffer);
            var writer = new DnsMessageWriter(buffer, buffer.Length);
            Assert.True(writer.TryWriteQuestion(FmtTest, rrtype, RecordClass.IN));
            writer.SetLimit(start + room);

            Assert.False(writer.TryWriteRecord(DnsSection.Answer, Name(owner), rrtype, RecordClass.IN, Ttl, rdata), $"{type} in {room} of {size} octets");
            Assert.Equal(start, writer.Position);
            Assert.Equal(0, writer.AnswerCount);

            // The failed write left no compression target behind: the same record, given room, reads back whole.
            writer.SetLimit(buffer.Length);
            Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name(owner), rrtype, RecordClass.IN, Ttl, rdata));
            Assert.Equal(start + size, writer.Position);
            var message = ReadMessage.From(buffer.AsSpan(0, writer.Finish()));
            Assert.Equal(owner, Assert.Single(message.Records).Owner);
            Assert.Equal(rdata, message.Records[0].RData);
        }
    }

    [Fact]
    public void RecordThatExactlyFillsTheLimitIsWritten()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.A, RecordClass.IN));
        // owner pointer (2) + TYPE, CLASS, TTL, RDLENGTH (10) + RDATA (4)
        writer.SetLimit(writer.Position + 16);

        Assert.True(writer.TryWriteRecord(DnsSection.Answer, FmtTest, (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        Assert.Equal(writer.Limit, writer.Position);
    }

    [Fact]
    public void QuestionPastTheLimitIsNotWritten()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, 12 + 13); // one octet short of fmt.test. (10) + QTYPE + QCLASS

        Assert.False(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.A, RecordClass.IN));
        Assert.Equal(12, writer.Position);
        Assert.Equal(12, writer.Finish());
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4))); // QDCOUNT
    }

    [Fact]
    public void LimitIsNeverAboveTheBuffer()
    {
        var buffer = new byte[100];
        var writer = new DnsMessageWriter(buffer, 65535);

        Assert.Equal(100, writer.Limit);
        writer.SetLimit(1000);
        Assert.Equal(100, writer.Limit);
    }

    [Fact]
    public void RewindDropsRecordsCountsAndCompressionTargets()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.A, RecordClass.IN));
        var mark = writer.Mark();
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("dropped.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        Assert.True(writer.TryWriteRecord(DnsSection.Authority, FmtTest, (ushort)RecordType.NS, RecordClass.IN, Ttl, Name("ns1.dropped.fmt.test.")));
        Assert.True(writer.TryWriteRecord(DnsSection.Additional, Name("ns1.dropped.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));

        writer.Rewind(mark);

        Assert.Equal(26, writer.Position);
        Assert.Equal(0, writer.AnswerCount);
        Assert.Equal(0, writer.AuthorityCount);
        Assert.Equal(0, writer.AdditionalCount);
        // A name that was written after the mark is written again in full, not pointed at.
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("dropped.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, [198, 51, 100, 1]));
        int length = writer.Finish();
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00,             //  0 ID, flags
            0x00, 0x01, 0x00, 0x01,             //  4 QDCOUNT 1, ANCOUNT 1
            0x00, 0x00, 0x00, 0x00,             //  8 NSCOUNT 0, ARCOUNT 0
            0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // 12 question name
            0x00, 0x01, 0x00, 0x01,             // 22 QTYPE A, QCLASS IN
            0x07, .. "dropped"u8, 0xC0, 0x0C,   // 26 owner dropped + -> 12
            0x00, 0x01, 0x00, 0x01,             // 36 TYPE A, CLASS IN
            0x00, 0x00, 0x0E, 0x10,             // 40 TTL
            0x00, 0x04, 198, 51, 100, 1,        // 44 RDLENGTH 4, 198.51.100.1
        ];
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void RewindBeforeTheQuestionDropsTheQuestion()
    {
        // Regression: the mark did not hold QDCOUNT, so the header still claimed the dropped question.
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        var mark = writer.Mark();
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.A, RecordClass.IN));

        writer.Rewind(mark);
        int length = writer.Finish();

        Assert.Equal(12, length);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4))); // QDCOUNT
    }

    [Fact]
    public void OptRecordLayout()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0x0102;
        writer.Flags = DnsHeader.QrBit;
        Assert.True(writer.TryWriteQuestion(DnsName.Root, (ushort)RecordType.NS, RecordClass.IN));
        byte[] cookie = [0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8];

        Assert.True(writer.TryWriteOpt(udpPayloadSize: 1232, extendedRcode: 1, version: 0, flags: EdnsInfo.DoBit, cookie));
        int length = writer.Finish();

        byte[] expected =
        [
            0x01, 0x02,                         //  0 ID
            0x80, 0x00,                         //  2 flags: QR
            0x00, 0x01,                         //  4 QDCOUNT 1
            0x00, 0x00,                         //  6 ANCOUNT 0
            0x00, 0x00,                         //  8 NSCOUNT 0
            0x00, 0x01,                         // 10 ARCOUNT 1: the OPT record
            0x00,                               // 12 question name: root
            0x00, 0x02, 0x00, 0x01,             // 13 QTYPE NS, QCLASS IN
            0x00,                               // 17 OPT owner: root (RFC 6891 6.1.2)
            0x00, 0x29,                         // 18 TYPE OPT
            0x04, 0xD0,                         // 20 CLASS: UDP payload size 1232
            0x01,                               // 22 TTL: extended RCODE (BADVERS = 16 -> 1)
            0x00,                               // 23 TTL: version 0
            0x80, 0x00,                         // 24 TTL: DO
            0x00, 0x0C,                         // 26 RDLENGTH 12
            0x00, 0x0A, 0x00, 0x08,             // 28 option COOKIE, length 8
            1, 2, 3, 4, 5, 6, 7, 8,             // 32 client cookie
        ];
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void OptUsesRoomReservedPastTheLimit()
    {
        var buffer = new byte[12 + 5 + 11];    // header, root question, OPT with no options
        var writer = new DnsMessageWriter(buffer, buffer.Length - 11);
        Assert.True(writer.TryWriteQuestion(DnsName.Root, (ushort)RecordType.NS, RecordClass.IN));
        Assert.False(writer.TryWriteRecord(DnsSection.Answer, DnsName.Root, (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));

        Assert.True(writer.TryWriteOpt(1232, 0, 0, 0));
        Assert.Equal(buffer.Length, writer.Position);
        Assert.Equal(1, writer.AdditionalCount);
    }

    [Fact]
    public void OptThatDoesNotFitTheBufferIsNotWritten()
    {
        var buffer = new byte[12 + 5 + 10];    // one octet short of an empty OPT
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(DnsName.Root, (ushort)RecordType.NS, RecordClass.IN));

        Assert.False(writer.TryWriteOpt(1232, 0, 0, 0));
        Assert.Equal(17, writer.Position);
        Assert.Equal(0, writer.AdditionalCount);
    }

    [Fact]
    public void CompressionPointsOnlyBelowOffset0x3FFF()
    {
        // A 14-bit pointer cannot reach past 0x3FFF (RFC 1035 4.1.4); names written beyond stay whole.
        var buffer = new byte[65535];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(FmtTest, (ushort)RecordType.A, RecordClass.IN)); // ends at 26
        // Opaque filler: owner pointer (2) + fixed (10) + RDATA brings the next record to 0x3FF0.
        var filler = new byte[0x3FF0 - 26 - 12];
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, FmtTest, 65280, RecordClass.IN, Ttl, filler));
        Assert.Equal(0x3FF0, writer.Position);

        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("near.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4)); // label "near" at 0x3FF0
        int farAt = writer.Position;
        Assert.True(farAt > 0x3FFF);
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("far.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));  // label "far" past 0x3FFF
        int nearAgainAt = writer.Position;
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("near.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        int farAgainAt = writer.Position;
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, Name("far.fmt.test."), (ushort)RecordType.A, RecordClass.IN, Ttl, Ipv4));
        int length = writer.Finish();

        Assert.Equal([0x03, .. "far"u8, 0xC0, 0x0C], buffer[farAt..(farAt + 6)]);         // far + -> 12
        Assert.Equal([0xFF, 0xF0], buffer[nearAgainAt..(nearAgainAt + 2)]);                // -> 0x3FF0 near.fmt.test.
        Assert.Equal([0x03, .. "far"u8, 0xC0, 0x0C], buffer[farAgainAt..(farAgainAt + 6)]); // whole again: 0x3FFF+ is out of reach
        var message = ReadMessage.From(buffer.AsSpan(0, length));
        Assert.Equal(["fmt.test.", "near.fmt.test.", "far.fmt.test.", "near.fmt.test.", "far.fmt.test."], message.Records.Select(r => r.Owner));
    }

    [Fact]
    public void NameWithARepeatedLabelDoesNotPointIntoItself()
    {
        // Regression: while writing "test.test." the first label was already a compression target, and
        // the unwritten bytes after it (zero here) made it look like "test.", so the second label
        // became a pointer back to the first: a name that loops forever.
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);

        Assert.True(writer.TryWriteQuestion(Name("test.test."), (ushort)RecordType.A, RecordClass.IN));
        int length = writer.Finish();

        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00,             //  0 ID, flags
            0x00, 0x01, 0x00, 0x00,             //  4 QDCOUNT 1, ANCOUNT 0
            0x00, 0x00, 0x00, 0x00,             //  8 NSCOUNT 0, ARCOUNT 0
            0x04, .. "test"u8,                  // 12 label "test"
            0x04, .. "test"u8,                  // 17 label "test", not a pointer to 12
            0x00,                               // 22 root
            0x00, 0x01, 0x00, 0x01,             // 23 QTYPE A, QCLASS IN
        ];
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void ReusedBufferDoesNotMakeANamePointIntoItself()
    {
        // The server reuses its response buffer. After an answer about www.fmt.test., a question for
        // www.www.fmt.test. found the old bytes after its own first label and pointed at itself.
        var buffer = new byte[512];
        var first = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(first.TryWriteQuestion(Name("www.fmt.test."), (ushort)RecordType.A, RecordClass.IN));
        first.Finish();

        var writer = new DnsMessageWriter(buffer, buffer.Length);
        Assert.True(writer.TryWriteQuestion(Name("www.www.fmt.test."), (ushort)RecordType.A, RecordClass.IN));
        int length = writer.Finish();

        Assert.Equal("www.www.fmt.test.", ReadMessage.From(buffer.AsSpan(0, length)).QuestionName);
        Assert.Equal(12 + 18 + 4, length);      // header, the name in full, QTYPE and QCLASS
    }
}
