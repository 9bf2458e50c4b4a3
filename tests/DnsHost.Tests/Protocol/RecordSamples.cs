using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

/// <summary>One record of each type the server presents, as uncompressed RDATA and as presentation text.</summary>
/// <remarks>
/// The texts are what dig and kdig print for the same records served by Knot DNS, except that
/// long hex fields stay in one piece as kdig prints them (BIND's dig breaks them every 56 digits)
/// and SVCB alpn values are quoted as dig prints them.
/// </remarks>
internal sealed record RecordSample(string Owner, ushort Type, byte[] RData, string Text)
{
    public override string ToString() => $"{Owner} {RecordData.TypeToText(Type)}";

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    public static readonly RecordSample[] All =
    [
        new("a.fmt.test.", (ushort)RecordType.A,
        [
            192, 0, 2, 1,                                   // ADDRESS
        ], "192.0.2.1"),

        new("aaaa.fmt.test.", (ushort)RecordType.AAAA,
        [
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0,             // ADDRESS 2001:db8:0:0:
            0, 0, 0, 0, 0, 0, 0, 0x01,                      //         0:0:0:1
        ], "2001:db8::1"),

        new("mapped.fmt.test.", (ushort)RecordType.AAAA,
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF,       // ADDRESS ::ffff:
            192, 0, 2, 1,                                   //         192.0.2.1
        ], "::ffff:192.0.2.1"),

        new("fmt.test.", (ushort)RecordType.NS,
        [
            0x03, .. "ns1"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // NSDNAME
        ], "ns1.fmt.test."),

        new("cname.fmt.test.", (ushort)RecordType.CNAME,
        [
            0x06, .. "target"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // CNAME
        ], "target.fmt.test."),

        new("ptr.fmt.test.", (ushort)RecordType.PTR,
        [
            0x04, .. "host"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // PTRDNAME
        ], "host.fmt.test."),

        new("mx.fmt.test.", (ushort)RecordType.MX,
        [
            0x00, 0x0A,                                     // PREFERENCE 10
            0x04, .. "mail"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // EXCHANGE
        ], "10 mail.fmt.test."),

        new("_sip._udp.fmt.test.", (ushort)RecordType.SRV,
        [
            0x00, 0x00,                                     // PRIORITY 0
            0x00, 0x05,                                     // WEIGHT 5
            0x13, 0xC4,                                     // PORT 5060
            0x03, .. "sip"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // TARGET
        ], "0 5 5060 sip.fmt.test."),

        new("fmt.test.", (ushort)RecordType.SOA,
        [
            0x03, .. "ns1"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // MNAME
            0x0A, .. "hostmaster"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // RNAME
            0x78, 0xA3, 0xF1, 0x75,                         // SERIAL 2024010101
            0x00, 0x00, 0x0E, 0x10,                         // REFRESH 3600
            0x00, 0x00, 0x03, 0x84,                         // RETRY 900
            0x00, 0x09, 0x3A, 0x80,                         // EXPIRE 604800
            0x00, 0x00, 0x01, 0x2C,                         // MINIMUM 300
        ], "ns1.fmt.test. hostmaster.fmt.test. 2024010101 3600 900 604800 300"),

        new("txt.fmt.test.", (ushort)RecordType.TXT,
        [
            0x0B, .. "hello world"u8,                       // a space needs no escape inside quotes
            0x08, .. "say \"hi\""u8,                        // quotes are escaped
            0x0A, .. "back\\slash"u8,                       // so is the backslash
            0x07, .. "tab\tend"u8,                          // control characters become \DDD
            0x00,                                           // an empty string
            0x01, 0xFF,                                     // octets above 0x7E become \DDD
        ], "\"hello world\" \"say \\\"hi\\\"\" \"back\\\\slash\" \"tab\\009end\" \"\" \"\\255\""),

        new("spf.fmt.test.", (ushort)RecordType.SPF,
        [
            0x0B, .. "v=spf1 -all"u8,                       // one string
        ], "\"v=spf1 -all\""),

        new("naptr.fmt.test.", (ushort)RecordType.NAPTR,
        [
            0x00, 0x64,                                     // ORDER 100
            0x00, 0x0A,                                     // PREFERENCE 10
            0x01, .. "S"u8,                                 // FLAGS
            0x07, .. "SIP+D2U"u8,                           // SERVICES
            0x00,                                           // REGEXP (empty)
            0x04, .. "_sip"u8, 0x04, .. "_udp"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // REPLACEMENT
        ], "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.fmt.test."),

        new("enum.fmt.test.", (ushort)RecordType.NAPTR,
        [
            0x00, 0x64,                                     // ORDER 100
            0x00, 0x32,                                     // PREFERENCE 50
            0x01, .. "U"u8,                                 // FLAGS
            0x07, .. "E2U+sip"u8,                           // SERVICES
            0x1C, .. "!^.*$!sip:info@example.test!"u8,      // REGEXP
            0x00,                                           // REPLACEMENT: the root
        ], "100 50 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.test!\" ."),

