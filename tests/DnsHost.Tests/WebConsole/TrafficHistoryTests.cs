using System.Diagnostics;
using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Server;
using DnsHost.Server.Traffic;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.WebConsole;

/// <summary>The traffic page's history: samples on the host's clock, the window, rates, latency and the top lists.</summary>
[Trait("Kind", "Unit")]
public sealed class TrafficHistoryTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _zones.Dispose();

    private TrafficHistory Start(DnsMetrics metrics, ResolverMetrics? resolver = null, int window = 6 * 3600)
    {
        var history = new TrafficHistory(new TrafficHistoryOptions { WindowSeconds = window, ResolutionSeconds = 10 }, metrics, resolver, null, null, _time);
        history.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return history;
    }

    [Fact]
    public void Each_sample_holds_what_happened_since_the_last_one_as_rates_per_rcode()
    {
        var metrics = new DnsMetrics();
        using var history = Start(metrics);
        for (int i = 0; i < 50; i++)
            metrics.Record(false, 0);
        for (int i = 0; i < 10; i++)
            metrics.Record(true, 3);
        for (int i = 0; i < 5; i++)
            metrics.RecordDropped();
        _time.Advance(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 20; i++)
            metrics.Record(false, 2);
        _time.Advance(TimeSpan.FromSeconds(10));

        var snapshot = history.Snapshot();
        Assert.Equal(2, snapshot.Points.Count);
        var first = snapshot.Points[0];
        Assert.Equal(_time.GetUtcNow().AddSeconds(-10), first.At);
        Assert.Equal(65, first.Queries);
        Assert.Equal(50, first.AnswersByRcode[0]);
        Assert.Equal(10, first.AnswersByRcode[3]);
        Assert.Equal(6.5, snapshot.QueriesPerSecond()[0].Value);
        Assert.Equal([0.0, 2.0], snapshot.AnswersPerSecond(2).Select(p => p.Value));
        Assert.Equal(20, snapshot.Points[1].Queries);
    }

    [Fact]
    public void The_history_keeps_only_its_window()
    {
        var metrics = new DnsMetrics();
        using var history = Start(metrics, window: 60);
        for (int i = 0; i < 12; i++)
        {
            metrics.Record(false, 0);
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        var snapshot = history.Snapshot();
        Assert.Equal(6, snapshot.Points.Count);
        Assert.All(snapshot.Points, p => Assert.True(p.At > _time.GetUtcNow().AddSeconds(-60)));
        Assert.Equal(_time.GetUtcNow(), snapshot.Points[^1].At);
    }

    [Fact]
    public void Cache_hit_rate_and_the_latency_histogram_come_from_the_counters_deltas()
    {
        var metrics = new DnsMetrics();
        var resolver = new ResolverMetrics();
        resolver.RecordHit();
        using var history = Start(metrics, resolver);
        // Before the history started: not counted.
        metrics.RecordLatency(Ticks(0.000_002));
        resolver.RecordHit();
        resolver.RecordHit();
        resolver.RecordHit();
        resolver.RecordMiss();
        metrics.RecordLatency(Ticks(0.000_002));   // first bucket (5 us)
        metrics.RecordLatency(Ticks(0.000_3));     // the 500 us bucket
        metrics.RecordLatency(Ticks(1));           // above every bucket
        _time.Advance(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));

        var snapshot = history.Snapshot();
        Assert.Equal(0.75, snapshot.Points[0].CacheHitRate);
        Assert.Null(snapshot.Points[1].CacheHitRate);
        Assert.Single(snapshot.CacheHitRate());
        Assert.Equal(2, snapshot.LatencyHistogram[0]);
        Assert.Equal(1, snapshot.LatencyHistogram[Array.IndexOf(DnsMetrics.LatencyBuckets, 0.000_5)]);
        Assert.Equal(1, snapshot.LatencyHistogram[^1]);
        Assert.Equal(4, snapshot.LatencyHistogram.Sum());
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public async Task Top_names_and_zones_over_the_window_follow_what_the_server_answered()
    {
        var names = new TopQueryNames();
        var registry = _zones.LoadRegistry();
        var processor = new QueryProcessor(registry, new DnsServerOptions()) { TopNames = names };
        var history = new TrafficHistory(new TrafficHistoryOptions { WindowSeconds = 3600, ResolutionSeconds = 10 }, processor.Metrics, null, registry, names, _time);
        await history.StartAsync(CancellationToken.None);
        using var started = history;
        var response = new byte[4096];
        void Ask(string name, int times)
        {
            var query = TestQuery.Build(name, RecordType.A);
            for (int i = 0; i < times * DnsMetrics.LatencySampling; i++)
                processor.Process(query, response, overTcp: false, transferAllowed: false, out _, out _);
        }
        Ask("www.example.test", 30);
        Ask("10.2.0.192.in-addr.arpa", 10);
        // Past a period of the top lists (an hour's window has 100-second periods): the first period is closed and kept.
        _time.Advance(TimeSpan.FromSeconds(110));
        Ask("10.2.0.192.in-addr.arpa", 25);
        _time.Advance(TimeSpan.FromSeconds(10));

        var snapshot = history.Snapshot();
        Assert.Equal(["10.2.0.192.in-addr.arpa.", "www.example.test."], snapshot.TopNames.Take(2).Select(n => n.Name));
        Assert.Equal(35 * DnsMetrics.LatencySampling, snapshot.TopNames[0].Count);
        Assert.Equal(["2.0.192.in-addr.arpa.", "example.test."], snapshot.TopZones.Take(2).Select(z => z.Name));
        Assert.Equal(35 * DnsMetrics.LatencySampling, snapshot.TopZones[0].Count);
        Assert.Equal(30 * DnsMetrics.LatencySampling, snapshot.TopZones[1].Count);
    }
}
