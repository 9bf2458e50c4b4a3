using System.Text.RegularExpressions;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Resolver;

/// <summary>
/// The cache as a client sees it over the wire, in front of a scripted upstream that counts the
/// queries it gets: TTLs counting down, negative caching, expiry, memory bound, prefetch,
/// serve-stale, coalescing, flush, DNSSEC pass-through and the /metrics figures. The host runs on a
/// fake clock: TTLs pass when a test moves it, never by waiting.
/// </summary>
[Collection("Console")]
[Trait("Kind", "Integration")]
public sealed class CacheBehaviourTests : IDisposable
{
    private readonly TestZones _zones = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FakeUpstream _upstream = new FakeUpstream("up.lab.", negativeTtl: 2)
        .A("www.up.lab", "192.0.2.1", ttl: 10)
        .A("short.up.lab", "192.0.2.2", ttl: 1)
        .A("two.up.lab", "192.0.2.3", ttl: 2)
        .A("a-rather-long-host-name.up.lab", "192.0.2.4");

    public void Dispose()
    {
        _upstream.Dispose();
        _zones.Dispose();
    }

    private Task<RunningServer> Start(params string[] settings) =>
        RunningServer.StartAsync(_zones.Directory, services => services.AddSingleton<TimeProvider>(_clock), [$"--Resolver:Forwarders:0={_upstream.Address}", "--Resolver:UpstreamTimeoutMs=2500", "--Resolver:Dnssec=false", .. settings]);

    private static Task<TestResponse> Ask(RunningServer server, string name, RecordType type = RecordType.A, bool dnssecOk = false) =>
        server.UdpAsync(TestQuery.Build(name, type, rd: true, dnssecOk: dnssecOk));

    private static async Task<long> Metric(RunningServer server, string name)
    {
        using var http = new HttpClient { BaseAddress = server.ApiBase };
        var text = await http.GetStringAsync("/metrics");
        var match = Regex.Match(text, "^" + Regex.Escape(name) + @" (\d+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} missing from /metrics");
        return long.Parse(match.Groups[1].Value);
    }

    [Fact]
    public async Task Ttls_count_down_and_hits_stay_off_the_upstream()
    {
        await using var server = await Start();
        Assert.Equal(10u, (await Ask(server, "www.up.lab")).Answer[0].Ttl);
        _clock.Advance(TimeSpan.FromMilliseconds(1100));
        var again = await Ask(server, "www.up.lab");
        Assert.Equal(9u, again.Answer[0].Ttl); // 8.9 s left, rounded up
        Assert.Equal(1, _upstream.Queries);
        Assert.Equal(1, await Metric(server, "dnshost_resolver_cache_hits_total"));
        Assert.Equal(1, await Metric(server, "dnshost_resolver_cache_misses_total"));
    }

    [Fact]
    public async Task Nxdomain_is_cached_for_the_soa_minimum_then_asked_again()
    {
        await using var server = await Start();
        var first = await Ask(server, "nope.up.lab");
        Assert.Equal(ResponseCode.NXDomain, first.ResponseCode);
        Assert.Equal(2u, Assert.Single(first.Authority).Ttl);
        var cached = await Ask(server, "nope.up.lab");
        Assert.Equal(ResponseCode.NXDomain, cached.ResponseCode);
        Assert.Equal(1, _upstream.Queries);
        _clock.Advance(TimeSpan.FromMilliseconds(2100));
        Assert.Equal(ResponseCode.NXDomain, (await Ask(server, "nope.up.lab")).ResponseCode);
        Assert.Equal(2, _upstream.Queries);
    }

    [Fact]
    public async Task Nodata_is_cached_with_the_soa()
    {
        await using var server = await Start();
        var first = await Ask(server, "www.up.lab", RecordType.AAAA);
        Assert.Equal(ResponseCode.NoError, first.ResponseCode);
        Assert.Empty(first.Answer);
        Assert.Equal("SOA", Assert.Single(first.Authority).Type);
        var second = await Ask(server, "www.up.lab", RecordType.AAAA);
        Assert.Empty(second.Answer);
        Assert.Equal(1, _upstream.Queries);
    }

    [Fact]
    public async Task An_expired_answer_is_fetched_again()
    {
        await using var server = await Start("--Resolver:Cache:Prefetch=false");
        Assert.Equal(["192.0.2.2"], (await Ask(server, "short.up.lab")).AnswerData("A"));
        _clock.Advance(TimeSpan.FromMilliseconds(1150));
        var refetched = await Ask(server, "short.up.lab");
        Assert.Equal(["192.0.2.2"], refetched.AnswerData("A"));
        Assert.Equal(1u, refetched.Answer[0].Ttl);
        Assert.Equal(2, _upstream.Queries);
    }