        new("ds.fmt.test.", (ushort)RecordType.DS,
        [
            0x30, 0x39,                                     // KEY TAG 12345
            0x0D,                                           // ALGORITHM 13 (ECDSAP256SHA256)
            0x02,                                           // DIGEST TYPE 2 (SHA-256)
            .. Hex("E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"), // DIGEST
        ], "12345 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"),

        new("sshfp.fmt.test.", (ushort)RecordType.SSHFP,
        [
            0x04,                                           // ALGORITHM 4 (Ed25519)
            0x02,                                           // FP TYPE 2 (SHA-256)
            .. Hex("123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789"), // FINGERPRINT
        ], "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789"),

        new("_443._tcp.fmt.test.", (ushort)RecordType.TLSA,
        [
            0x03,                                           // CERT USAGE 3 (DANE-EE)
            0x01,                                           // SELECTOR 1 (SPKI)
            0x01,                                           // MATCHING TYPE 1 (SHA-256)
            .. Hex("0D6FCE3EDBCE8E0A5A6F5BC2C7DDC4FD2AA4E2D3E5F8A3C1B2E9D8C7B6A5F4E3"), // DATA
        ], "3 1 1 0D6FCE3EDBCE8E0A5A6F5BC2C7DDC4FD2AA4E2D3E5F8A3C1B2E9D8C7B6A5F4E3"),

        new("caa.fmt.test.", (ushort)RecordType.CAA,
        [
            0x00,                                           // FLAGS 0
            0x05, .. "issue"u8,                             // TAG
            .. "letsencrypt.org"u8,                         // VALUE (to the end of RDATA)
        ], "0 issue \"letsencrypt.org\""),

        new("caa2.fmt.test.", (ushort)RecordType.CAA,
        [
            0x80,                                           // FLAGS 128 (issuer critical)
            0x05, .. "iodef"u8,                             // TAG
            .. "mailto:security@fmt.test"u8,                // VALUE
        ], "128 iodef \"mailto:security@fmt.test\""),

        new("svcb.fmt.test.", (ushort)RecordType.SVCB,
        [
            0x00, 0x01,                                     // SvcPriority 1
            0x00,                                           // TargetName "."
            0x00, 0x01, 0x00, 0x06,                         // key 1 (alpn), length 6
            0x02, .. "h2"u8, 0x02, .. "h3"u8,               //   "h2", "h3"
            0x00, 0x03, 0x00, 0x02, 0x20, 0xFB,             // key 3 (port), length 2, 8443
            0x00, 0x04, 0x00, 0x08,                         // key 4 (ipv4hint), length 8
            192, 0, 2, 1, 192, 0, 2, 2,                     //   192.0.2.1, 192.0.2.2
            0x00, 0x06, 0x00, 0x10,                         // key 6 (ipv6hint), length 16
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // 2001:db8::1
        ], "1 . alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1"),

        new("https.fmt.test.", (ushort)RecordType.HTTPS,
        [
            0x00, 0x01,                                     // SvcPriority 1
            0x00,                                           // TargetName "."
            0x00, 0x00, 0x00, 0x02, 0x00, 0x01,             // key 0 (mandatory), length 2: alpn
            0x00, 0x01, 0x00, 0x03, 0x02, .. "h2"u8,        // key 1 (alpn), length 3: "h2"
            0x00, 0x02, 0x00, 0x00,                         // key 2 (no-default-alpn), length 0
            0x00, 0x05, 0x00, 0x0C,                         // key 5 (ech), length 12
            0x00, 0x45, 0xFE, 0x0D, 0x00, 0x41, 0xA5, 0x00, 0x20, 0x00, 0x20, 0x68,
        ], "1 . mandatory=alpn alpn=\"h2\" no-default-alpn ech=AEX+DQBBpQAgACBo"),

        new("alias.fmt.test.", (ushort)RecordType.HTTPS,
        [
            0x00, 0x00,                                     // SvcPriority 0 (AliasMode)
            0x03, .. "svc"u8, 0x03, .. "fmt"u8, 0x04, .. "test"u8, 0x00, // TargetName
        ], "0 svc.fmt.test."),

        new("unk.fmt.test.", 65280,
        [
            0x0A, 0x00, 0x00, 0x01,                         // opaque RDATA of a type the server does not know
        ], "\\# 4 0A000001"),

        new("unk0.fmt.test.", 65281, [], "\\# 0"),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var sample in All)
            data.Add(sample.ToString());
        return data;
    }

    public static RecordSample Named(string name) => All.Single(s => s.ToString() == name);
}
