using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Resolver;

/// <summary>Iterative resolution from root hints through the loopback hierarchy of <see cref="IterationHierarchy"/>, over the wire.</summary>
[Trait("Kind", "Interop")]
public sealed class IterationTests(IterationHierarchy hierarchy) : IClassFixture<IterationHierarchy>, IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await hierarchy.StartResolver(_zones, _clock);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private Task<TestResponse> Ask(string name, RecordType type = RecordType.A) => _server.UdpAsync(TestQuery.Build(name, type, rd: true), timeoutMs: 8000);

    private long QueriesTo(int lastOctet) => Server(lastOctet)?.Queries ?? 0;

    private long TimeoutsOf(int lastOctet) => Server(lastOctet)?.Timeouts ?? 0;

    /// <summary>Queries the server answered in time: a loaded machine can time out a query and ask again, which these do not count.</summary>
    private long RepliesFrom(int lastOctet) => Server(lastOctet)?.Responses ?? 0;

    private UpstreamServer? Server(int lastOctet) =>
        _server.Services.GetRequiredService<RecursionService>().Resolver!.Metrics.Servers
            .TryGetValue(IterationHierarchy.At(lastOctet, hierarchy.Port), out var server) ? server : null;

    [Fact]
    public async Task Follows_referrals_with_glue_from_the_root()
    {
        var response = await Ask("host.corp.lab");
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.True(response.RA);
        Assert.False(response.AA);
        Assert.Equal(["10.0.0.1"], response.AnswerData("A"));
        Assert.True(QueriesTo(2) >= 1 && QueriesTo(3) >= 1 && QueriesTo(4) >= 1);
    }

    [Fact]
    public async Task Resolves_the_name_server_of_a_glueless_delegation()
    {
        var response = await Ask("web.other.lab");
        Assert.Equal(["10.0.0.80"], response.AnswerData("A"));
    }

    [Fact]
    public async Task Follows_a_cname_chain_across_zones()
    {
        var response = await Ask("www.corp.lab");
        Assert.Equal(["web.other.lab."], response.AnswerData("CNAME"));
        Assert.Equal(["10.0.0.80"], response.AnswerData("A"));
        Assert.Equal("www.corp.lab.", response.Answer[0].Name);
    }

    [Fact]
    public async Task A_lame_server_is_passed_over()
    {
        Assert.Equal(["10.0.0.5"], (await Ask("host.lame.lab")).AnswerData("A"));
        Assert.Equal(ResponseCode.NXDomain, (await Ask("nope.lame.lab")).ResponseCode);
        Assert.Equal(["127.0.0.4"], (await Ask("ns2.lame.lab")).AnswerData("A"));
        // Asked at most once: a REFUSED marks it as bad as a timeout for choosing. Only when the good
        // server timed out (400 ms here, which a loaded machine can exceed) does the resolver's second
        // round over the zone's servers ask the lame one again, once per such timeout.
        Assert.InRange(QueriesTo(5), 0, 1 + TimeoutsOf(4));
    }

    [Fact]
    public async Task A_dead_glued_server_is_followed_by_the_good_glueless_one()
    {
        // The case with the default 1.5 s upstream timeout: the glued server is asked once, then
        // the glueless one is resolved and asked, rather than the dead one twice and SERVFAIL.
        await using var server = await hierarchy.StartResolver(_zones, "--Resolver:UpstreamTimeoutMs=1500");
        var response = await server.UdpAsync(TestQuery.Build("host.mixed.lab", RecordType.A, rd: true), timeoutMs: 8000);
        Assert.Equal(["10.0.0.9"], response.AnswerData("A"));
        var metrics = server.Services.GetRequiredService<RecursionService>().Resolver!.Metrics;
        Assert.True(metrics.Servers.TryGetValue(IterationHierarchy.At(6, hierarchy.Port), out var dead));
        Assert.Equal(1, dead.Queries);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_passed_over()
    {
        Assert.Equal(["10.0.0.6"], (await Ask("host.slow.lab")).AnswerData("A"));
        Assert.Equal(ResponseCode.NXDomain, (await Ask("nope.slow.lab")).ResponseCode);
        Assert.InRange(QueriesTo(6), 0, 1);
    }

    [Fact]
    public async Task A_server_answering_servfail_is_passed_over_and_alone_gives_servfail()
    {
        Assert.Equal(["10.0.0.7"], (await Ask("host.broken.lab")).AnswerData("A"));
        Assert.Equal(ResponseCode.ServFail, (await Ask("host.dead.lab")).ResponseCode);
    }

    [Fact]
    public async Task A_truncated_answer_is_fetched_again_over_tcp()
    {
        // 100 addresses do not fit the 1232 bytes offered upstream over UDP: Knot sets TC, the resolver asks over TCP.
        var response = (await _server.TcpAsync(TestQuery.Build("big.corp.lab", RecordType.A, rd: true)))[0];
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(100, response.AnswerData("A").Count());
        // Over UDP the client gets TC from the cache, and retries over TCP as it should.
        Assert.True((await Ask("big.corp.lab")).TC);
    }

    [Fact]
    public async Task Nxdomain_and_nodata_are_cached_for_the_negative_ttl()
    {
        var nx = await Ask("nope.corp.lab");
        Assert.Equal(ResponseCode.NXDomain, nx.ResponseCode);
        Assert.Equal(2u, Assert.Single(nx.Authority, r => r.Type == "SOA").Ttl);
        var nodata = await Ask("host.corp.lab", RecordType.AAAA);
        Assert.Equal(ResponseCode.NoError, nodata.ResponseCode);
        Assert.Empty(nodata.Answer);
        Assert.Single(nodata.Authority, r => r.Type == "SOA");
        long asked = RepliesFrom(4);
        Assert.Equal(ResponseCode.NXDomain, (await Ask("nope.corp.lab")).ResponseCode);
        Assert.Empty((await Ask("host.corp.lab", RecordType.AAAA)).Answer);
        Assert.Equal(asked, RepliesFrom(4));
        _clock.Advance(TimeSpan.FromMilliseconds(2100));
        Assert.Equal(ResponseCode.NXDomain, (await Ask("nope.corp.lab")).ResponseCode);
        Assert.Equal(asked + 1, RepliesFrom(4));
    }

    [Fact]
    public async Task An_answer_is_fetched_again_when_its_ttl_runs_out()
    {
        var first = await Ask("short.corp.lab");
        Assert.Equal(["10.0.0.2"], first.AnswerData("A"));
        long asked = RepliesFrom(4);
        _clock.Advance(TimeSpan.FromMilliseconds(1000));
        var cached = await Ask("short.corp.lab");
        Assert.Equal(1u, cached.Answer[0].Ttl);
        Assert.Equal(asked, RepliesFrom(4));
        _clock.Advance(TimeSpan.FromMilliseconds(1100));
        var refetched = await Ask("short.corp.lab");
        Assert.Equal(["10.0.0.2"], refetched.AnswerData("A"));
        Assert.Equal(2u, refetched.Answer[0].Ttl);
        // The zone cut is remembered: only corp.lab.'s server was asked again.
        Assert.Equal(asked + 1, RepliesFrom(4));
    }

    [Fact]
    public async Task Out_of_bailiwick_data_is_not_believed()
    {
        // evil.lab.'s server answers with a CNAME into corp.lab. and a forged address for the target;
        // only the CNAME is its to give, so the target is resolved from corp.lab.'s own server.
        var response = await Ask("host.evil.lab");
        Assert.Equal(["host.corp.lab."], response.AnswerData("CNAME"));
        Assert.Equal(["10.0.0.1"], response.AnswerData("A"));
        Assert.Equal(["10.0.0.1"], (await Ask("host.corp.lab")).AnswerData("A"));
    }

    [Fact]
    public async Task Ds_is_asked_of_the_parent_zone()
    {
        // Prime the child's cut first: DS must still come from lab.'s server, not from corp.lab.'s.
        await Ask("host.corp.lab");
        var response = await Ask("corp.lab", RecordType.DS);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(["60485 8 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"], response.AnswerData("DS"));
        var none = await Ask("other.lab", RecordType.DS);
        Assert.Equal(ResponseCode.NoError, none.ResponseCode);
        Assert.Empty(none.Answer);
        Assert.Equal("lab.", Assert.Single(none.Authority, r => r.Type == "SOA").Name);
    }

    [Fact]
    public async Task Loops_are_cut_with_servfail()
    {
        Assert.Equal(ResponseCode.ServFail, (await Ask("cycle1.corp.lab")).ResponseCode);
        // loop1.lab. and loop2.lab. are served by names inside each other, without glue.
        Assert.Equal(ResponseCode.ServFail, (await Ask("host.loop1.lab")).ResponseCode);
    }

    [Fact]
    public async Task Loopback_servers_are_off_limits_unless_allowed()
    {
        using var zones = new TestZones();
        await using var strict = await RunningServer.StartAsync(zones.Directory, $"--Resolver:RootHints={hierarchy.HintsPath}", $"--Resolver:IterationPort={hierarchy.Port}", "--Resolver:Dnssec=false");
        Assert.Equal(ResponseCode.ServFail, (await strict.UdpAsync(TestQuery.Build("host.corp.lab", RecordType.A, rd: true))).ResponseCode);
        Assert.Empty(strict.Services.GetRequiredService<RecursionService>().Resolver!.Metrics.Servers);
    }
}
