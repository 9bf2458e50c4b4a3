using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Tests.Zones;

/// <summary>The compact zone store: canonical order, empty non-terminals, and changes applied as diffs.</summary>
[Trait("Kind", "Unit")]
public sealed class ZoneStoreTests
{
    private static Zone Build(params string[] lines)
    {
        var builder = new ZoneBuilder(DnsName.Parse("s.test."), "s.test.zone");
        builder.Add(DnsName.Parse("s.test."), (ushort)RecordType.SOA, RecordClass.IN, 60, [.. DnsName.Parse("ns.s.test."), .. DnsName.Parse("h.s.test."), .. new byte[20]]);
        builder.Add(DnsName.Parse("s.test."), (ushort)RecordType.NS, RecordClass.IN, 60, DnsName.Parse("ns.s.test."));
        foreach (var name in lines)
            builder.Add(DnsName.Parse(name), (ushort)RecordType.A, RecordClass.IN, 60, [192, 0, 2, 1]);
        return builder.Build();
    }

    [Fact]
    public void Nodes_are_kept_in_rfc4034_canonical_order_with_empty_non_terminals()
    {
        // RFC 4034 6.1's own example order, under s.test.
        var zone = Build("a.s.test.", "yljkjljk.a.s.test.", "Z.a.s.test.", "zABC.a.s.test.", "z.s.test.", "\\001.z.s.test.", "*.z.s.test.", "\\200.z.s.test.");
        Assert.Equal(["s.test.", "a.s.test.", "yljkjljk.a.s.test.", "z.a.s.test.", "zabc.a.s.test.", "z.s.test.", "\\001.z.s.test.", "*.z.s.test.", "\\200.z.s.test."],
            zone.Nodes.Select(n => DnsName.ToText(n.Name)));
        Assert.True(zone.Find(DnsName.Parse("z.s.test."))!.Value.HasWildcardChild);
    }

    [Fact]
    public void A_diff_adds_replaces_and_removes_rrsets_and_empty_non_terminals_follow()
    {
        var zone = Build("a.s.test.", "b.s.test.");
        var changes = new ZoneChanges();
        changes.Replace(DnsName.Parse("x.deep.s.test."), (ushort)RecordType.A, 30, [[192, 0, 2, 7]]);
        changes.Replace(DnsName.Parse("a.s.test."), (ushort)RecordType.A, 40, [[192, 0, 2, 8], [192, 0, 2, 9]]);
        changes.Remove(DnsName.Parse("b.s.test."), (ushort)RecordType.A);
        changes.Replace(DnsName.Parse("*.s.test."), (ushort)RecordType.TXT, 50, [[1, (byte)'w']]);
        var next = zone.Apply(changes);

        Assert.Equal(["s.test.", "*.s.test.", "a.s.test.", "deep.s.test.", "x.deep.s.test."], next.Nodes.Select(n => DnsName.ToText(n.Name)));
        Assert.True(next.Find(DnsName.Parse("deep.s.test."))!.Value.IsEmptyNonTerminal);
        var a = next.Find(DnsName.Parse("a.s.test."))!.Value.Find((ushort)RecordType.A)!.Value;
        Assert.Equal(40u, a.Ttl);
        Assert.Equal(2, a.Count);
        Assert.True(next.Apex.HasWildcardChild);
        Assert.Null(next.Find(DnsName.Parse("b.s.test.")));
        Assert.Equal(zone.RecordCount + 2, next.RecordCount); // +x.deep, a gains one, -b, +*.s.test TXT
        // The old version is untouched: readers holding it see what they saw.
        Assert.NotNull(zone.Find(DnsName.Parse("b.s.test.")));

        var back = new ZoneChanges();
        back.Remove(DnsName.Parse("x.deep.s.test."), (ushort)RecordType.A);
        back.Remove(DnsName.Parse("*.s.test."), (ushort)RecordType.TXT);
        var again = next.Apply(back);
        Assert.Equal(["s.test.", "a.s.test."], again.Nodes.Select(n => DnsName.ToText(n.Name)));
        Assert.False(again.Apex.HasWildcardChild);
    }

    [Fact]
    public void A_diff_that_breaks_a_zone_rule_is_refused_and_names_the_rule()
    {
        var zone = Build("a.s.test.");
        var changes = new ZoneChanges();
        changes.Replace(DnsName.Parse("a.s.test."), (ushort)RecordType.CNAME, 30, [DnsName.Parse("b.s.test.")]);
        var e = Assert.Throws<ZoneLoadException>(() => zone.Apply(changes));
        Assert.Contains("a.s.test. has a CNAME and other data", e.Message);
    }
}
