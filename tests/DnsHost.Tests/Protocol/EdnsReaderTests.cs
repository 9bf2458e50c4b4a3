using System.Net;
using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class EdnsReaderTests
{
    /// <summary>A message whose only record is an OPT pseudo-record (RFC 6891 6.1.2) with the given fields and options.</summary>
    private static byte[] MessageWithOpt(ushort payload, byte extendedRcode, byte version, ushort flags, byte[] options) =>
    [
        0x12, 0x34,                             //  0 ID
        0x00, 0x00,                             //  2 flags
        0x00, 0x00,                             //  4 QDCOUNT 0
        0x00, 0x00,                             //  6 ANCOUNT 0
        0x00, 0x00,                             //  8 NSCOUNT 0
        0x00, 0x01,                             // 10 ARCOUNT 1
        0x00,                                   // 12 owner: root
        0x00, 0x29,                             // 13 TYPE OPT (41)
        (byte)(payload >> 8), (byte)payload,    // 15 CLASS: requestor's UDP payload size
        extendedRcode,                          // 17 TTL: upper 8 bits of the extended RCODE
        version,                                // 18 TTL: EDNS version
        (byte)(flags >> 8), (byte)flags,        // 19 TTL: DO and Z flags
        (byte)(options.Length >> 8), (byte)options.Length, // 21 RDLENGTH
        .. options,                             // 23 options
    ];

    /// <summary>One EDNS option: OPTION-CODE, OPTION-LENGTH, OPTION-DATA.</summary>
    private static byte[] Option(ushort code, byte[] data) =>
        [(byte)(code >> 8), (byte)code, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    private static bool TryRead(byte[] message, out EdnsInfo edns, out DnsReadError error)
    {
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[256];
        Assert.True(reader.TryReadHeader(out _));
        Assert.True(reader.TryReadRecord(name, out var record), reader.Error.ToString());
        Assert.Equal((ushort)RecordType.OPT, record.Type);
        bool ok = reader.TryReadEdns(record, out edns);
        error = reader.Error;
        return ok;
    }

    private static EdnsInfo ReadValid(byte[] message)
    {
        Assert.True(TryRead(message, out var edns, out var error), error.ToString());
        Assert.Equal(DnsReadError.None, error);
        return edns;
    }

    private static void AssertBadOption(byte[] message)
    {
        Assert.False(TryRead(message, out _, out var error));
        Assert.Equal(DnsReadError.BadOption, error);
    }

    [Fact]
    public void OptFixedFieldsAreRead()
    {
        var edns = ReadValid(MessageWithOpt(payload: 4096, extendedRcode: 1, version: 1, flags: 0x8000, []));

        Assert.True(edns.Present);
        Assert.Equal(4096, edns.UdpPayloadSize);
        Assert.Equal(1, edns.ExtendedRcode);
        Assert.Equal(1, edns.Version);
        Assert.True(edns.DnssecOk);
        Assert.False(edns.ClientSubnet.Present);
        Assert.Equal(0, edns.CookieLength);
        Assert.Equal(0, edns.UnknownOptionCount);
    }

    [Fact]
    public void DoBitClearIsNotDnssecOk()
    {
        // Z bits set, DO clear: only the top bit is DO (RFC 3225 3).
        var edns = ReadValid(MessageWithOpt(payload: 1232, extendedRcode: 0, version: 0, flags: 0x7FFF, []));

        Assert.False(edns.DnssecOk);
        Assert.Equal(1232, edns.UdpPayloadSize);
        Assert.Equal(0, edns.Version);
    }

    [Fact]
    public void OptOwnedByANameOtherThanRootIsBadOptRecord()
    {
        // RFC 6891 6.1.2: the OPT owner MUST be the root.
        byte[] message =
        [
            0x12, 0x34,                 //  0 ID
            0x00, 0x00,                 //  2 flags
            0x00, 0x00,                 //  4 QDCOUNT 0
            0x00, 0x00,                 //  6 ANCOUNT 0
            0x00, 0x00,                 //  8 NSCOUNT 0
            0x00, 0x01,                 // 10 ARCOUNT 1
            0x01, .. "a"u8, 0x00,       // 12 owner: a.
            0x00, 0x29,                 // 15 TYPE OPT
            0x04, 0xD0,                 // 17 payload 1232
            0x00, 0x00, 0x00, 0x00,     // 19 extended RCODE, version, flags
            0x00, 0x00,                 // 23 RDLENGTH 0
        ];

        Assert.False(TryRead(message, out _, out var error));
        Assert.Equal(DnsReadError.BadOptRecord, error);
    }

    [Fact]
    public void ClientSubnetIPv4Slash24IsRead()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet,
        [
            0x00, 0x01,         // FAMILY 1 (IPv4)
            24,                 // SOURCE PREFIX-LENGTH
            0,                  // SCOPE PREFIX-LENGTH
            192, 0, 2,          // ADDRESS: 192.0.2.0/24 in ceil(24/8) = 3 octets
        ])));

        Assert.True(edns.ClientSubnet.Present);
        Assert.Equal(1, edns.ClientSubnet.Family);
        Assert.Equal(24, edns.ClientSubnet.SourcePrefixLength);
        Assert.Equal(0, edns.ClientSubnet.ScopePrefixLength);
        var address = edns.ClientSubnet.Address;
        Assert.Equal(IPAddress.Parse("192.0.2.0"), new IPAddress(((ReadOnlySpan<byte>)address)[..4]));
    }

    [Fact]
    public void ClientSubnetIPv6Slash56IsRead()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet,
        [
            0x00, 0x02,                                 // FAMILY 2 (IPv6)
            56,                                         // SOURCE PREFIX-LENGTH
            0,                                          // SCOPE PREFIX-LENGTH
            0x20, 0x01, 0x0D, 0xB8, 0x00, 0x12, 0x34,   // ADDRESS: 2001:db8:12:3400::/56 in 7 octets
        ])));

        Assert.True(edns.ClientSubnet.Present);
        Assert.Equal(2, edns.ClientSubnet.Family);
        Assert.Equal(56, edns.ClientSubnet.SourcePrefixLength);
        var address = edns.ClientSubnet.Address;
        Assert.Equal(IPAddress.Parse("2001:db8:12:3400::"), new IPAddress(address));
    }

    [Fact]
    public void ClientSubnetWithAPrefixInsideAnOctetIsRead()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet,
        [
            0x00, 0x01,         // FAMILY 1 (IPv4)
            20,                 // SOURCE PREFIX-LENGTH 20
            0,                  // SCOPE PREFIX-LENGTH
            192, 0, 0xF0,       // ADDRESS 192.0.240.0/20: the low 4 bits of the last octet are zero
        ])));

        Assert.True(edns.ClientSubnet.Present);
        Assert.Equal(20, edns.ClientSubnet.SourcePrefixLength);
    }

    [Fact]
    public void ClientSubnetWithZeroPrefixHasNoAddress()
    {
        // RFC 7871 7.1.2: a /0 source prefix asks for no tailoring and carries no address octets.
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet,
        [
            0x00, 0x01,         // FAMILY 1 (IPv4)
            0,                  // SOURCE PREFIX-LENGTH 0
            0,                  // SCOPE PREFIX-LENGTH
        ])));

        Assert.True(edns.ClientSubnet.Present);
        Assert.Equal(0, edns.ClientSubnet.SourcePrefixLength);
    }

    public static TheoryData<string, byte[]> BadClientSubnets => new()
    {
        // RFC 7871 6: ADDRESS is exactly ceil(SOURCE PREFIX-LENGTH / 8) octets.
        { "IPv4 /24 with 4 address octets", [0x00, 0x01, 24, 0, 192, 0, 2, 0] },
        { "IPv4 /24 with 2 address octets", [0x00, 0x01, 24, 0, 192, 0] },
        { "IPv6 /56 with 16 address octets", [0x00, 0x02, 56, 0, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "IPv4 prefix 33", [0x00, 0x01, 33, 0, 192, 0, 2, 1, 0] },
        { "IPv6 prefix 129", [0x00, 0x02, 129, 0, .. new byte[17]] },
        { "unknown family 3", [0x00, 0x03, 8, 0, 10] },
        { "shorter than FAMILY and prefixes", [0x00, 0x01, 24] },
    };

    [Theory]
    [MemberData(nameof(BadClientSubnets))]
    public void MalformedClientSubnetIsRejected(string why, byte[] data)
    {
        Assert.False(TryRead(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet, data)), out _, out var error), why);
        Assert.Equal(DnsReadError.BadOption, error);
    }

    [Fact]
    public void ClientSubnetWithAddressBitsPastThePrefixIsRejected()
    {
        // Regression: these were accepted. RFC 7871 6: non-zero ADDRESS bits beyond SOURCE
        // PREFIX-LENGTH SHOULD get FORMERR.
        AssertBadOption(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.ClientSubnet,
        [
            0x00, 0x01,         // FAMILY 1 (IPv4)
            20,                 // SOURCE PREFIX-LENGTH 20
            0,                  // SCOPE PREFIX-LENGTH
            192, 0, 0x0F,       // ADDRESS: the low 4 bits of the last octet lie past the prefix
        ])));
    }

    [Theory]
    [InlineData(8)]     // client cookie only
    [InlineData(16)]    // client cookie + shortest server cookie
    [InlineData(24)]
    [InlineData(40)]    // client cookie + longest server cookie
    public void CookieOfAValidLengthIsLocated(int length)
    {
        var cookie = Enumerable.Range(1, length).Select(i => (byte)i).ToArray();
        var message = MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.Cookie, cookie));

        var edns = ReadValid(message);

        Assert.Equal(length, edns.CookieLength);
        Assert.Equal(27, edns.CookieOffset); // 23 (options) + 4 (code and length)
        Assert.Equal(cookie, message.AsSpan(edns.CookieOffset, edns.CookieLength).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(12)]    // RFC 7873 5.2.2: 9 to 15 octets is malformed
    [InlineData(15)]
    [InlineData(41)]
    public void CookieOfABadLengthIsRejected(int length)
    {
        AssertBadOption(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.Cookie, new byte[length])));
    }

    [Fact]
    public void PaddingLengthIsRecorded()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0, Option(EdnsOption.Padding, new byte[37])));

        Assert.Equal(37, edns.PaddingLength);
    }

    [Fact]
    public void UnknownOptionsAreCountedAndSkipped()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0,
        [
            .. Option(3, []),                   // NSID, empty (RFC 5001): not used by this server
            .. Option(65001, [1, 2, 3]),        // a local/experimental option
            .. Option(EdnsOption.Cookie, [1, 2, 3, 4, 5, 6, 7, 8]),
        ]));

        Assert.Equal(2, edns.UnknownOptionCount);
        Assert.Equal(8, edns.CookieLength);
    }

    [Fact]
    public void SeveralKnownOptionsAreAllRead()
    {
        var edns = ReadValid(MessageWithOpt(1232, 0, 0, 0x8000,
        [
            .. Option(EdnsOption.ClientSubnet, [0x00, 0x01, 16, 0, 198, 51]),
            .. Option(EdnsOption.Cookie, new byte[16]),
            .. Option(EdnsOption.Padding, new byte[4]),
        ]));

        Assert.True(edns.ClientSubnet.Present);
        Assert.Equal(16, edns.ClientSubnet.SourcePrefixLength);
        Assert.Equal(16, edns.CookieLength);
        Assert.Equal(4, edns.PaddingLength);
        Assert.Equal(0, edns.UnknownOptionCount);
    }

    [Fact]
    public void OptionLongerThanTheRemainingRDataIsRejected()
    {
        AssertBadOption(MessageWithOpt(1232, 0, 0, 0,
        [
            0xFD, 0xE9,     // OPTION-CODE 65001
            0x00, 0x0A,     // OPTION-LENGTH 10
            1, 2, 3, 4,     // only 4 octets left in RDATA
        ]));
    }

    [Fact]
    public void OptionCutInItsHeaderIsRejected()
    {
        AssertBadOption(MessageWithOpt(1232, 0, 0, 0,
        [
            .. Option(EdnsOption.Padding, [0, 0]),
            0x00, 0x0C,     // OPTION-CODE of a second option, and no OPTION-LENGTH
        ]));
    }
}
