using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;

namespace DnsHost.Tests.Zones;

[Trait("Kind", "Unit")]
public sealed class MasterFileLoaderTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static string Texts(Zone zone) => string.Join("\n", zone.Records.Select(r =>
        $"{DnsName.ToText(r.Owner)} {r.Ttl} {RecordData.TypeToText(r.Type)} {RecordData.ToText(r.Type, r.RData)}"));

    [Fact]
    public void Regression_numeric_owner_in_column_zero_is_an_owner_not_a_ttl()
    {
        var path = _zones.Write("2.0.192.in-addr.arpa.zone", "$TTL 3600\n@ IN SOA ns.example. h.example. 1 2 3 4 5\n  IN NS ns.example.\n1 IN PTR one.example.\n25 PTR twentyfive.example.\n");
        var zone = MasterFileLoader.Load(path);
        var text = Texts(zone);
        Assert.Contains("1.2.0.192.in-addr.arpa. 3600 PTR one.example.", text);
        Assert.Contains("25.2.0.192.in-addr.arpa. 3600 PTR twentyfive.example.", text);
    }

    [Fact]
    public void Regression_owner_named_like_a_type_is_an_owner()
    {
        var path = _zones.Write("t.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\nA A 192.0.2.1\nMX MX 10 a\n");
        var text = Texts(MasterFileLoader.Load(path));
        // Owners are stored lower-cased (as Knot DNS keeps them); DNS names compare without case (RFC 4343).
        Assert.Contains("a.t.test. 60 A 192.0.2.1", text);
        Assert.Contains("mx.t.test. 60 MX 10 a.t.test.", text);
    }

    [Fact]
    public void Regression_parentheses_opened_and_closed_on_one_line()
    {
        var path = _zones.Write("p.test.zone", "$TTL 60\n@ IN SOA ns h ( 7 2 3 4 5 )\n  IN NS ns\nns A 192.0.2.1\n");
        Assert.Equal(7u, MasterFileLoader.Load(path).Serial);
    }

    [Fact]
    public void Origin_comes_from_the_file_name_unless_the_file_sets_it()
    {
        var fromName = MasterFileLoader.Load(_zones.Write("name.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n"));
        Assert.Equal("name.test.", fromName.OriginText);
        var fromDirective = MasterFileLoader.Load(_zones.Write("whatever.zone", "$ORIGIN set.test.\n$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n"));
        Assert.Equal("set.test.", fromDirective.OriginText);
    }

    [Fact]
    public void Include_is_relative_to_the_zones_folder_and_takes_an_origin()
    {
        _zones.Write("hosts.inc", "www A 192.0.2.10\n  AAAA 2001:db8::10\n");
        var path = _zones.Write("i.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n$INCLUDE hosts.inc sub.i.test.\nafter A 192.0.2.11\n");
        var text = Texts(MasterFileLoader.Load(path, _zones.Directory));
        Assert.Contains("www.sub.i.test. 60 A 192.0.2.10", text);
        Assert.Contains("www.sub.i.test. 60 AAAA 2001:db8::10", text);
        Assert.Contains("after.i.test. 60 A 192.0.2.11", text); // origin restored after the include
    }

    [Fact]
    public void Error_inside_an_include_names_the_included_file_and_its_line()
    {
        _zones.Write("bad.inc", "ok A 192.0.2.1\nbad MX 10\n");
        var path = _zones.Write("j.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n$INCLUDE bad.inc\n");
        var e = Assert.Throws<ZoneLoadException>(() => MasterFileLoader.Load(path, _zones.Directory));
        Assert.Contains("bad.inc:2:11: MX needs a preference and a host name", e.Message);
    }

    [Fact]
    public void Escapes_comments_and_multi_line_records()
    {
        var path = _zones.Write("e.test.zone", "$TTL 60\n@ IN SOA ns h (\n 9 ; serial\n 2 3 4 5 )\n  IN NS ns\nsemi IN TXT \"a;b\" ; comment\nesc\\.dot IN A 192.0.2.5\n\\065bc IN A 192.0.2.6\n");
        var zone = MasterFileLoader.Load(path);
        var text = Texts(zone);
        Assert.Equal(9u, zone.Serial);
        Assert.Contains("semi.e.test. 60 TXT \"a;b\"", text);
        Assert.Contains("esc\\.dot.e.test. 60 A 192.0.2.5", text);
        Assert.Contains("abc.e.test. 60 A 192.0.2.6", text);
    }

    [Fact]
    public void Regression_ttl_units_dollar_ttl_default_and_zero_ttl()
    {
        // Found by the differential test: ARSoft carried the last explicit TTL forward instead of $TTL,
        // read an explicit 0 as "no TTL", and rejected unit suffixes.
        var path = _zones.Write("ttl.test.zone", "$TTL 10m\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\na 5 A 192.0.2.2\nb A 192.0.2.3\nc 0 A 192.0.2.4\nd IN 1h30m A 192.0.2.5\n");
        var text = Texts(MasterFileLoader.Load(path));
        Assert.Contains("ns.ttl.test. 600 A 192.0.2.1", text);
        Assert.Contains("a.ttl.test. 5 A 192.0.2.2", text);
        Assert.Contains("b.ttl.test. 600 A 192.0.2.3", text);
        Assert.Contains("c.ttl.test. 0 A 192.0.2.4", text);
        Assert.Contains("d.ttl.test. 5400 A 192.0.2.5", text);
    }
}
