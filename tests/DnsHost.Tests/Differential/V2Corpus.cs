using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Differential;

/// <summary>
/// Queries for zones-v2/v2.test.zone, every label starting with "v2:" and each query sent over UDP and
/// over TCP. Written out by hand: the zone generator of <see cref="QueryCorpus.FromZones"/> reads zones
/// with DnsHost's own parser, which is what this zone tests.
/// </summary>
public static class V2Corpus
{
    private const string LongQuery = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.long.v2.test";

    private static readonly (string Name, ushort Type, string What)[] Questions =
    [
        // "@" in RDATA.
        ("v2.test", (ushort)RecordType.SOA, "@ as SOA MNAME and RNAME"),
        ("v2.test", (ushort)RecordType.NS, "@ as NS"),
        ("v2.test", (ushort)RecordType.MX, "@ as MX exchange"),
        ("v2.test", (ushort)RecordType.HTTPS, "@ as HTTPS target"),
        ("cn-at.v2.test", (ushort)RecordType.A, "@ as CNAME target"),
        ("cn-at.v2.test", (ushort)RecordType.CNAME, "@ as CNAME target, CNAME asked"),
        ("ptr-at.v2.test", (ushort)RecordType.PTR, "@ as PTR"),
        ("_sip._udp.v2.test", (ushort)RecordType.SRV, "@ as SRV target"),
        ("naptr-at.v2.test", (ushort)RecordType.NAPTR, "@ as NAPTR replacement"),
        ("svcb-at.v2.test", (ushort)RecordType.SVCB, "@ as SVCB target"),
        ("dname-at.v2.test", (ushort)RecordType.DNAME, "@ as DNAME target"),
        ("ns1.dname-at.v2.test", (ushort)RecordType.A, "DNAME to the apex, then an address"),
        ("x.dname-at.v2.test", (ushort)RecordType.A, "DNAME to the apex, then NXDOMAIN"),
        ("deleg-at.v2.test", (ushort)RecordType.NS, "@ as a delegation's NS"),
        ("www.deleg-at.v2.test", (ushort)RecordType.A, "referral to @"),
        // Escapes and bytes.
        ("high\\255byte.v2.test", (ushort)RecordType.A, "owner with \\255"),
        ("high\\255byte.v2.test", (ushort)RecordType.TXT, "owner with \\255, TXT"),
        ("a\\.b.v2.test", (ushort)RecordType.A, "owner with an escaped dot"),
        ("b.v2.test", (ushort)RecordType.A, "not the label a.b"),
        ("mx-esc.v2.test", (ushort)RecordType.MX, "MX exchange with \\255"),
        ("cn-esc.v2.test", (ushort)RecordType.A, "CNAME to a\\.b"),
        ("txt-utf8.v2.test", (ushort)RecordType.TXT, "non-ASCII, quote and backslash in TXT"),
        // RFC 3597.
        ("generic.v2.test", 65280, "TYPE65280 from \\#"),
        ("generic-a.v2.test", (ushort)RecordType.A, "A from \\#"),
        // $GENERATE.
        ("gen1.v2gen.test", (ushort)RecordType.A, "$GENERATE first"),
        ("gen4.v2gen.test", (ushort)RecordType.A, "$GENERATE last"),
        ("gen5.v2gen.test", (ushort)RecordType.A, "$GENERATE past the range"),
        ("gcn2.v2gen.test", (ushort)RecordType.A, "$GENERATE CNAME"),
        ("step3.v2gen.test", (ushort)RecordType.TXT, "$GENERATE with a step, TTL and $ in a string"),
        ("step2.v2gen.test", (ushort)RecordType.TXT, "$GENERATE step skips"),
        ("pad002.v2gen.test", (ushort)RecordType.A, "$GENERATE ${offset,width,base}"),
        // $INCLUDE with an origin.
        ("inc.v2.test", (ushort)RecordType.A, "$INCLUDE origin @"),
        ("www.inc.v2.test", (ushort)RecordType.A, "$INCLUDE relative name"),
        ("alias.inc.v2.test", (ushort)RecordType.A, "$INCLUDE relative CNAME"),
        ("after-include.v2.test", (ushort)RecordType.A, "origin restored after $INCLUDE"),
        ("after-include.inc.v2.test", (ushort)RecordType.A, "origin not leaked after $INCLUDE"),
        // DNAME.
        ("dn.v2.test", (ushort)RecordType.DNAME, "DNAME at its owner"),
        ("dn.v2.test", (ushort)RecordType.TXT, "data at the DNAME owner"),
        ("dn.v2.test", (ushort)RecordType.A, "address at the DNAME owner"),
        ("dn.v2.test", (ushort)RecordType.CNAME, "no CNAME at the DNAME owner"),
        ("www.dn.v2.test", (ushort)RecordType.A, "DNAME substitution"),
        ("x.dn.v2.test", (ushort)RecordType.A, "DNAME substitution to NXDOMAIN"),
        ("a.b.dn.v2.test", (ushort)RecordType.A, "DNAME two labels below"),
        ("c.dn.v2.test", (ushort)RecordType.A, "DNAME then CNAME then A"),
        ("ext.dn.v2.test", (ushort)RecordType.A, "DNAME then CNAME out of the zone"),
        ("www.dn.v2.test", (ushort)RecordType.DNAME, "DNAME type asked below the DNAME"),
        ("x.dnext.v2.test", (ushort)RecordType.A, "DNAME out of the zone"),
        ("x.long.v2.test", (ushort)RecordType.A, "DNAME to a long target, short enough"),
        (LongQuery, (ushort)RecordType.A, "DNAME substitution too long: YXDOMAIN"),
        // Wildcard CNAME loops.
        ("x.loop.v2.test", (ushort)RecordType.A, "*.loop CNAME x.loop"),
        ("y.loop.v2.test", (ushort)RecordType.A, "*.loop via y"),
        ("a.w.v2.test", (ushort)RecordType.A, "*.w CNAME *.w"),
        ("*.w.v2.test", (ushort)RecordType.A, "*.w asked literally"),
        // Glue past 512 bytes.
        ("big.v2.test", (ushort)RecordType.NS, "delegation with 13 NS"),
        ("www.big.v2.test", (ushort)RecordType.A, "referral with 26 glue records"),
        ("ns1.big.v2.test", (ushort)RecordType.A, "glue name asked"),
        // SVCB/HTTPS targets in the zone.
        ("svc.v2.test", (ushort)RecordType.SVCB, "SVCB ServiceMode, target addresses in additional"),
        ("svc-alias.v2.test", (ushort)RecordType.SVCB, "SVCB AliasMode"),
        ("https-svc.v2.test", (ushort)RecordType.HTTPS, "HTTPS ServiceMode"),
        ("https-alias.v2.test", (ushort)RecordType.HTTPS, "HTTPS AliasMode"),
        ("svc-target.v2.test", (ushort)RecordType.A, "the target itself"),
        // Upper case in RDATA names.
        ("case-ns.v2.test", (ushort)RecordType.NS, "NS written twice in two cases: one record, lower case"),
        ("www.case-ns.v2.test", (ushort)RecordType.A, "referral with an upper-case NS name"),
        ("case-mx.v2.test", (ushort)RecordType.MX, "MX written twice in two cases"),
        ("case-cname.v2.test", (ushort)RecordType.A, "CNAME to an upper-case relative name"),
        ("case-srv.v2.test", (ushort)RecordType.SRV, "SRV target in upper case"),
        ("case-https.v2.test", (ushort)RecordType.HTTPS, "HTTPS target in upper case (case kept, as Knot)"),
    ];

    public static IEnumerable<CorpusQuery> All()
    {
        ushort id = 50000;
        foreach (var (name, type, what) in Questions)
        {
            string label = $"v2: {name} {RecordData.TypeToText(type)} ({what})";
            yield return new CorpusQuery(label, TestQuery.Build(name, type, id: id++));
            yield return new CorpusQuery(label + " over TCP", TestQuery.Build(name, type, id: id++), OverTcp: true);
        }
        // The big referral at each size: no EDNS (512), EDNS 512, EDNS 1232.
        foreach (var (what, size) in new (string, int?)[] { ("no EDNS", null), ("EDNS 512", 512), ("EDNS 1232", 1232) })
            yield return new CorpusQuery($"v2: big referral, {what}", TestQuery.Build("www.big.v2.test", RecordType.A, id: id++, ednsSize: size));
        yield return new CorpusQuery("v2: DNAME chain, no EDNS", TestQuery.Build("c.dn.v2.test", RecordType.A, id: id++, ednsSize: null));
    }
}
