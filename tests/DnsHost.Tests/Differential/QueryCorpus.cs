using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Differential;

/// <summary>One query of the differential corpus, with a label that says what it exercises.</summary>
public sealed record CorpusQuery(string Label, byte[] Packet, bool OverTcp = false)
{
    public override string ToString() => Label;
}

/// <summary>
/// The queries sent to both DnsHost and Knot: every owner of the test zones with the common types,
/// names that exercise each answer rule, and protocol variations (EDNS, case, RD, class, opcode).
/// </summary>
public static class QueryCorpus
{
    private static readonly RecordType[] CommonTypes =
        [RecordType.A, RecordType.AAAA, RecordType.MX, RecordType.TXT, RecordType.NS, RecordType.SOA, RecordType.CNAME];

    private static readonly string[] DiffNames =
    [
        "diff.test", "ns1.diff.test", "ns2.diff.test", "mx1.diff.test", "mixedcase.diff.test", "MIXEDCASE.DIFF.TEST",
        "c1.diff.test", "c2.diff.test", "c3.diff.test", "target.diff.test", "cext.diff.test", "cdead.diff.test",
        "cwild.diff.test", "cdeleg.diff.test", "cloop1.diff.test", "cloop2.diff.test",
        "wild.diff.test", "a.wild.diff.test", "a.b.wild.diff.test", "exact.wild.diff.test", "x.exact.wild.diff.test", "*.wild.diff.test",
        "foo.cw.diff.test", "cw.diff.test",
        "ent.diff.test", "c.ent.diff.test", "b.c.ent.diff.test", "a.b.c.ent.diff.test", "z.c.ent.diff.test", "x.ent.diff.test", "q.x.ent.diff.test",
        "deleg.diff.test", "www.deleg.diff.test", "ns1.deleg.diff.test", "ns2.deleg.diff.test", "a.b.deleg.diff.test",
        "other.diff.test", "x.other.diff.test",
        "_svc._tcp.diff.test", "_443._tcp.diff.test", "_tcp.diff.test", "host.diff.test", "svcb.diff.test", "naptr.diff.test", "ptr.diff.test",
        "unknown.diff.test", "nonexistent.diff.test", "deep.nonexistent.diff.test", "escaped\\.dot.diff.test",
    ];

    private static readonly string[] SampleNames =
    [
        "example.test", "www.example.test", "mail.example.test", "ftp.example.test", "webmail.example.test", "alias.example.test",
        "external.example.test", "foo.apps.example.test", "static.apps.example.test", "apps.example.test", "_sip._tcp.example.test",
        "deep.ent.branch.example.test", "branch.example.test", "dev.example.test", "x.dev.example.test", "svc.example.test",
        "_443._tcp.www.example.test", "_ftp._tcp.example.test", "nothing.example.test",
        "2.0.192.in-addr.arpa", "1.2.0.192.in-addr.arpa", "10.2.0.192.in-addr.arpa", "99.2.0.192.in-addr.arpa",
    ];

