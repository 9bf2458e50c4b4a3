using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class DnsMessageReaderTests
{
    // The 12-byte header of a query with one question and nothing else (RFC 1035 4.1.1).
    private static readonly byte[] OneQuestionHeader =
    [
        0x12, 0x34, //  0 ID
        0x01, 0x00, //  2 flags: RD
        0x00, 0x01, //  4 QDCOUNT 1
        0x00, 0x00, //  6 ANCOUNT 0
        0x00, 0x00, //  8 NSCOUNT 0
        0x00, 0x00, // 10 ARCOUNT 0
    ];

    // The header of a message with one answer and no question, for record-level fixtures.
    private static readonly byte[] OneAnswerHeader =
    [
        0x12, 0x34, //  0 ID
        0x84, 0x00, //  2 flags: QR AA
        0x00, 0x00, //  4 QDCOUNT 0
        0x00, 0x01, //  6 ANCOUNT 1
        0x00, 0x00, //  8 NSCOUNT 0
        0x00, 0x00, // 10 ARCOUNT 0
    ];

    [Fact]
    public void HeaderFieldsAreReadInNetworkOrder()
    {
        byte[] message =
        [
            0xBE, 0xEF, //  0 ID 0xBEEF
            0xA7, 0x93, //  2 flags: QR=1 OPCODE=4 (NOTIFY) AA TC RD, RA=1, CD=1, RCODE=3
            0x01, 0x02, //  4 QDCOUNT 258
            0x03, 0x04, //  6 ANCOUNT 772
            0x05, 0x06, //  8 NSCOUNT 1286
            0x07, 0x08, // 10 ARCOUNT 1800
        ];
        var reader = new DnsMessageReader(message);

        Assert.True(reader.TryReadHeader(out var header));

        Assert.Equal(0xBEEF, header.Id);
        Assert.True(header.IsResponse);
        Assert.Equal(OpCode.Notify, header.OpCode);
        Assert.True(header.Authoritative);
        Assert.True(header.Truncated);
        Assert.True(header.RecursionDesired);
        Assert.True(header.CheckingDisabled);
        Assert.Equal(3, header.ResponseCodeLow);
        Assert.Equal(258, header.QuestionCount);
        Assert.Equal(772, header.AnswerCount);
        Assert.Equal(1286, header.AuthorityCount);
        Assert.Equal(1800, header.AdditionalCount);
        Assert.Equal(12, reader.Position);
    }

    [Fact]
    public void QueryWithFlagsClearReadsAsAQuery()
    {
        byte[] message =
        [
            0x00, 0x01, //  0 ID 1
            0x00, 0x00, //  2 flags: all clear (QUERY, no RD)
            0x00, 0x01, //  4 QDCOUNT 1
            0x00, 0x00, //  6 ANCOUNT 0
            0x00, 0x00, //  8 NSCOUNT 0
            0x00, 0x00, // 10 ARCOUNT 0
        ];
        var reader = new DnsMessageReader(message);

        Assert.True(reader.TryReadHeader(out var header));

        Assert.False(header.IsResponse);
        Assert.Equal(OpCode.Query, header.OpCode);
        Assert.False(header.RecursionDesired);
        Assert.False(header.Authoritative);
        Assert.Equal(0, header.ResponseCodeLow);
    }

    [Fact]
    public void HandMadeQueryReadsQuestionAndOpt()
    {
        // dig www.example.test A +norec +dnssec, as it goes on the wire.
        byte[] query =
        [
            0xBE, 0xEF,                     //  0 ID
            0x00, 0x20,                     //  2 flags: QUERY, AD
            0x00, 0x01,                     //  4 QDCOUNT 1
            0x00, 0x00,                     //  6 ANCOUNT 0
            0x00, 0x00,                     //  8 NSCOUNT 0
            0x00, 0x01,                     // 10 ARCOUNT 1
            0x03, .. "www"u8,               // 12 label "www"
            0x07, .. "example"u8,           // 16 label "example"
            0x04, .. "test"u8,              // 24 label "test"
            0x00,                           // 29 root
            0x00, 0x01,                     // 30 QTYPE A
            0x00, 0x01,                     // 32 QCLASS IN
            0x00,                           // 34 OPT owner: root
            0x00, 0x29,                     // 35 TYPE OPT (41)
            0x04, 0xD0,                     // 37 CLASS = UDP payload size 1232
            0x00,                           // 39 extended RCODE
            0x00,                           // 40 EDNS version 0
            0x80, 0x00,                     // 41 flags: DO
            0x00, 0x00,                     // 43 RDLENGTH 0
        ];
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[256];

        Assert.True(reader.TryReadHeader(out var header));
        Assert.True(reader.TryReadQuestion(name, out var question));

        Assert.Equal("www.example.test.", DnsName.ToText(name[..question.NameLength]));
        Assert.Equal(18, question.NameLength);
        Assert.Equal((ushort)RecordType.A, question.Type);
        Assert.Equal(RecordClass.IN, question.Class);
        Assert.Equal(34, reader.Position);

        Assert.True(reader.TryReadRecord(name, out var opt));
        Assert.Equal((ushort)RecordType.OPT, opt.Type);
        Assert.True(reader.TryReadEdns(opt, out var edns));
        Assert.True(edns.Present);
        Assert.Equal(1232, edns.UdpPayloadSize);
        Assert.True(edns.DnssecOk);
        Assert.Equal(query.Length, reader.Position);
        Assert.Equal(0, reader.Remaining);
    }

    // A response in which names are compressed: one pointer to the question, and a chain of two pointers.
    private static readonly byte[] CompressedResponse =
    [
        0x12, 0x34,                     //  0 ID
        0x84, 0x00,                     //  2 flags: QR AA
        0x00, 0x01,                     //  4 QDCOUNT 1
        0x00, 0x02,                     //  6 ANCOUNT 2
        0x00, 0x00,                     //  8 NSCOUNT 0
        0x00, 0x00,                     // 10 ARCOUNT 0
        0x07, .. "example"u8,           // 12 question name: label "example"
        0x04, .. "test"u8,              // 20 label "test"
        0x00,                           // 25 root
        0x00, 0x01,                     // 26 QTYPE A
        0x00, 0x01,                     // 28 QCLASS IN
        0x03, .. "www"u8,               // 30 answer 1 owner: label "www"
        0xC0, 0x0C,                     // 34   pointer to 12 -> www.example.test.
        0x00, 0x05,                     // 36 TYPE CNAME
        0x00, 0x01,                     // 38 CLASS IN
        0x00, 0x00, 0x0E, 0x10,         // 40 TTL 3600
        0x00, 0x06,                     // 44 RDLENGTH 6
        0x03, .. "web"u8,               // 46 RDATA: label "web"
        0xC0, 0x0C,                     // 50   pointer to 12 -> web.example.test.
        0x02, .. "db"u8,                // 52 answer 2 owner: label "db"
        0xC0, 0x2E,                     // 55   pointer to 46, which points on to 12
        0x00, 0x01,                     // 57 TYPE A
        0x00, 0x01,                     // 59 CLASS IN
        0x00, 0x00, 0x01, 0x2C,         // 61 TTL 300
        0x00, 0x04,                     // 65 RDLENGTH 4
        0xC0, 0x00, 0x02, 0x0A,         // 67 192.0.2.10
    ];

    [Fact]
    public void PointerToAnEarlierNameIsExpanded()
    {
        var reader = new DnsMessageReader(CompressedResponse);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));
        Assert.True(reader.TryReadQuestion(name, out _));

        Assert.True(reader.TryReadRecord(name, out var cname));

        Assert.Equal("www.example.test.", DnsName.ToText(name[..cname.NameLength]));
        Assert.Equal((ushort)RecordType.CNAME, cname.Type);
        Assert.Equal(3600u, cname.Ttl);
        Assert.Equal(46, cname.RDataOffset);
        Assert.Equal(6, cname.RDataLength);
        Span<byte> target = stackalloc byte[256];
        int length = RecordData.CopyUncompressed(cname.Type, CompressedResponse, cname.RDataOffset, cname.RDataLength, target);
        Assert.Equal("web.example.test.", DnsName.ToText(target[..length]));
        // The reader continues after the first pointer, not after the name it points to.
        Assert.Equal(52, reader.Position);
    }

    [Fact]
    public void ChainOfPointersIsFollowedToTheEnd()
    {
        var reader = new DnsMessageReader(CompressedResponse);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));
        Assert.True(reader.TryReadQuestion(name, out _));
        Assert.True(reader.TryReadRecord(name, out _));

        Assert.True(reader.TryReadRecord(name, out var a));

        Assert.Equal("db.web.example.test.", DnsName.ToText(name[..a.NameLength]));
        Assert.Equal(21, a.NameLength);
        Assert.Equal((ushort)RecordType.A, a.Type);
        Assert.Equal(300u, a.Ttl);
        Assert.Equal(67, a.RDataOffset);
        Assert.Equal(CompressedResponse.Length, reader.Position);
    }

    [Fact]
    public void HeaderShorterThan12BytesIsShortHeader()
    {
        byte[] message =
        [
            0x12, 0x34, //  0 ID
            0x01, 0x00, //  2 flags
            0x00, 0x01, //  4 QDCOUNT
            0x00, 0x00, //  6 ANCOUNT
            0x00, 0x00, //  8 NSCOUNT
            0x00,       // 10 ARCOUNT, cut after one byte
        ];
        var reader = new DnsMessageReader(message);

        Assert.False(reader.TryReadHeader(out _));
        Assert.Equal(DnsReadError.ShortHeader, reader.Error);
    }

    [Fact]
    public void EmptyMessageIsShortHeader()
    {
        var reader = new DnsMessageReader([]);

        Assert.False(reader.TryReadHeader(out _));
        Assert.Equal(DnsReadError.ShortHeader, reader.Error);
    }

    public static TheoryData<string, byte[], DnsReadError> MalformedQuestionNames => new()
    {
        {
            "label running past the end",
            [
                .. OneQuestionHeader,   //  0 header
                0x05, .. "abc"u8,       // 12 label of 5 octets with only 3 present
            ],
            DnsReadError.Truncated
        },
        {
            "name without its root label",
            [
                .. OneQuestionHeader,   //  0 header
                0x01, .. "a"u8,         // 12 label "a", then the message ends
            ],
            DnsReadError.Truncated
        },
        {
            "pointer cut after its first byte",
            [
                .. OneQuestionHeader,   //  0 header
                0xC0,                   // 12 first byte of a pointer
            ],
            DnsReadError.Truncated
        },
        {
            "pointer past the end",
            [
                .. OneQuestionHeader,   //  0 header
                0xC0, 0xFF,             // 12 pointer to 255, message is 18 bytes
                0x00, 0x01,             // 14 QTYPE A
                0x00, 0x01,             // 16 QCLASS IN
            ],
            DnsReadError.PointerPastEnd
        },
        {
            "pointer to itself",
            [
                .. OneQuestionHeader,   //  0 header
                0xC0, 0x0C,             // 12 pointer to 12
                0x00, 0x01,             // 14 QTYPE A
                0x00, 0x01,             // 16 QCLASS IN
            ],
            DnsReadError.PointerNotBackwards
        },
        {
            // A check of "pointer below the pointer's own offset" would loop here forever.
            "pointer back to the start of its own name",
            [
                .. OneQuestionHeader,   //  0 header
                0x01, .. "a"u8,         // 12 label "a"
                0xC0, 0x0C,             // 14 pointer to 12
                0x00, 0x01,             // 16 QTYPE A
                0x00, 0x01,             // 18 QCLASS IN
            ],
            DnsReadError.PointerNotBackwards
        },
        {
            "forward pointer",
            [
                .. OneQuestionHeader,   //  0 header
                0xC0, 0x0E,             // 12 pointer to 14, later in the message
                0x00,                   // 14 root
                0x00, 0x01,             // 15 QTYPE A
                0x00, 0x01,             // 17 QCLASS IN
            ],
            DnsReadError.PointerNotBackwards
        },
        {
            // On the wire a length above 63 sets the 0x40 bit: RFC 1035 4.1.4 has no such label.
            "label of 64 octets",
            [
                .. OneQuestionHeader,   //  0 header
                0x40, .. new byte[64],  // 12 length 64, then 64 octets
                0x00,                   // 77 root
                0x00, 0x01,             // 78 QTYPE A
                0x00, 0x01,             // 80 QCLASS IN
            ],
            DnsReadError.BadLabelType
        },
        {
            // RFC 6891 5: the extended label type 0b01 is not in use.
            "extended label type 0x40",
            [
                .. OneQuestionHeader,   //  0 header
                0x41, 0x01, 0xFF,       // 12 0x41: the retired bit-string label of RFC 2673
                0x00,                   // 15 root
                0x00, 0x01,             // 16 QTYPE A
                0x00, 0x01,             // 18 QCLASS IN
            ],
            DnsReadError.BadLabelType
        },
        {
            "reserved label type 0x80",
            [
                .. OneQuestionHeader,   //  0 header
                0x80, 0x00,             // 12 label type 0b10 (reserved)
                0x00, 0x01,             // 14 QTYPE A
                0x00, 0x01,             // 16 QCLASS IN
            ],
            DnsReadError.BadLabelType
        },
        {
            "question without QTYPE and QCLASS",
            [
                .. OneQuestionHeader,   //  0 header
                0x00,                   // 12 root
                0x00, 0x01,             // 13 QTYPE A, no QCLASS
            ],
            DnsReadError.Truncated
        },
    };

    [Theory]
    [MemberData(nameof(MalformedQuestionNames))]
    public void MalformedQuestionIsRejectedWithTheReason(string why, byte[] message, DnsReadError expected)
    {
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadQuestion(name, out _), why);
        Assert.Equal(expected, reader.Error);
    }

    [Fact]
    public void PointerLoopBetweenTwoNamesIsRejected()
    {
        byte[] message =
        [
            .. OneQuestionHeader,   //  0 header
            0xC0, 0x0E,             // 12 pointer to 14
            0xC0, 0x0C,             // 14 pointer to 12
        ];

        // Entered at 14: the first hop (to 12) goes backwards and is fine, the second (back to 14) is not.
        int position = 14;
        var fromSecond = DnsMessageReader.ReadName(message, ref position, new byte[256], out _);
        position = 12;
        var fromFirst = DnsMessageReader.ReadName(message, ref position, new byte[256], out _);

        Assert.Equal(DnsReadError.PointerNotBackwards, fromSecond);
        Assert.Equal(DnsReadError.PointerNotBackwards, fromFirst);
    }

    [Fact]
    public void NameOf255OctetsIsAccepted()
    {
        // RFC 1035 3.1: 255 octets is the limit, the root label included.
        var message = QuestionWithManyLabelsExact(255);
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.True(reader.TryReadQuestion(name, out var question), reader.Error.ToString());
        Assert.Equal(255, question.NameLength);
    }

    [Fact]
    public void NameOf256OctetsIsNameTooLong()
    {
        var message = QuestionWithManyLabelsExact(256);
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadQuestion(name, out _));
        Assert.Equal(DnsReadError.NameTooLong, reader.Error);
    }

    /// <summary>
    /// A question whose name is exactly <paramref name="wireLength"/> octets: one-octet labels "a"
    /// (2 octets each), one last label of one or two octets to hit the length, and the root.
    /// </summary>
    private static byte[] QuestionWithManyLabelsExact(int wireLength)
    {
        int body = wireLength - 1;                          // octets before the root
        int lastLabel = body % 2 == 0 ? 1 : 2;              // "a" (2 octets) or "bb" (3 octets)
        int count = (body - (lastLabel + 1)) / 2;
        var message = new List<byte>(OneQuestionHeader);    //  0 header
        for (int i = 0; i < count; i++)
            message.AddRange([0x01, (byte)'a']);            // 12 + 2i: label "a"
        message.Add((byte)lastLabel);                       // last label
        for (int i = 0; i < lastLabel; i++)
            message.Add((byte)'b');
        message.Add(0x00);                                  // root
        message.AddRange([0x00, 0x01, 0x00, 0x01]);         // QTYPE A, QCLASS IN
        Assert.Equal(DnsHeader.Size + wireLength + 4, message.Count);
        return [.. message];
    }

    [Fact]
    public void NameMadeTooLongThroughAPointerIsNameTooLong()
    {
        // 125 "a" labels + root = 251 octets in the question; the answer owner puts the label "wxyz"
        // (5 octets) in front of a pointer to it, which expands to 256 octets: one too many.
        var message = new List<byte>(OneQuestionHeader.Length + 300);
        message.AddRange(OneQuestionHeader);                //  0 header (QDCOUNT 1)
        message[7] = 1;                                     //  6 ANCOUNT 1
        for (int i = 0; i < 125; i++)
            message.AddRange([0x01, (byte)'a']);            // 12 + 2i: label "a"
        message.Add(0x00);                                  // 262 root: a 251-octet name
        message.AddRange([0x00, 0x01, 0x00, 0x01]);         // 263 QTYPE A, QCLASS IN
        message.AddRange([0x04, .. "wxyz"u8]);              // 267 owner: label "wxyz" (5 octets) -> 256 in all
        message.AddRange([0xC0, 0x0C]);                     // 272 pointer to the question name
        message.AddRange([0x00, 0x01, 0x00, 0x01]);         // 274 TYPE A, CLASS IN
        message.AddRange([0x00, 0x00, 0x00, 0x3C]);         // 278 TTL 60
        message.AddRange([0x00, 0x04, 192, 0, 2, 1]);       // 282 RDLENGTH 4, 192.0.2.1
        var reader = new DnsMessageReader(message.ToArray());
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));
        Assert.True(reader.TryReadQuestion(name, out var question));
        Assert.Equal(251, question.NameLength);

        Assert.False(reader.TryReadRecord(name, out _));
        Assert.Equal(DnsReadError.NameTooLong, reader.Error);
    }

    /// <summary>One answer record owned by the root with the given TYPE, RDLENGTH and RDATA bytes.</summary>
    private static byte[] OneRecord(RecordType type, int rdlength, byte[] rdata) =>
    [
        .. OneAnswerHeader,                             //  0 header
        0x00,                                           // 12 owner: root
        (byte)((int)type >> 8), (byte)type,             // 13 TYPE
        0x00, 0x01,                                     // 15 CLASS IN
        0x00, 0x00, 0x0E, 0x10,                         // 17 TTL 3600
        (byte)(rdlength >> 8), (byte)rdlength,          // 21 RDLENGTH
        .. rdata,                                       // 23 RDATA
    ];

    private static readonly byte[] SoaRData =
    [
        0x03, .. "ns1"u8, 0x00,                         //  0 MNAME ns1.
        0x02, .. "hm"u8, 0x00,                          //  5 RNAME hm.
        0x00, 0x00, 0x00, 0x01,                         //  9 SERIAL 1
        0x00, 0x00, 0x0E, 0x10,                         // 13 REFRESH 3600
        0x00, 0x00, 0x03, 0x84,                         // 17 RETRY 900
        0x00, 0x09, 0x3A, 0x80,                         // 21 EXPIRE 604800
        0x00, 0x00, 0x01, 0x2C,                         // 25 MINIMUM 300
    ];

    public static TheoryData<string, byte[]> WellFormedRecords => new()
    {
        { "A", OneRecord(RecordType.A, 4, [192, 0, 2, 1]) },
        { "AAAA", OneRecord(RecordType.AAAA, 16, [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) },
        { "MX", OneRecord(RecordType.MX, 8, [0x00, 0x0A, /* preference 10 */ 0x04, .. "mail"u8, 0x00 /* mail. */]) },
        { "NS", OneRecord(RecordType.NS, 5, [0x03, .. "ns1"u8, 0x00]) },
        { "SOA", OneRecord(RecordType.SOA, SoaRData.Length, SoaRData) },
        { "TXT", OneRecord(RecordType.TXT, 6, [0x02, .. "hi"u8, 0x02, .. "yo"u8]) },
    };

    [Theory]
    [MemberData(nameof(WellFormedRecords))]
    public void WellFormedRecordIsRead(string type, byte[] message)
    {
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.True(reader.TryReadRecord(name, out var record), $"{type}: {reader.Error}");
        Assert.Equal(type, RecordData.TypeToText(record.Type));
        Assert.Equal(message.Length, reader.Position);
    }

    public static TheoryData<string, byte[]> RDataLengthMismatches => new()
    {
        { "A with 5 octets", OneRecord(RecordType.A, 5, [192, 0, 2, 1, 0]) },
        { "A with 3 octets", OneRecord(RecordType.A, 3, [192, 0, 2]) },
        { "AAAA with 4 octets", OneRecord(RecordType.AAAA, 4, [0x20, 0x01, 0x0D, 0xB8]) },
        { "MX with only a preference", OneRecord(RecordType.MX, 2, [0x00, 0x0A]) },
        { "MX with one octet", OneRecord(RecordType.MX, 1, [0x00]) },
        { "MX with a stray octet after the name", OneRecord(RecordType.MX, 9, [0x00, 0x0A, 0x04, .. "mail"u8, 0x00, 0xFF]) },
        { "NS whose name runs past RDLENGTH", OneRecord(RecordType.NS, 3, [0x03, .. "ns1"u8, 0x00]) },
        { "NS with a stray octet after the name", OneRecord(RecordType.NS, 6, [0x03, .. "ns1"u8, 0x00, 0xFF]) },
        { "NS with no RDATA", OneRecord(RecordType.NS, 0, []) },
        { "SOA missing a timer octet", OneRecord(RecordType.SOA, SoaRData.Length - 1, SoaRData[..^1]) },
        { "SOA with an extra octet", OneRecord(RecordType.SOA, SoaRData.Length + 1, [.. SoaRData, 0x00]) },
        { "TXT string longer than RDATA", OneRecord(RecordType.TXT, 3, [0x05, .. "ab"u8]) },
        { "TXT second string longer than RDATA", OneRecord(RecordType.TXT, 6, [0x02, .. "hi"u8, 0x07, .. "yo"u8]) },
        { "TXT with no string", OneRecord(RecordType.TXT, 0, []) },
    };

    [Theory]
    [MemberData(nameof(RDataLengthMismatches))]
    public void RDataNotMatchingRDLengthIsRejected(string why, byte[] message)
    {
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadRecord(name, out _), why);
        Assert.Equal(DnsReadError.RDataLengthMismatch, reader.Error);
    }

    [Fact]
    public void RDLengthPastTheEndOfTheMessageIsTruncated()
    {
        var message = OneRecord(RecordType.A, 8, [192, 0, 2, 1]);
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadRecord(name, out _));
        Assert.Equal(DnsReadError.Truncated, reader.Error);
    }

    [Fact]
    public void RecordCutInItsFixedFieldsIsTruncated()
    {
        byte[] message =
        [
            .. OneAnswerHeader,         //  0 header
            0x00,                       // 12 owner: root
            0x00, 0x01,                 // 13 TYPE A
            0x00, 0x01,                 // 15 CLASS IN
            0x00, 0x00, 0x0E,           // 17 TTL, one octet short, and no RDLENGTH
        ];
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadRecord(name, out _));
        Assert.Equal(DnsReadError.Truncated, reader.Error);
    }

    [Fact]
    public void NameInRDataMayNotRunPastRDLengthEvenThroughAPointer()
    {
        // The NS RDATA is "ns" plus a pointer; RDLENGTH 3 cuts the pointer in half.
        byte[] message =
        [
            .. OneAnswerHeader,         //  0 header
            0x00,                       // 12 owner: root
            0x00, 0x02,                 // 13 TYPE NS
            0x00, 0x01,                 // 15 CLASS IN
            0x00, 0x00, 0x0E, 0x10,     // 17 TTL 3600
            0x00, 0x04,                 // 21 RDLENGTH 4
            0x02, .. "ns"u8,            // 23 label "ns"
            0xC0,                       // 26 first byte of a pointer to 12 (root)
            0x0C,                       // 27 second byte, outside RDATA when RDLENGTH is 4
        ];
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.False(reader.TryReadRecord(name, out _));
        Assert.Equal(DnsReadError.RDataLengthMismatch, reader.Error);
    }

    [Fact]
    public void UnknownTypeRDataIsOpaque()
    {
        // RFC 3597: the reader cannot judge RDATA it does not know, any length goes.
        var message = OneRecord((RecordType)65280, 3, [0x01, 0x02, 0x03]);
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));

        Assert.True(reader.TryReadRecord(name, out var record));
        Assert.Equal(65280, record.Type);
        Assert.Equal(3, record.RDataLength);
    }
}
