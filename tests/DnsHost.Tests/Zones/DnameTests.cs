using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Zones;

/// <summary>
/// DNAME synthesis (RFC 6672) and wildcard CNAME loops, with the answers knotd 3.2 gives for the same
/// zone (checked by hand with kdig).
/// </summary>
[Trait("Kind", "Unit")]
public sealed class DnameTests : IDisposable
{
    private const string Zone = """
        $TTL 300
        @ SOA ns hostmaster 1 7200 900 1209600 60
        @ NS ns
        ns A 192.0.2.1
        *.loop CNAME x.loop
        d DNAME target.t.test.
        target A 192.0.2.9
        x.target A 192.0.2.10
        d2 DNAME d.t.test.
        ext DNAME example.net.
        long DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.
        svc2 SVCB 1 target.t.test. port=443
        """;

    private readonly TestZones _zones = new();
    private readonly QueryProcessor _processor;

    public DnameTests()
    {
        _zones.Write("t.test.zone", Zone);
        _processor = _zones.Processor();
    }

    public void Dispose() => _zones.Dispose();

    [Fact]
    public void Dname_below_the_apex_synthesises_a_cname_with_the_dname_ttl_and_follows_it()
    {
        var r = _processor.Ask("x.d.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.True(r.AA);
        Assert.Equal(["d.t.test. 300 DNAME target.t.test.", "x.d.t.test. 300 CNAME x.target.t.test.", "x.target.t.test. 300 A 192.0.2.10"],
            r.Answer.Select(a => a.ToString()));
    }

    [Fact]
    public void Dname_chains_through_a_second_dname_and_ends_in_nxdomain_when_the_last_name_is_missing()
    {
        var r = _processor.Ask("y.x.d2.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, r.ResponseCode);
        Assert.Equal(["d2.t.test. 300 DNAME d.t.test.", "y.x.d2.t.test. 300 CNAME y.x.d.t.test.",
            "d.t.test. 300 DNAME target.t.test.", "y.x.d.t.test. 300 CNAME y.x.target.t.test."], r.Answer.Select(a => a.ToString()));
        Assert.Equal("SOA", Assert.Single(r.Authority).Type);
    }

    [Fact]
    public void Data_at_the_dname_owner_is_not_redirected()
    {
        var a = _processor.Ask("d.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, a.ResponseCode);
        Assert.Empty(a.Answer);
        Assert.Equal("SOA", Assert.Single(a.Authority).Type);
        var dname = _processor.Ask("d.t.test", RecordType.DNAME);
        Assert.Equal(["d.t.test. 300 DNAME target.t.test."], dname.Answer.Select(x => x.ToString()));
    }

    [Fact]
    public void Dname_out_of_the_zone_stops_after_the_synthesised_cname()
    {
        var r = _processor.Ask("q.ext.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Equal(["ext.t.test. 300 DNAME example.net.", "q.ext.t.test. 300 CNAME q.example.net."], r.Answer.Select(a => a.ToString()));
        Assert.Empty(r.Authority);
    }

    [Fact]
    public void Dname_substitution_longer_than_255_octets_is_yxdomain_with_the_dname()
    {
        var r = _processor.Ask("abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.long.t.test", RecordType.A);
        Assert.Equal(ResponseCode.YXDomain, r.ResponseCode);
        Assert.Equal("DNAME", Assert.Single(r.Answer).Type);
    }

    [Fact]
    public void Wildcard_cname_loop_is_written_once_round_as_knot_does()
    {
        var r = _processor.Ask("a.loop.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Equal(["a.loop.t.test. 300 CNAME x.loop.t.test.", "x.loop.t.test. 300 CNAME x.loop.t.test."], r.Answer.Select(a => a.ToString()));
    }

    [Fact]
    public void Svcb_target_addresses_go_in_the_additional_section()
    {
        var r = _processor.Ask("svc2.t.test", RecordType.SVCB);
        Assert.Equal(["target.t.test. 300 A 192.0.2.9"], r.Additional.Where(a => a.Type != "OPT").Select(a => a.ToString()));
    }
}
