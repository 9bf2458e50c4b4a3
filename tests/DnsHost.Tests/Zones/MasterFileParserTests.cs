using System.Text;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.MasterFiles;

namespace DnsHost.Tests.Zones;

[Trait("Kind", "Unit")]
public sealed class MasterFileParserTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    internal static (List<ZoneRecord> Records, MasterFileParser Parser) Parse(string text, string origin = "p.test.", string? folder = null) =>
        Parse(Encoding.UTF8.GetBytes(text), origin, folder);

    internal static (List<ZoneRecord> Records, MasterFileParser Parser) Parse(byte[] bytes, string origin = "p.test.", string? folder = null)
    {
        var parser = new MasterFileParser(folder);
        var records = parser.Read(new MemoryStream(bytes), "test.zone", DnsName.Parse(origin)).ToList();
        return (records, parser);
    }

    internal static List<ZoneRecord> ParseOk(string text, string origin = "p.test.")
    {
        var (records, parser) = Parse(text, origin);
        Assert.True(parser.ProblemCount == 0, string.Join("\n", parser.Problems));
        return records;
    }

    private static string Line(ZoneRecord r) =>
        $"{DnsName.ToText(r.Owner)} {r.Ttl} {RecordData.ClassToText(r.Class)} {RecordData.TypeToText(r.Type)} {RecordData.ToText(r.Type, r.RData)}";

    private static string Single(string text, string origin = "p.test.") => Line(Assert.Single(ParseOk(text, origin)));

    // Every name field of every type, written as "@": each must become the origin, never "\@".
    [Theory]
    [InlineData("NS @", "p.test.")]
    [InlineData("CNAME @", "p.test.")]
    [InlineData("PTR @", "p.test.")]
    [InlineData("DNAME @", "p.test.")]
    [InlineData("MX 10 @", "10 p.test.")]
    [InlineData("SRV 0 5 5060 @", "0 5 5060 p.test.")]
    [InlineData("SOA @ @ 1 2 3 4 5", "p.test. p.test. 1 2 3 4 5")]
    [InlineData("NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" @", "100 10 \"S\" \"SIP+D2U\" \"\" p.test.")]
    [InlineData("SVCB 1 @ port=443", "1 p.test. port=443")]
    [InlineData("HTTPS 0 @", "0 p.test.")]
    [InlineData("NSEC @ A NS SOA", "p.test. A NS SOA")]
    [InlineData("RRSIG A 13 2 300 20260101000000 20251201000000 12345 @ AQID", "A 13 2 300 20260101000000 20251201000000 12345 p.test. AQID")]
    public void At_sign_is_the_origin_in_every_rdata_name_field(string rr, string expected)
    {
        var record = Assert.Single(ParseOk("x 60 IN " + rr + "\n"));
        Assert.Equal(expected, RecordData.ToText(record.Type, record.RData));
        foreach (var name in RecordTypeInfo.EnumerateNames(record.Type, record.RData))
            Assert.Equal("p.test.", DnsName.ToText(record.RData.AsSpan(name.Offset, name.Length)));
    }

    [Fact]
    public void Every_name_field_in_the_table_takes_an_at_sign()
    {
        // Guards the theory above: a name field added to the table without a case there still gets "@" checked.
        foreach (var info in RecordTypeInfo.Known)
        {
            var fields = info.Fields.ToArray();
            if (!fields.Any(f => f.IsName))
                continue;
            var rdata = string.Join(' ', fields.Select(f => SampleText(f.Kind)));
            var record = Assert.Single(ParseOk($"x 60 IN {info.Mnemonic} {rdata}\n"));
            int names = 0;
            foreach (var name in RecordTypeInfo.EnumerateNames(record.Type, record.RData))
            {
                Assert.Equal("p.test.", DnsName.ToText(record.RData.AsSpan(name.Offset, name.Length)));
                names++;
            }
            Assert.Equal(fields.Count(f => f.IsName), names);
        }
    }

    internal static string SampleText(RDataFieldKind kind) => kind switch
    {
        RDataFieldKind.Name or RDataFieldKind.CompressibleName => "@",
        RDataFieldKind.UInt8 or RDataFieldKind.UInt16 or RDataFieldKind.UInt32 or RDataFieldKind.Period => "7",
        RDataFieldKind.Type => "A",
        RDataFieldKind.Time => "20260101000000",
        RDataFieldKind.IPv4 => "192.0.2.1",
        RDataFieldKind.IPv6 => "2001:db8::1",
        RDataFieldKind.CharacterString or RDataFieldKind.CharacterStrings or RDataFieldKind.Text => "\"x\"",
        RDataFieldKind.Tag => "issue",
        RDataFieldKind.Hex => "ABCD",
        RDataFieldKind.Base64 => "AQID",
        RDataFieldKind.Salt => "-",
        RDataFieldKind.Base32Hex => "0123ABCD",
        RDataFieldKind.TypeBitmap => "A AAAA",
        RDataFieldKind.SvcParams => "port=443",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // RFC 4034 6.2 (less NSEC, RFC 6840 5.1): these types' RDATA names are stored in their canonical
    // lower case, as Knot and NSD serve them; the others keep the case written.
    [Theory]
    [InlineData("NS Ns1.Example.", "Ns1.Example.", "ns1.example.")]
    [InlineData("CNAME Target", "Target", "target.p.test.")]
    [InlineData("MX 10 Mail.Example.", "10 Mail.Example.", "10 mail.example.")]
    [InlineData("SRV 0 5 5060 Sip.Example.", "0 5 5060 Sip.Example.", "0 5 5060 sip.example.")]
    [InlineData("PTR Host.Example.", "Host.Example.", "host.example.")]
    [InlineData("DNAME Other.Example.", "Other.Example.", "other.example.")]
    [InlineData("SOA Ns1 HostMaster 1 2 3 4 5", "Ns1 HostMaster 1 2 3 4 5", "ns1.p.test. hostmaster.p.test. 1 2 3 4 5")]
    [InlineData("NSEC Next.Example. A", "Next.Example. A", "Next.Example. A")]
    [InlineData("HTTPS 1 Svc.Example.", "1 Svc.Example.", "1 Svc.Example.")]
    public void Rdata_names_of_the_canonical_form_types_are_stored_lower_case(string rr, string _, string expected)
    {
        var record = Assert.Single(ParseOk("x 60 IN " + rr + "\n"));
        Assert.Equal(expected, RecordData.ToText(record.Type, record.RData));
    }

    [Fact]
    public void Records_that_differ_only_in_the_case_of_an_rdata_name_are_one_record()
    {
        var records = ParseOk("@ 60 SOA ns1 h 1 2 3 4 5\n@ 60 NS ns1\n@ 60 NS NS1\n@ 60 NS ns1.P.TEST.\nns1 60 A 192.0.2.1\n");
        var zone = ZoneBuilder.Build(DnsName.Parse("p.test."), records, "test.zone");
        Assert.Equal(1, zone.Apex.Find((ushort)RecordType.NS)!.Value.Count);
    }

    [Fact]
    public void Relative_names_in_rdata_follow_the_current_origin()
    {
        var records = ParseOk("a 60 MX 10 mail\n$ORIGIN sub.p.test.\nb 60 CNAME www\nc 60 SRV 0 0 80 host.other.\n");
        Assert.Equal("a.p.test. 60 IN MX 10 mail.p.test.", Line(records[0]));
        Assert.Equal("b.sub.p.test. 60 IN CNAME www.sub.p.test.", Line(records[1]));
        Assert.Equal("c.sub.p.test. 60 IN SRV 0 0 80 host.other.", Line(records[2]));
    }

    [Fact]
    public void Escapes_in_owners_keep_their_octets()
    {
        var records = ParseOk("high\\255byte 60 A 192.0.2.1\na\\.b 60 A 192.0.2.2\n\\\"q 60 A 192.0.2.3\nsp\\ ace 60 A 192.0.2.4\n");
        Assert.Equal([9, .. "high"u8, 0xFF, .. "byte"u8, 1, (byte)'p', 4, .. "test"u8, 0], records[0].Owner);
        Assert.Equal("high\\255byte.p.test.", DnsName.ToText(records[0].Owner));
        Assert.Equal("a\\.b.p.test.", DnsName.ToText(records[1].Owner));
        Assert.Equal(3, records[1].Owner[0]); // one label "a.b"
        Assert.Equal("\\\"q.p.test.", DnsName.ToText(records[2].Owner));
        Assert.Equal("sp\\032ace.p.test.", DnsName.ToText(records[3].Owner));
    }

    [Fact]
    public void Escapes_in_rdata_names_keep_their_octets()
    {
        var records = ParseOk("x 60 CNAME a\\.b\\032c\ny 60 MX 10 high\\255byte.example.\nz 60 NS \\\"q\\@\n");
        Assert.Equal([5, .. "a.b c"u8, 1, (byte)'p', 4, .. "test"u8, 0], records[0].RData);
        Assert.Equal("a\\.b\\032c.p.test.", RecordData.ToText(records[0].Type, records[0].RData));
        Assert.Equal("10 high\\255byte.example.", RecordData.ToText(records[1].Type, records[1].RData));
        Assert.Equal("\\\"q\\@.p.test.", RecordData.ToText(records[2].Type, records[2].RData));
    }

    [Fact]
    public void Escaped_owner_is_found_by_the_zone()
    {
        var path = _zones.Write("esc.test.zone", "$TTL 60\n@ SOA ns h 1 2 3 4 5\n NS ns\nhigh\\255byte A 192.0.2.1\n");
        var zone = MasterFileLoader.Load(path);
        Assert.Contains(zone.Records, r => DnsName.ToText(r.Owner) == "high\\255byte.esc.test." && r.Type == (ushort)RecordType.A);
    }

    [Fact]
    public void Txt_keeps_escaped_and_raw_utf8_octets()
    {
        var records = ParseOk("a 60 TXT \"utf8 \\195\\169t\\195\\169\"\nb 60 TXT \"été\"\nc 60 TXT \"say \\\"hi\\\"\" back\\\\slash \"a;b(c)\"\n");
        Assert.Equal([10, .. "utf8 "u8, 0xC3, 0xA9, (byte)'t', 0xC3, 0xA9], records[0].RData);
        Assert.Equal([5, 0xC3, 0xA9, (byte)'t', 0xC3, 0xA9], records[1].RData);
        Assert.Equal("\"say \\\"hi\\\"\" \"back\\\\slash\" \"a;b(c)\"", RecordData.ToText(records[2].Type, records[2].RData));
    }

    [Fact]
    public void Byte_order_mark_and_crlf_line_ends_are_accepted()
    {
        var (records, parser) = Parse([0xEF, 0xBB, 0xBF, .. "a 60 A 192.0.2.1\r\nb 60 TXT \"x\"\r\n"u8]);
        Assert.Empty(parser.Problems);
        Assert.Equal(["a.p.test. 60 IN A 192.0.2.1", "b.p.test. 60 IN TXT \"x\""], records.Select(Line));
    }

    [Fact]
    public void Parentheses_and_comments_span_lines()
    {
        var records = ParseOk("@ 60 IN SOA ns hostmaster ( ; opened here\n  9 ; serial\n  2h ; refresh with a unit\n  3 4\n  5 )\nt 60 TXT ( \"one\" ; first\n \"two\" )\n; a comment line\n\n   ; an indented comment\nu 60 TXT \"(not a paren)\"\n");
        Assert.Equal("p.test. 60 IN SOA ns.p.test. hostmaster.p.test. 9 7200 3 4 5", Line(records[0]));
        Assert.Equal("t.p.test. 60 IN TXT \"one\" \"two\"", Line(records[1]));
        Assert.Equal("u.p.test. 60 IN TXT \"(not a paren)\"", Line(records[2]));
        Assert.Equal([1, 6, 11], records.Select(r => r.Line));
    }

    [Theory]
    [InlineData("a IN 60 A 192.0.2.1")]
    [InlineData("a 60 IN A 192.0.2.1")]
    [InlineData("a 1m IN A 192.0.2.1")]
    [InlineData("a in 1M a 192.0.2.1")]
    public void Ttl_and_class_come_in_either_order(string line)
    {
        Assert.Equal("a.p.test. 60 IN A 192.0.2.1", Single(line + "\n"));
    }

    [Theory]
    [InlineData("1W", 604800u)]
    [InlineData("1w", 604800u)]
    [InlineData("2D", 172800u)]
    [InlineData("1h30m", 5400u)]
    [InlineData("1H30M15S", 5415u)]
    [InlineData("90", 90u)]
    [InlineData("0", 0u)]
    public void Ttl_units(string ttl, uint seconds)
    {
        Assert.Equal(seconds, Assert.Single(ParseOk($"a {ttl} A 192.0.2.1\n")).Ttl);
        Assert.Equal(seconds, Assert.Single(ParseOk($"$TTL {ttl}\na A 192.0.2.1\n")).Ttl);
    }

    [Fact]
    public void Records_without_ttl_before_any_dollar_ttl_get_knots_default()
    {
        // Knot uses its default-ttl (3600), not the last explicit TTL (BIND) nor the SOA minimum.
        var records = ParseOk("@ 300 SOA ns h 1 2 3 4 5\n NS ns\n$TTL 60\nns A 192.0.2.1\nx 5 A 192.0.2.2\ny A 192.0.2.3\n");
        Assert.Equal([300u, 3600u, 60u, 5u, 60u], records.Select(r => r.Ttl));
    }

    [Fact]
    public void Blank_first_column_repeats_the_owner()
    {
        var records = ParseOk(" 60 A 192.0.2.9\nw 60 A 192.0.2.1\n\t60 AAAA 2001:db8::1\n  60 TXT \"x\"\n");
        Assert.Equal(["p.test.", "w.p.test.", "w.p.test.", "w.p.test."], records.Select(r => DnsName.ToText(r.Owner)));
        Assert.Same(records[1].Owner, records[2].Owner);
    }

    [Theory]
    [InlineData("CH", RecordClass.CH)]
    [InlineData("HS", RecordClass.HS)]
    [InlineData("CLASS32", (ushort)32)]
    [InlineData("in", RecordClass.IN)]
    public void Classes(string text, ushort cls)
    {
        Assert.Equal(cls, Assert.Single(ParseOk($"a 60 {text} TXT \"x\"\n")).Class);
    }

    [Fact]
    public void Generic_rdata_in_and_out()
    {
        var records = ParseOk("a 60 TYPE65280 \\# 4 0a000001\nb 60 TYPE65281 \\# 0\nc 60 A \\# 4 C0000201\nd 60 MX \\# 7 000A 016D 01 70 00\ne 60 type1 192.0.2.7\n");
        Assert.Equal("a.p.test. 60 IN TYPE65280 \\# 4 0A000001", Line(records[0]));
        Assert.Equal("b.p.test. 60 IN TYPE65281 \\# 0", Line(records[1]));
        Assert.Equal("c.p.test. 60 IN A 192.0.2.1", Line(records[2]));
        Assert.Equal("d.p.test. 60 IN MX 10 m.p.", Line(records[3]));
        Assert.Equal("e.p.test. 60 IN A 192.0.2.7", Line(records[4]));
    }

    [Fact]
    public void Generate_forms()
    {
        var records = ParseOk(
            "$GENERATE 1-3 host$ A 192.0.2.$\n" +
            "$GENERATE 10-14/2 ${0,3} 30 IN CNAME target${-9,2,d}\n" +
            "$GENERATE 250-251 h${0,0,x}-${0,4,X} TXT \"v=$ cost=\\$5\"\n" +
            "$GENERATE 0-1 ${0,3,n} PTR host-${0,2,o}.\n");
        Assert.Equal(
        [
            "host1.p.test. 3600 IN A 192.0.2.1",
            "host2.p.test. 3600 IN A 192.0.2.2",
            "host3.p.test. 3600 IN A 192.0.2.3",
            "010.p.test. 30 IN CNAME target01.p.test.",
            "012.p.test. 30 IN CNAME target03.p.test.",
            "014.p.test. 30 IN CNAME target05.p.test.",
            "hfa-00FA.p.test. 3600 IN TXT \"v=250 cost=$5\"",
            "hfb-00FB.p.test. 3600 IN TXT \"v=251 cost=$5\"",
            "0.0.0.p.test. 3600 IN PTR host-00.",
            "1.0.0.p.test. 3600 IN PTR host-01.",
        ], records.Select(Line));
    }

    [Fact]
    public void Include_takes_an_origin_and_keeps_the_includers_state()
    {
        Directory.CreateDirectory(Path.Combine(_zones.Directory, "inc"));
        _zones.Write("inc/hosts.inc", "$TTL 30\nwww A 192.0.2.10\n  MX 10 @\n$ORIGIN deeper.p.test.\nx A 192.0.2.12\n");
        var path = _zones.Write("p.test.zone", "$TTL 60\n@ SOA ns h 1 2 3 4 5\n NS ns\n$INCLUDE inc/hosts.inc sub\n NS ns3\nafter A 192.0.2.11\n");
        var text = string.Join("\n", MasterFileLoader.Load(path, _zones.Directory).Records.Select(Line));
        Assert.Contains("www.sub.p.test. 30 IN A 192.0.2.10", text);
        Assert.Contains("www.sub.p.test. 30 IN MX 10 sub.p.test.", text);
        Assert.Contains("x.deeper.p.test. 30 IN A 192.0.2.12", text);
        Assert.Contains("p.test. 60 IN NS ns3.p.test.", text);      // the owner before $INCLUDE comes back
        Assert.Contains("after.p.test. 60 IN A 192.0.2.11", text);  // and so do the origin and $TTL
    }

    [Fact]
    public void Every_type_round_trips_through_text()
    {
        var first = ParseOk(EveryType.Zone, "every.test.");
        var again = ParseOk(string.Join("\n", first.Select(Line)) + "\n", "every.test.");
        Assert.Equal(first.Select(r => Convert.ToHexString(r.RData)), again.Select(r => Convert.ToHexString(r.RData)));
        Assert.Equal(EveryType.Types.Order(), first.Select(r => r.Type).Distinct().Order());
    }

    [Fact]
    public void Records_come_out_while_the_file_is_still_being_read()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 50_000).Select(i => $"h{i} 60 A 192.0.2.{i % 256}\n")));
        var stream = new CountingStream(text);
        var parser = new MasterFileParser();
        using var records = parser.Read(stream, "big.zone", DnsName.Parse("p.test.")).GetEnumerator();
        Assert.True(records.MoveNext());
        Assert.Equal("h0.p.test.", DnsName.ToText(records.Current.Owner));
        Assert.True(stream.BytesRead <= 64 * 1024, $"read {stream.BytesRead} of {text.Length} bytes for the first record");
    }

    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = base.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }
    }

    [Fact]
    public void Route53_values_parse_with_absolute_names()
    {
        Assert.True(MasterFileParser.TryParseRData("NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com", out var rdata, out var error), error);
        Assert.Equal("100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.", RecordData.ToText((ushort)RecordType.NAPTR, rdata));
        Assert.False(MasterFileParser.TryParseRData("CAA", "0 issue", out _, out error));
        Assert.StartsWith("CAA needs flags, a tag and a value", error);
    }
}