    [Fact]
    public async Task Min_and_max_ttl_clamp_what_upstream_says()
    {
        await using var server = await Start("--Resolver:Cache:MinTtl=5", "--Resolver:Cache:MaxTtl=7");
        Assert.Equal(5u, (await Ask(server, "short.up.lab")).Answer[0].Ttl);
        Assert.Equal(7u, (await Ask(server, "www.up.lab")).Answer[0].Ttl);
    }

    [Fact]
    public async Task The_memory_bound_evicts_entries()
    {
        for (int i = 0; i < 120; i++)
            _upstream.A($"n{i}.up.lab", $"198.51.100.{i}", ttl: 300);
        await using var server = await Start("--Resolver:Cache:MaxBytes=8192");
        for (int i = 0; i < 120; i++)
            Assert.Single((await Ask(server, $"n{i}.up.lab")).Answer);
        var cache = server.Services.GetRequiredService<RecursionService>().Resolver!.Cache;
        Assert.InRange(cache.Bytes, 1, 8192);
        Assert.InRange(cache.Count, 1, 119);
        Assert.True(await Metric(server, "dnshost_resolver_cache_evictions_total") > 0);
        // The most recent entry survives the eviction: asking again is a cache hit, not a miss. (Counted by
        // the resolver, not at the upstream: on a loaded machine an upstream timeout can send one of the
        // 120 questions twice, and the scripted upstream may count the first copy late.)
        long misses = await Metric(server, "dnshost_resolver_cache_misses_total");
        long hits = await Metric(server, "dnshost_resolver_cache_hits_total");
        Assert.Single((await Ask(server, "n119.up.lab")).Answer);
        Assert.Equal(misses, await Metric(server, "dnshost_resolver_cache_misses_total"));
        Assert.Equal(hits + 1, await Metric(server, "dnshost_resolver_cache_hits_total"));
    }

    [Fact]
    public async Task Popular_entries_are_prefetched_before_they_expire()
    {
        await using var server = await Start("--Resolver:Cache:PrefetchMinHits=1", "--Resolver:Cache:PrefetchPercent=60");
        await Ask(server, "two.up.lab");
        var cache = server.Services.GetRequiredService<RecursionService>().Resolver!.Cache;
        long StoredAt() => cache.Dump().Single(e => e.Name.StartsWith("two.up.lab", StringComparison.Ordinal)).Entry.StoredAt;
        long first = StoredAt();
        _clock.Advance(TimeSpan.FromMilliseconds(1000));
        // Less than 60% of the 2 s left: this hit is answered from the cache and starts a refresh.
        Assert.Equal(["192.0.2.3"], (await Ask(server, "two.up.lab")).AnswerData("A"));
        // The refresh is stored, not only asked upstream (the clock must not pass the old entry's expiry before).
        await WaitFor(() => _upstream.Queries == 2 && StoredAt() != first);
        _clock.Advance(TimeSpan.FromMilliseconds(1200));
        // Past the first entry's expiry, the prefetched one answers: the client never waited on a miss.
        Assert.Equal(["192.0.2.3"], (await Ask(server, "two.up.lab")).AnswerData("A"));
        Assert.Equal(1, await Metric(server, "dnshost_resolver_cache_misses_total"));
        Assert.True(await Metric(server, "dnshost_resolver_prefetches_total") >= 1);
    }

    [Fact]
    public async Task Stale_answers_are_served_when_upstream_fails()
    {
        await using var server = await Start();
        Assert.Equal(["192.0.2.2"], (await Ask(server, "short.up.lab")).AnswerData("A"));
        _upstream.Mode = FakeUpstream.Behaviour.Silent;
        _clock.Advance(TimeSpan.FromMilliseconds(1150));
        var stale = await Ask(server, "short.up.lab");
        Assert.Equal(ResponseCode.NoError, stale.ResponseCode);
        Assert.Equal(["192.0.2.2"], stale.AnswerData("A"));
        // RFC 8767 4: a stale answer goes out with a TTL of 30 s.
        Assert.Equal(30u, stale.Answer[0].Ttl);
        Assert.Equal(1, await Metric(server, "dnshost_resolver_stale_answers_total"));
        _upstream.Mode = FakeUpstream.Behaviour.ServFail;
        Assert.Equal(["192.0.2.2"], (await Ask(server, "short.up.lab")).AnswerData("A"));
        // Without anything stale to fall back on, SERVFAIL.
        Assert.Equal(ResponseCode.ServFail, (await Ask(server, "www.up.lab")).ResponseCode);
    }

