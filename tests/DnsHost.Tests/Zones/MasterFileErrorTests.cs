using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;

namespace DnsHost.Tests.Zones;

[Trait("Kind", "Unit")]
public sealed class MasterFileErrorTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    public static TheoryData<string, string> BadInputs => new()
    {
        { "a 60 MX 10\n", "test.zone:1:12: MX needs a preference and a host name: the host name is missing" },
        { "a 60 MX ten mail\n", "test.zone:1:9: MX needs a preference and a host name: the preference 'ten' is not a number from 0 to 65535" },
        { "\nx IN A 1.2.3.4.5\n", "test.zone:2:8: A needs an IPv4 address: '1.2.3.4.5' is not an IPv4 address" },
        { "a 60 AAAA 192.0.2.1\n", "test.zone:1:11: AAAA needs an IPv6 address" },
        { "a 60 FOO 1\n", "test.zone:1:6: 'FOO' is not a record type" },
        { "a 60 TXT \"open\nb 60 A 192.0.2.1\n", "test.zone:1:10: a quoted string ends at the end of the line" },
        { "a 60 A 192.0.2.1 )\n", "test.zone:1:18: ')' without a '('" },
        { "a 60 SOA ns h ( 1 2 3\n", "test.zone:1:15: '(' is not closed before the end of the file" },
        { "$TTL abc\n", "test.zone:1:6: $TTL 'abc' is not a TTL" },
        { "$BOGUS x\n", "test.zone:1:1: unknown directive '$BOGUS'" },
        { "a..b 60 A 192.0.2.1\n", "test.zone:1:1: 'a..b' is not a valid owner name (empty label)" },
        { "a 60 TYPE65280 \\# 3 0a00\n", "test.zone:1:21: TYPE65280: \\# says 3 octets but the hex holds 2" },
        { "a 60 A \\# 3 c00002\n", "test.zone:1:11: A needs an IPv4 address: the \\# RDATA is not a valid A" },
        { "a 60 TYPE65280 0a000001\n", "test.zone:1:16: TYPE65280: a type the server does not know takes its RDATA in the generic form" },
        { "a 60 CAA 0 issue\n", "test.zone:1:18: CAA needs flags, a tag and a value: the value is missing" },
        { "$GENERATE 5-1 h$ A 192.0.2.$\n", "test.zone:1:11: $GENERATE range '5-1'" },
        { "$GENERATE 1-2 h${0,2,q} A 192.0.2.1\n", "test.zone:1:15: $GENERATE: '${0,2,q}' is not ${offset[,width[,base]]}" },
        { "a 60 A 192.0.2.1 192.0.2.2\n", "test.zone:1:18: A needs an IPv4 address: unexpected '192.0.2.2' after the address" },
        { "@ 60 SOA ns h (\n 1 2 3\n 4 x )\n", "test.zone:3:4: SOA needs mname, rname, serial, refresh, retry, expire and minimum: the minimum 'x' is not a number of seconds" },
        { "a 60 HTTPS 1 . alpn=h2 alpn=h3\n", "test.zone:1:24: HTTPS needs a priority, a target name and parameters: the parameter alpn appears twice" },
        { "a 60 DS 1 13 2 ABC\n", "test.zone:1:16: DS needs key tag, algorithm, digest type and a hex digest: 'ABC' has an odd number of hex digits" },
        { "a 60 TXT \"\\300\"\n", "test.zone:1:10: TXT needs one or more character strings" },
        { "a 99999999999 A 192.0.2.1\n", "test.zone:1:3: '99999999999' is not a TTL" },
        { "a 60\n", "test.zone:1:6: the record has no type" },
        { "a 60 HINFO \"é\" \"b\" c\n", "test.zone:1:20: HINFO needs a CPU and an OS string: unexpected 'c'" }, // columns count characters, not bytes
        { "été 60 A 192.0.2.1\n", "test.zone:1:1: 'été' is not a valid owner name (non-ASCII character in a name" },
        { "a 60 A 192.0.2.1 \\\n", "test.zone:1:18: a backslash at the end of a line escapes nothing" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Problem_names_file_line_column_and_what_is_wrong(string zone, string expected)
    {
        var (_, parser) = MasterFileParserTests.Parse(zone);
        Assert.NotEmpty(parser.Problems);
        Assert.StartsWith(expected, parser.Problems[0].ToString());
    }

    [Fact]
    public void Parsing_goes_on_after_a_bad_entry()
    {
        var (records, parser) = MasterFileParserTests.Parse("a 60 A 192.0.2.1\nb 60 MX x y\nc 60 A 192.0.2.3\nd 60 TXT \"x\" )\ne 60 A 192.0.2.5\n");
        Assert.Equal(["a", "c", "e"], records.Select(r => ((char)r.Owner[1]).ToString()));
        Assert.Equal([2, 4], parser.Problems.Select(p => p.Line));
    }

    [Fact]
    public void Loader_reports_every_problem_up_to_a_cap()
    {
        var lines = string.Concat(Enumerable.Range(0, 150).Select(i => $"bad{i} 60 A 300.0.0.{i}\n"));
        var path = _zones.Write("many.test.zone", "$TTL 60\n@ SOA ns h 1 2 3 4 5\n NS ns\n" + lines);
        var e = Assert.Throws<ZoneLoadException>(() => MasterFileLoader.Load(path));
        Assert.Equal(101, e.Problems.Count);
        Assert.Equal(4, e.Problems[0].Line);
        Assert.Equal(11, e.Problems[0].Column);
        Assert.Equal("50 more problems not shown", e.Problems[^1].Message);
    }

    [Fact]
    public void Include_error_names_the_included_file()
    {
        _zones.Write("bad.inc", "ok A 192.0.2.1\n\nbad MX 10\n");
        var path = _zones.Write("j.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n$INCLUDE bad.inc\n");
        var e = Assert.Throws<ZoneLoadException>(() => MasterFileLoader.Load(path, _zones.Directory));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(Path.Combine(Path.GetFileName(_zones.Directory), "bad.inc"), problem.File);
        Assert.StartsWith($"{problem.File}:3:11: MX needs a preference and a host name", problem.ToString());
    }

    [Fact]
    public void Include_loop_stops_at_the_depth_limit()
    {
        _zones.Write("loop.inc", "$INCLUDE loop.inc\n");
        var path = _zones.Write("l.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n$INCLUDE loop.inc\n");
        var e = Assert.Throws<ZoneLoadException>(() => MasterFileLoader.Load(path, _zones.Directory));
        Assert.Contains("$INCLUDE nested more than 8 deep", e.Message);
    }
}