/// <summary>A zone holding one record (or more) of every type the descriptor table knows.</summary>
internal static class EveryType
{
    public const string Zone = """
        $TTL 300
        @            SOA    ns1 hostmaster 2026010101 7200 900 1209600 300
                     NS     ns1
                     NS     ns2.example.net.
        ns1          A      192.0.2.53
                     AAAA   2001:db8::53
        host         HINFO  "Intel x86" "Linux"
        mail         MX     10 ns1
        www          CNAME  ns1
        ptr          PTR    host.every.test.
        txt          TXT    "hello world" "second" ""
        _sip._udp    SRV    0 5 5060 sip.every.test.
        naptr        NAPTR  100 10 "S" "SIP+D2U" "!^.*$!sip:info@every.test!" _sip._udp.every.test.
        dname        DNAME  other.example.
        sub          DS     12345 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
        sub          CDS    12345 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
        ssh          SSHFP  4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789
        sig          RRSIG  A 13 2 300 20260201000000 20260101000000 12345 every.test. MIGkAgEBBDAuM0u2uQdnL3V/5pQFnF3KyeEHG6N1jqgF7vN2O1Y=
        nsec         NSEC   www.every.test. A MX RRSIG NSEC TYPE1234
        @            DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
        @            CDNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
        @            NSEC3PARAM 1 0 10 AABBCCDD
        2vptu5timamqttgl4luu9kg21e0aor3s NSEC3 1 1 10 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG
        _443._tcp    TLSA   3 1 1 0D6FCE3EDBCE8E0A5A6F5BC2C7DDC4FD2AA4E2D3E5F8A3C1B2E9D8C7B6A5F4E3
        pgp          OPENPGPKEY AQIDBAUGBwgJ
        svc          SVCB   1 svc-target alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1 mandatory=alpn,port
        @            HTTPS  1 . alpn=h2 no-default-alpn ech=AEX+DQBBpQAgACBo key65000="x"
        spf          SPF    "v=spf1 -all"
        _http._tcp   URI    10 1 "https://www.every.test/"
        @            CAA    0 issue "letsencrypt.org"
        unk          TYPE65280 \# 4 0A000001
        """;

    public static readonly ushort[] Types =
    [
        .. RecordTypeInfo.Known.Select(i => i.Type), 65280,
    ];
}
