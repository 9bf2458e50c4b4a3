using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Zones;

/// <summary>The authoritative answer rules (RFC 1034 4.3.2, 2308, 4592, 6604, 8482), through the whole query pipeline.</summary>
[Trait("Kind", "Unit")]
public sealed class AnswerEngineTests : IDisposable
{
    private const string Zone = """
        $TTL 3600
        @        IN SOA ns1 hostmaster 7 7200 900 1209600 300
                 IN NS  ns1
                 IN NS  ns2.elsewhere.example.
                 IN MX  10 mail
                 IN A   192.0.2.1
                 IN TXT "apex"
        ns1      IN A   192.0.2.53
                 IN AAAA 2001:db8::53
        www      IN A   192.0.2.10
                 IN A   192.0.2.11
        mail     IN A   192.0.2.25
        ftp      IN CNAME www
        alias    IN CNAME ftp
        out      IN CNAME www.example.net.
        dangling IN CNAME missing
        loop1    IN CNAME loop2
        loop2    IN CNAME loop1
        *.apps   IN A   192.0.2.80
        static.apps IN TXT "static"
        deep.ent.branch IN A 192.0.2.90
        *.w      IN A   192.0.2.99
        a.b.w    IN A   192.0.2.98
        sub      IN NS  ns.sub
                 IN DS  12345 13 2 3A6E8B2D4C1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B
        ns.sub   IN A   192.0.2.153
        _sip._tcp IN SRV 10 60 5060 sip
        sip      IN A   192.0.2.70
        big      IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 IN TXT "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 IN TXT "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 IN TXT "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        """;

    private readonly TestZones _zones = new();
    private readonly QueryProcessor _processor;

    public AnswerEngineTests()
    {
        _zones.Write("t.test.zone", Zone);
        _processor = _zones.Processor();
    }

    public void Dispose() => _zones.Dispose();