    public static IEnumerable<CorpusQuery> All()
    {
        ushort id = 1;
        foreach (var name in DiffNames.Concat(SampleNames))
        {
            foreach (var type in CommonTypes)
                yield return Query(name, type, ref id);
        }
        foreach (var (name, type) in new (string, RecordType)[]
        {
            ("diff.test", RecordType.CAA), ("deleg.diff.test", RecordType.DS), ("other.diff.test", RecordType.DS), ("diff.test", RecordType.DS),
            ("_svc._tcp.diff.test", RecordType.SRV), ("_443._tcp.diff.test", RecordType.TLSA), ("host.diff.test", RecordType.SSHFP),
            ("host.diff.test", RecordType.HINFO), ("svcb.diff.test", RecordType.SVCB), ("naptr.diff.test", RecordType.NAPTR),
            ("ptr.diff.test", RecordType.PTR), ("a.wild.diff.test", RecordType.MX), ("foo.cw.diff.test", RecordType.TXT),
            ("www.example.test", RecordType.SSHFP), ("svc.example.test", RecordType.HTTPS), ("_sip._tcp.example.test", RecordType.SRV),
            ("dev.example.test", RecordType.DS), ("example.test", RecordType.CAA), ("_ftp._tcp.example.test", RecordType.NAPTR),
            ("_443._tcp.www.example.test", RecordType.TLSA), ("10.2.0.192.in-addr.arpa", RecordType.PTR),
        })
        {
            yield return Query(name, type, ref id);
        }
        yield return new CorpusQuery("unknown type 65400", TestQuery.Build("unknown.diff.test", 65400, id: id++));
        yield return new CorpusQuery("unassigned type 65300 at existing name", TestQuery.Build("target.diff.test", 65300, id: id++));

        // Protocol variations on a few names.
        foreach (var name in new[] { "target.diff.test", "c1.diff.test", "nonexistent.diff.test", "a.wild.diff.test", "www.deleg.diff.test", "big.diff.test" })
        {
            yield return new CorpusQuery($"{name} A no EDNS", TestQuery.Build(name, RecordType.A, id: id++, ednsSize: null));
            yield return new CorpusQuery($"{name} A RD", TestQuery.Build(name, RecordType.A, id: id++, rd: true));
            yield return new CorpusQuery($"{name} A DO", TestQuery.Build(name, RecordType.A, id: id++, dnssecOk: true));
            yield return new CorpusQuery($"{name} A mixed case", TestQuery.Build(MixCase(name), RecordType.A, id: id++));
            yield return new CorpusQuery($"{name} TXT EDNS 512", TestQuery.Build(name, RecordType.TXT, id: id++, ednsSize: 512));
        }
        yield return new CorpusQuery("big TXT without EDNS (truncated)", TestQuery.Build("big.diff.test", RecordType.TXT, id: id++, ednsSize: null));
        yield return new CorpusQuery("big TXT EDNS 4096 (capped at 1232)", TestQuery.Build("big.diff.test", RecordType.TXT, id: id++, ednsSize: 4096));
        yield return new CorpusQuery("big TXT over TCP", TestQuery.Build("big.diff.test", RecordType.TXT, id: id++, ednsSize: null), OverTcp: true);
        yield return new CorpusQuery("www A over TCP", TestQuery.Build("www.example.test", RecordType.A, id: id++), OverTcp: true);
        yield return new CorpusQuery("referral over TCP", TestQuery.Build("www.deleg.diff.test", RecordType.A, id: id++), OverTcp: true);
        yield return new CorpusQuery("out of zone", TestQuery.Build("example.com", RecordType.A, id: id++));
        yield return new CorpusQuery("out of zone without EDNS", TestQuery.Build("example.com", RecordType.A, id: id++, ednsSize: null));
        yield return new CorpusQuery("out of zone over TCP", TestQuery.Build("example.com", RecordType.A, id: id++), OverTcp: true);
        yield return new CorpusQuery("out of zone parent", TestQuery.Build("test", RecordType.SOA, id: id++));
        yield return new CorpusQuery("root", TestQuery.Build(".", RecordType.NS, id: id++));
        yield return new CorpusQuery("EDNS version 1", TestQuery.Build("target.diff.test", RecordType.A, id: id++, ednsVersion: 1));
        yield return new CorpusQuery("CH version.bind", TestQuery.Build("version.bind", RecordType.TXT, id: id++, cls: RecordClass.CH));
        yield return new CorpusQuery("CH id.server", TestQuery.Build("id.server", RecordType.TXT, id: id++, cls: RecordClass.CH));
        yield return new CorpusQuery("opcode STATUS", TestQuery.Build("target.diff.test", RecordType.A, id: id++, opcode: 2));
        yield return new CorpusQuery("opcode 3 (unassigned)", TestQuery.Build("target.diff.test", RecordType.A, id: id++, opcode: 3));
        yield return new CorpusQuery("opcode NOTIFY", TestQuery.Build("diff.test", RecordType.SOA, id: id++, opcode: 4));
        yield return new CorpusQuery("opcode UPDATE", TestQuery.Build("diff.test", RecordType.SOA, id: id++, opcode: 5));
        foreach (ushort meta in new ushort[] { 0, 41, 46, 47, 48, 249, 250, 253, 254, 128 })
            yield return new CorpusQuery($"qtype {meta}", TestQuery.Build("target.diff.test", meta, id: id++));
        foreach (ushort cls in new ushort[] { RecordClass.Any, RecordClass.None, RecordClass.HS, 2 })
            yield return new CorpusQuery($"class {cls}", TestQuery.Build("target.diff.test", RecordType.A, id: id++, cls: cls));
        yield return new CorpusQuery("AXFR over UDP", TestQuery.Build("diff.test", RecordType.AXFR, id: id++));
        yield return new CorpusQuery("IXFR over UDP without the client's SOA", TestQuery.Build("diff.test", RecordType.IXFR, id: id++));
        yield return new CorpusQuery("IXFR over UDP, client serial older", Ixfr(id++, 41));
        yield return new CorpusQuery("IXFR over UDP, client serial current", Ixfr(id++, 42));
        yield return new CorpusQuery("AXFR of a non-apex name over UDP", TestQuery.Build("target.diff.test", RecordType.AXFR, id: id++));
        yield return new CorpusQuery("EDNS with unknown option", TestQuery.Build("target.diff.test", RecordType.A, id: id++, ednsOptions: [0xFD, 0xE9, 0, 2, 0xAB, 0xCD]));
        yield return new CorpusQuery("EDNS with client subnet", TestQuery.Build("target.diff.test", RecordType.A, id: id++, ednsOptions: [0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100]));
        yield return new CorpusQuery("EDNS with client cookie", TestQuery.Build("target.diff.test", RecordType.A, id: id++, ednsOptions: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]));
        yield return new CorpusQuery("EDNS payload below 512", TestQuery.Build("big.diff.test", RecordType.TXT, id: id++, ednsSize: 100));
        yield return new CorpusQuery("EDNS DO on NXDOMAIN", TestQuery.Build("nope.diff.test", RecordType.A, id: id++, dnssecOk: true));
        foreach (var (label, flags) in new (string, ushort)[] { ("CD set", 0x0010), ("AD set", 0x0020), ("Z set", 0x0040), ("AA set in query", 0x0400), ("TC set in query", 0x0200), ("RA set in query", 0x0080) })
        {
            var packet = TestQuery.Build("target.diff.test", RecordType.A, id: id++);
            packet[2] |= (byte)(flags >> 8);
            packet[3] |= (byte)flags;
            yield return new CorpusQuery(label, packet);
        }
        yield return new CorpusQuery("two OPT records", TwoOpts(id++));
        yield return new CorpusQuery("qdcount 0 with OPT", [0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]);
        yield return new CorpusQuery("qdcount 2", [.. TestQuery.Build("target.diff.test", RecordType.A, id: id++, ednsSize: null)[..5], 2,
            .. TestQuery.Build("target.diff.test", RecordType.A, ednsSize: null)[6..], .. TestQuery.Build("target.diff.test", RecordType.A, ednsSize: null)[12..]]);
    }

    /// <summary>
    /// Queries generated from the zones themselves, so the corpus grows with them: every owner name (and
    /// a name below it, and a mixed-case spelling) with the common types, DS and ANY.
    /// </summary>
    public static IEnumerable<CorpusQuery> FromZones(string directory)
    {
        ushort id = 20000;
        RecordType[] types = [RecordType.A, RecordType.AAAA, RecordType.TXT, RecordType.MX, RecordType.NS, RecordType.CNAME, RecordType.DS, RecordType.SRV, RecordType.ANY];
        foreach (var file in Directory.GetFiles(directory, "*.zone").Order(StringComparer.Ordinal))
        {
            var zone = DnsHost.Zones.MasterFileLoader.Load(file, directory);
            var owners = zone.Records.Select(r => DnsName.ToText(r.Owner)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var owner in owners)
            {
                string concrete = owner.StartsWith("*.", StringComparison.Ordinal) ? "w1" + owner[1..] : owner;
                foreach (var type in types)
                    yield return new CorpusQuery($"{owner} {type}", TestQuery.Build(owner, type, id: id++));
                yield return new CorpusQuery($"below {owner} A", TestQuery.Build("below." + concrete, RecordType.A, id: id++));
                yield return new CorpusQuery($"below {owner} TXT", TestQuery.Build("x.below." + concrete, RecordType.TXT, id: id++));
                yield return new CorpusQuery($"{owner} A mixed case", TestQuery.Build(MixCase(concrete), RecordType.A, id: id++));
            }
        }
    }

    /// <summary>ANY (RFC 8482): both servers answer with the node's first RRset by type, over UDP and TCP.</summary>
    public static IEnumerable<CorpusQuery> Any()
    {
        ushort id = 40000;
        foreach (var name in new[] { "diff.test", "target.diff.test", "c1.diff.test", "a.wild.diff.test", "nonexistent.diff.test", "www.deleg.diff.test", "c.ent.diff.test" })
        {
            yield return Query(name, RecordType.ANY, ref id);
            yield return new CorpusQuery($"{name} ANY over TCP", TestQuery.Build(name, RecordType.ANY, id: id++), OverTcp: true);
        }
    }

    /// <summary>An IXFR query (RFC 1995 3) for diff.test with the client's SOA at <paramref name="serial"/> in the authority section.</summary>
    private static byte[] Ixfr(ushort id, uint serial)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = id;
        var zone = DnsName.Parse("diff.test.");
        writer.TryWriteQuestion(zone, (ushort)RecordType.IXFR, RecordClass.IN);
        byte[] soa = [.. DnsName.Parse("ns1.diff.test."), .. DnsName.Parse("admin.diff.test."),
            (byte)(serial >> 24), (byte)(serial >> 16), (byte)(serial >> 8), (byte)serial, 0, 0, 14, 16, 0, 0, 2, 88, 0, 9, 58, 128, 0, 0, 0, 120];
        writer.TryWriteRecord(DnsSection.Authority, zone, (ushort)RecordType.SOA, RecordClass.IN, 1800, soa);
        return buffer[..writer.Finish()];
    }

    private static byte[] TwoOpts(ushort id)
    {
        var packet = TestQuery.Build("target.diff.test", RecordType.A, id: id);
        byte[] opt = [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0];
        packet[11] = 2; // ARCOUNT 2
        return [.. packet, .. opt];
    }

    private static CorpusQuery Query(string name, RecordType type, ref ushort id) =>
        new($"{name} {type}", TestQuery.Build(name, type, id: id++));

    private static string MixCase(string name) =>
        new(name.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c).ToArray());
}
