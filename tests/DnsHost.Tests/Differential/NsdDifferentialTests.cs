using DnsHost.Tests.Peers;
using Xunit.Abstractions;

namespace DnsHost.Tests.Differential;

/// <summary>The same corpus against a real NSD: a second reference, with its own short allow-list.</summary>
public sealed class NsdDifferentialTests(ITestOutputHelper output) : DifferentialTest(output)
{
    protected override string PeerName => "nsd";

    protected override Task<PeerProcess> StartPeer(IReadOnlyList<(string Origin, string Path)> zones) => NsdServer.StartAsync(zones);

    /// <summary>
    /// Where NSD and Knot disagree, DnsHost follows Knot (the primary reference); those cases are
    /// listed here by kind, with the reason. Everything else must match NSD too.
    /// </summary>
    protected override (string Label, string Field, string Reason)[] AllowList { get; } =
    [
        ("* MX", "additional", "NSD with minimal-responses omits MX/SRV/SVCB target addresses; Knot and DnsHost add them (RFC 1034 4.3.2 step 6)"),
        ("* SRV", "additional", "same as above"),
        ("* SVCB", "additional", "same as above"),
        ("* ANY", "additional", "same as above, for the RRset a minimal ANY returns"),
        ("* ANY", "answer", "RFC 8482 4.1 lets the server pick the RRset: NSD returns the SOA at an apex, Knot and DnsHost the lowest type"),
        ("* ANY over TCP", "answer", "same as above"),
        ("CH version.bind", "rcode", "DnsHost refuses CHAOS version queries unless configured; NSD answers them"),
        ("CH version.bind", "answer", "same as above"),
        ("CH id.server", "rcode", "same as above"),
        ("CH id.server", "answer", "same as above"),
        ("CD set", "CD", "RFC 4035 3.1.6: CD is copied to the response; NSD clears it"),
        ("opcode*", "question", "NSD answers other opcodes with a bare header; DnsHost (like Knot) echoes the question and EDNS"),
        ("opcode*", "opt", "same as above"),
        ("opcode NOTIFY", "rcode", "NSD REFUSED, Knot NOTAUTH: DnsHost follows Knot"),
        ("opcode UPDATE", "rcode", "NSD NOTIMP, Knot NOTAUTH: DnsHost follows Knot"),
        ("class*", "question", "NSD drops the question from REFUSED answers for classes it does not serve; Knot keeps it"),
        ("class*", "ede", "NSD adds EDE 21 (Not Supported) to REFUSED for classes it does not serve; Knot adds none; DnsHost follows Knot"),
        ("class 255", "AA", "QCLASS ANY: Knot sets AA on the IN answer, NSD does not; DnsHost follows Knot"),
        ("two OPT records", "question", "FORMERR: NSD sends a bare header, Knot and DnsHost echo the question"),
        ("qdcount 0 with OPT", "rcode", "NSD answers NOERROR to a query without a question; Knot and DnsHost FORMERR (RFC 1035 4.1.2)"),
        ("qdcount 2", "response", "DnsHost answers FORMERR; NSD, like Knot, drops the packet"),
        ("qtype 0", "rcode", "TYPE 0 is reserved (RFC 6895 3.1): Knot and DnsHost NOTIMP, NSD NODATA"),
        ("qtype 0", "AA", "same as above"),
        ("qtype 0", "authority", "same as above"),
        ("IXFR*", "AA", "IXFR over UDP: NSD sets AA and sends a full zone in one datagram; Knot (and DnsHost) answer the SOA without AA"),
        ("IXFR*", "answer", "same as above"),
        ("IXFR over UDP without the client's SOA", "question", "NSD's FORMERR carries an empty question; Knot and DnsHost echo it"),
        ("IXFR over UDP without the client's SOA", "opt", "same as above"),
    ];
}