    [Fact]
    public void Exact_match_is_authoritative_and_has_no_authority_section()
    {
        var r = _processor.Ask("www.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.True(r.AA);
        Assert.True(r.QR);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], r.AnswerData("A"));
        Assert.Empty(r.Authority);
    }

    [Fact]
    public void Question_and_owner_keep_the_clients_case_for_0x20()
    {
        var r = _processor.Ask("wWw.T.tEsT", RecordType.A);
        Assert.Equal("wWw.T.tEsT.", r.QuestionName);
        Assert.All(r.Answer, a => Assert.Equal("wWw.T.tEsT.", a.Name));
    }

    [Fact]
    public void Cname_chain_is_followed_inside_the_zone()
    {
        var r = _processor.Ask("alias.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Equal(["alias.t.test. 3600 CNAME ftp.t.test.", "ftp.t.test. 3600 CNAME www.t.test.",
            "www.t.test. 3600 A 192.0.2.10", "www.t.test. 3600 A 192.0.2.11"], r.Answer.Select(a => a.ToString()));
    }

    [Fact]
    public void Cname_leaving_the_zone_stops_with_the_cname()
    {
        var r = _processor.Ask("out.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Equal(["www.example.net."], r.AnswerData("CNAME"));
        Assert.Single(r.Answer);
        Assert.Empty(r.Authority);
    }

    [Fact]
    public void Cname_to_a_missing_name_is_nxdomain_with_the_cname_rfc6604()
    {
        var r = _processor.Ask("dangling.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, r.ResponseCode);
        Assert.Equal(["missing.t.test."], r.AnswerData("CNAME"));
        Assert.Equal("SOA", Assert.Single(r.Authority).Type);
    }

    [Fact]
    public void Cname_loop_ends()
    {
        var r = _processor.Ask("loop1.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Equal(2, r.Answer.Count);
    }

    [Fact]
    public void Asking_for_the_cname_itself_does_not_follow_it()
    {
        var r = _processor.Ask("ftp.t.test", RecordType.CNAME);
        Assert.Equal(["ftp.t.test. 3600 CNAME www.t.test."], r.Answer.Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("x.apps.t.test")]
    [InlineData("a.b.c.apps.t.test")]
    public void Wildcard_synthesises_with_the_query_name_as_owner(string name)
    {
        var r = _processor.Ask(name, RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.True(r.AA);
        var a = Assert.Single(r.Answer);
        Assert.Equal(name + ".", a.Name);
        Assert.Equal("192.0.2.80", a.Data);
    }

    [Fact]
    public void Wildcard_without_the_type_is_nodata()
    {
        var r = _processor.Ask("x.apps.t.test", RecordType.AAAA);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Empty(r.Answer);
        Assert.Equal("SOA", Assert.Single(r.Authority).Type);
    }

    [Fact]
    public void Existing_name_is_not_covered_by_the_wildcard()
    {
        var r = _processor.Ask("static.apps.t.test", RecordType.A);
        Assert.Empty(r.Answer);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
    }

    [Fact]
    public void Wildcard_does_not_match_the_name_it_hangs_from()
    {
        var r = _processor.Ask("apps.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode); // apps is an empty non-terminal
        Assert.Empty(r.Answer);
    }

    [Fact]
    public void Empty_non_terminal_closest_encloser_blocks_the_wildcard_above_rfc4592()
    {
        // b.w exists only as the parent of a.b.w, so x.b.w's closest encloser is b.w, which has no "*".
        var r = _processor.Ask("x.b.w.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, r.ResponseCode);
        Assert.Equal("192.0.2.99", Assert.Single(_processor.Ask("x.w.t.test", RecordType.A).Answer).Data);
    }

    [Theory]
    [InlineData("branch.t.test")]
    [InlineData("ent.branch.t.test")]
    public void Empty_non_terminal_is_nodata_not_nxdomain(string name)
    {
        var r = _processor.Ask(name, RecordType.A);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.Empty(r.Answer);
        Assert.Equal("SOA", Assert.Single(r.Authority).Type);
    }

    [Fact]
    public void Nxdomain_carries_the_soa_with_the_negative_ttl_rfc2308()
    {
        var r = _processor.Ask("nope.t.test", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, r.ResponseCode);
        Assert.True(r.AA);
        var soa = Assert.Single(r.Authority);
        Assert.Equal("t.test.", soa.Name);
        Assert.Equal(300u, soa.Ttl); // min(SOA TTL 3600, MINIMUM 300)
    }

    [Theory]
    [InlineData("sub.t.test", RecordType.A)]
    [InlineData("www.sub.t.test", RecordType.A)]
    [InlineData("ns.sub.t.test", RecordType.A)]
    [InlineData("sub.t.test", RecordType.NS)]
    public void Names_at_or_below_a_delegation_get_a_referral(string name, RecordType type)
    {
        var r = _processor.Ask(name, type);
        Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        Assert.False(r.AA);
        Assert.Empty(r.Answer);
        Assert.Equal(["ns.sub.t.test."], r.Authority.Where(a => a.Type == "NS").Select(a => a.Data));
        Assert.Equal("ns.sub.t.test. 3600 A 192.0.2.153", Assert.Single(r.Additional).ToString());
    }

    [Fact]
    public void DS_at_a_delegation_is_answered_from_the_parent_side()
    {
        var r = _processor.Ask("sub.t.test", RecordType.DS);
        Assert.True(r.AA);
        Assert.Equal("DS", Assert.Single(r.Answer).Type);
    }

    [Fact]
    public void NS_MX_and_SRV_answers_carry_target_addresses_in_additional()
    {
        var ns = _processor.Ask("t.test", RecordType.NS);
        Assert.Equal(["ns1.t.test. 3600 A 192.0.2.53", "ns1.t.test. 3600 AAAA 2001:db8::53"], ns.Additional.Select(a => a.ToString()));
        var mx = _processor.Ask("t.test", RecordType.MX);
        Assert.Equal(["mail.t.test. 3600 A 192.0.2.25"], mx.Additional.Select(a => a.ToString()));
        var srv = _processor.Ask("_sip._tcp.t.test", RecordType.SRV);
        Assert.Equal(["sip.t.test. 3600 A 192.0.2.70"], srv.Additional.Select(a => a.ToString()));
    }

    [Fact]
    public void Any_is_answered_with_one_rrset_over_udp_and_tcp_rfc8482()
    {
        var udp = _processor.Ask("t.test", RecordType.ANY);
        Assert.Equal(["t.test. 3600 A 192.0.2.1"], udp.Answer.Select(a => a.ToString()));
        var tcp = _processor.Ask("t.test", RecordType.ANY, overTcp: true);
        Assert.Equal(["t.test. 3600 A 192.0.2.1"], tcp.Answer.Select(a => a.ToString()));
        Assert.Equal(ResponseCode.NXDomain, _processor.Ask("nope.t.test", RecordType.ANY).ResponseCode);
    }

    [Fact]
    public void Out_of_zone_question_is_refused_without_aa()
    {
        var r = _processor.Ask("example.com", RecordType.A);
        Assert.Equal(ResponseCode.Refused, r.ResponseCode);
        Assert.False(r.AA);
        Assert.Empty(r.Answer);
    }

    [Fact]
    public void Large_answer_is_truncated_over_udp_and_whole_over_tcp()
    {
        var plain = _processor.Ask("big.t.test", RecordType.TXT, ednsSize: null);
        Assert.True(plain.TC);
        Assert.Empty(plain.Answer);
        Assert.True(plain.Length <= 512);
        var edns = _processor.Ask("big.t.test", RecordType.TXT, ednsSize: 4096);
        Assert.False(edns.TC);
        Assert.Equal(6, edns.Answer.Count);
        Assert.Equal(1232, edns.OptPayload);
        var tcp = _processor.Ask("big.t.test", RecordType.TXT, overTcp: true, ednsSize: null);
        Assert.False(tcp.TC);
        Assert.Equal(6, tcp.Answer.Count);
    }

    [Fact]
    public void Edns_buffer_is_capped_at_1232()
    {
        // 6 TXT of ~100 bytes fit in 1232 but not in 700.
        var small = _processor.Ask("big.t.test", RecordType.TXT, ednsSize: 700);
        Assert.True(small.TC);
        Assert.True(small.Length <= 700);
    }

    [Fact]
    public void Edns_version_above_zero_gets_badvers()
    {
        var r = _processor.Ask(TestQuery.Build("www.t.test", RecordType.A, ednsVersion: 1));
        Assert.Equal(ResponseCode.BadVers, r.ResponseCode);
        Assert.True(r.HasOpt);
        Assert.Empty(r.Answer);
    }

    [Fact]
    public void Response_echoes_id_rd_and_do()
    {
        var r = _processor.Ask(TestQuery.Build("www.t.test", RecordType.A, id: 0xBEEF, rd: true, dnssecOk: true));
        Assert.Equal(0xBEEF, r.Id);
        Assert.True(r.RD);
        Assert.False(r.RA);
    }

    [Fact]
    public void Unknown_opcode_is_notimp()
    {
        var r = _processor.Ask(TestQuery.Build("www.t.test", RecordType.A, opcode: 2));
        Assert.Equal(ResponseCode.NotImp, r.ResponseCode);
    }

    [Fact]
    public void Chaos_version_queries_are_refused_unless_enabled()
    {
        var refused = _processor.Ask(TestQuery.Build("version.bind", RecordType.TXT, cls: RecordClass.CH));
        Assert.Equal(ResponseCode.Refused, refused.ResponseCode);
        Assert.Empty(refused.Answer);

        var enabled = _zones.Processor(new DnsServerOptions { AnswerChaosQueries = true, ServerVersion = "DnsHost test" });
        var answered = enabled.Ask(TestQuery.Build("VERSION.BIND", RecordType.TXT, cls: RecordClass.CH));
        Assert.Equal(ResponseCode.NoError, answered.ResponseCode);
        Assert.Equal("\"DnsHost test\"", Assert.Single(answered.Answer).Data);
        Assert.Equal(RecordClass.CH, answered.Answer[0].Class);
    }

    [Fact]
    public void Axfr_over_udp_is_notimp_and_transfers_need_tcp()
    {
        var r = _processor.Ask(TestQuery.Build("t.test", RecordType.AXFR));
        Assert.Equal(ResponseCode.NotImp, r.ResponseCode);
    }

    [Fact]
    public void DS_for_a_child_apex_comes_from_the_parent_zone_when_both_are_served()
    {
        _zones.Write("sub.t.test.zone", """
            $TTL 600
            @ IN SOA ns.sub.t.test. h.sub.t.test. 1 2 3 4 60
              IN NS ns
            ns IN A 192.0.2.153
            www IN A 192.0.2.154
            """);
        var both = _zones.Processor();
        var ds = both.Ask("sub.t.test", RecordType.DS);
        Assert.Equal("DS", Assert.Single(ds.Answer).Type);
        var child = both.Ask("www.sub.t.test", RecordType.A);
        Assert.True(child.AA);
        Assert.Equal("192.0.2.154", Assert.Single(child.Answer).Data);
    }
}