    [Fact]
    public async Task Serve_stale_can_be_turned_off()
    {
        await using var server = await Start("--Resolver:Cache:ServeStale=false");
        await Ask(server, "short.up.lab");
        _upstream.Mode = FakeUpstream.Behaviour.ServFail;
        _clock.Advance(TimeSpan.FromMilliseconds(1150));
        Assert.Equal(ResponseCode.ServFail, (await Ask(server, "short.up.lab")).ResponseCode);
    }

    [Fact]
    public async Task Concurrent_identical_misses_cause_one_upstream_query()
    {
        _upstream.DelayMs = 300;
        await using var server = await Start();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Ask(server, "www.up.lab")));
        Assert.All(answers, a => Assert.Equal((ResponseCode.NoError, "192.0.2.1"), (a.ResponseCode, string.Join(",", a.AnswerData("A")))));
        Assert.Equal(1, _upstream.Queries);
        Assert.True(await Metric(server, "dnshost_resolver_coalesced_total") >= 1);
    }

    [Fact]
    public async Task Pipelined_tcp_queries_are_not_held_up_by_a_slow_resolution()
    {
        await using var server = await Start();
        await Ask(server, "two.up.lab");
        _upstream.DelayMs = 400;
        var responses = await server.TcpAsync(TestQuery.Build("www.up.lab", RecordType.A, id: 1, rd: true), TestQuery.Build("two.up.lab", RecordType.A, id: 2, rd: true));
        // The cache hit (ID 2) goes out while the miss (ID 1) still waits for upstream (RFC 7766 6.2.1.1).
        Assert.Equal([2, 1], responses.Select(r => (int)r.Id));
        Assert.Equal(["192.0.2.1"], responses[1].AnswerData("A"));
    }

    [Fact]
    public async Task Flush_drops_one_name_or_everything()
    {
        await using var server = await Start();
        await Ask(server, "www.up.lab");
        await Ask(server, "two.up.lab");
        using var http = new HttpClient { BaseAddress = server.ApiBase };
        var flushed = await http.PostAsync("/dnshost/resolver/flush?name=WWW.up.lab", null);
        flushed.EnsureSuccessStatusCode();
        Assert.Contains("\"Flushed\": 1", await flushed.Content.ReadAsStringAsync());
        await Ask(server, "www.up.lab");
        await Ask(server, "two.up.lab");
        Assert.Equal(3, _upstream.Queries);
        // The CLI verb, against the running server.
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        int exit;
        try { exit = await FlushCommand.RunAsync(CommandLine.Parse(["flush", "--api", server.ApiBase.ToString()])); }
        finally { Console.SetOut(previous); }
        Assert.Equal(0, exit);
        Assert.Contains("flushed 2 cache entries", output.ToString());
        await Ask(server, "two.up.lab");
        Assert.Equal(4, _upstream.Queries);
    }

    [Fact]
    public async Task Signatures_pass_through_for_clients_that_set_do()
    {
        _upstream.Add("www.up.lab", RecordType.RRSIG, 10, [0, 1, 8, 3, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 117, 112, 3, 108, 97, 98, 0, 1, 2, 3, 4]);
        await using var server = await Start();
        var signed = await Ask(server, "www.up.lab", dnssecOk: true);
        Assert.Contains(signed.Answer, r => r.Type == "RRSIG");
        Assert.True(_upstream.LastDnssecOk);
        var plain = await Ask(server, "www.up.lab");
        Assert.DoesNotContain(plain.Answer, r => r.Type == "RRSIG");
        Assert.Equal(["192.0.2.1"], plain.AnswerData("A"));
    }

    [Fact]
    public async Task Case_randomisation_mixes_the_case_sent_upstream()
    {
        await using var server = await Start("--Resolver:RandomizeCase=true");
        var response = await Ask(server, "a-rather-long-host-name.up.lab");
        Assert.Equal(["192.0.2.4"], response.AnswerData("A"));
        // 24 letters each upper-cased with probability 1/2: all lower-case once in 16 million runs.
        Assert.NotEqual("a-rather-long-host-name.up.lab.", _upstream.LastQuestionName);
        Assert.Equal("a-rather-long-host-name.up.lab.", _upstream.LastQuestionName.ToLowerInvariant());
        // The client still sees its own question.
        Assert.Equal("a-rather-long-host-name.up.lab.", response.QuestionName);
    }

    [Fact]
    public async Task Forged_answers_with_a_wrong_id_are_dropped()
    {
        _upstream.ForgeFirst = true;
        await using var server = await Start("--Resolver:RandomizeCase=true");
        var response = await Ask(server, "www.up.lab");
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
        Assert.Equal(1, await Metric(server, "dnshost_resolver_upstream_mismatched_total"));
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
            await Task.Delay(20);
        Assert.True(condition());
    }
}
