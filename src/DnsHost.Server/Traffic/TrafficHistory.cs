using System.ComponentModel.DataAnnotations;
using DnsHost.Resolver;
using DnsHost.Zones;
using Microsoft.Extensions.Hosting;

namespace DnsHost.Server.Traffic;

/// <summary>How much traffic history the server keeps in memory for the console (section <c>Console:Traffic</c>).</summary>
public sealed class TrafficHistoryOptions
{
    public const string Section = "Console:Traffic";

    /// <summary>How far back the history reaches (default 6 hours).</summary>
    [Range(60, 7 * 24 * 3600)]
    public int WindowSeconds { get; set; } = 6 * 3600;

    /// <summary>Time between two samples (default 10 s).</summary>
    [Range(1, 3600)]
    public int ResolutionSeconds { get; set; } = 10;

    /// <summary>Names and zones kept per period of the top lists.</summary>
    [Range(1, 1000)]
    public int TopCount { get; set; } = 20;

    /// <summary>The window's periods for the top lists: a period's top names are kept, not every name of it.</summary>
    public const int TopPeriods = 36;

    /// <summary>Samples held: the window over the resolution.</summary>
    public int Points => Math.Max(1, WindowSeconds / Math.Max(1, ResolutionSeconds));
}

/// <summary>
/// One sample: what happened in the <see cref="TrafficSnapshot.Resolution"/> before <see cref="At"/>.
/// <see cref="AnswersByRcode"/> is indexed by RCODE (0-15, UDP and TCP together); <see cref="Latency"/>
/// by the buckets of <see cref="DnsMetrics.LatencyBuckets"/> (the last is above them), timed queries only.
/// </summary>
public sealed record TrafficPoint(DateTimeOffset At, long Answers, long Dropped, long[] AnswersByRcode, long[] Latency, long CacheHits, long CacheMisses)
{
    /// <summary>Queries handled (answered or dropped).</summary>
    public long Queries => Answers + Dropped;

    /// <summary>Share of resolver cache lookups that hit; null with no lookup in the sample.</summary>
    public double? CacheHitRate => CacheHits + CacheMisses == 0 ? null : (double)CacheHits / (CacheHits + CacheMisses);
}

/// <summary>
/// The traffic history at one moment: the samples, oldest first, and over the whole window the latency
/// histogram and the most asked names and zones (estimates: each period keeps its top names only).
/// </summary>
public sealed record TrafficSnapshot(DateTimeOffset Now, TimeSpan Resolution, IReadOnlyList<TrafficPoint> Points, long[] LatencyHistogram,
    IReadOnlyList<RankedName> TopNames, IReadOnlyList<RankedName> TopZones)
{
    /// <summary>Upper bounds of <see cref="LatencyHistogram"/>'s buckets in seconds; the last bucket has none.</summary>
    public static IReadOnlyList<double> LatencyBucketBounds => DnsMetrics.LatencyBuckets;

    public IReadOnlyList<(DateTimeOffset At, double Value)> QueriesPerSecond() =>
        Points.Select(p => (p.At, p.Queries / Resolution.TotalSeconds)).ToList();

    /// <summary>Answers per second with one RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED...).</summary>
    public IReadOnlyList<(DateTimeOffset At, double Value)> AnswersPerSecond(int rcode) =>
        Points.Select(p => (p.At, p.AnswersByRcode[rcode & 15] / Resolution.TotalSeconds)).ToList();

    /// <summary>The resolver cache's hit rate per sample, for samples with lookups.</summary>
    public IReadOnlyList<(DateTimeOffset At, double Value)> CacheHitRate() =>
        Points.Where(p => p.CacheHitRate is not null).Select(p => (p.At, p.CacheHitRate!.Value)).ToList();
}

/// <summary>
/// Traffic over a window, kept in memory for the console's traffic page: every
/// <see cref="TrafficHistoryOptions.ResolutionSeconds"/> a timer of the host's <see cref="TimeProvider"/>
/// reads the counters the server keeps anyway (<see cref="DnsMetrics"/>, the resolver's cache hits and
/// misses, each zone's query count) and stores the differences in a ring; the answer path pays nothing
/// more for it. The top names come from <see cref="TopQueryNames"/>, which the answer path feeds.
/// </summary>
public sealed class TrafficHistory : IHostedService, IDisposable
{
    private readonly TrafficHistoryOptions _options;
    private readonly DnsMetrics _metrics;
    private readonly ResolverMetrics? _resolver;
    private readonly ZoneRegistry? _zones;
    private readonly TopQueryNames? _names;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly TrafficPoint?[] _ring;
    private int _next, _count;
    private ITimer? _timer;

    // The counters at the last sample.
    private readonly long[] _lastAnswers = new long[16];
    private long[] _lastLatency = new long[DnsMetrics.LatencyBuckets.Length + 1];
    private long _lastDropped, _lastHits, _lastMisses;
    private Dictionary<Zone, long> _lastZones = new(ReferenceEqualityComparer.Instance);

    // The top lists: the periods that ended (a ring), and the zones of the one under way.
    private readonly Period?[] _periods = new Period?[TrafficHistoryOptions.TopPeriods];
    private int _nextPeriod;
    private Dictionary<string, long> _zonesNow = new(StringComparer.Ordinal);
    private DateTimeOffset _periodStarted;

    private sealed record Period(DateTimeOffset Ended, IReadOnlyList<RankedName> Names, IReadOnlyList<RankedName> Zones);

    public TrafficHistory(TrafficHistoryOptions options, DnsMetrics metrics, ResolverMetrics? resolver, ZoneRegistry? zones, TopQueryNames? names, TimeProvider time)
    {
        _options = options;
        _metrics = metrics;
        _resolver = resolver;
        _zones = zones;
        _names = names;
        _time = time;
        _ring = new TrafficPoint?[options.Points];
        _periodStarted = time.GetUtcNow();
        Baseline();
    }

    public TimeSpan Resolution => TimeSpan.FromSeconds(_options.ResolutionSeconds);

    /// <summary>How long one period of the top lists lasts.</summary>
    public TimeSpan TopPeriod => TimeSpan.FromSeconds(Math.Max(_options.ResolutionSeconds, _options.WindowSeconds / TrafficHistoryOptions.TopPeriods));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _time.CreateTimer(_ => Sample(), null, Resolution, Resolution);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Baseline()
    {
        for (int r = 0; r < 16; r++)
            _lastAnswers[r] = _metrics.Answers(false, r) + _metrics.Answers(true, r);
        _lastLatency = Buckets(_metrics.CumulativeBuckets());
        _lastDropped = _metrics.Dropped;
        (_lastHits, _lastMisses) = (_resolver?.Hits ?? 0, _resolver?.Misses ?? 0);
        _lastZones = ZoneCounts();
    }

    /// <summary>Takes one sample now (the timer calls it every resolution).</summary>
    public void Sample()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var answers = new long[16];
            for (int r = 0; r < 16; r++)
            {
                long total = _metrics.Answers(false, r) + _metrics.Answers(true, r);
                answers[r] = total - _lastAnswers[r];
                _lastAnswers[r] = total;
            }
            var latencyTotals = Buckets(_metrics.CumulativeBuckets());
            var latency = new long[latencyTotals.Length];
            for (int i = 0; i < latency.Length; i++)
                latency[i] = latencyTotals[i] - _lastLatency[i];
            _lastLatency = latencyTotals;
            long dropped = _metrics.Dropped, hits = _resolver?.Hits ?? 0, misses = _resolver?.Misses ?? 0;
            _ring[_next] = new TrafficPoint(now, answers.Sum(), dropped - _lastDropped, answers, latency, hits - _lastHits, misses - _lastMisses);
            (_lastDropped, _lastHits, _lastMisses) = (dropped, hits, misses);
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
            CountZones();
            if (now - _periodStarted >= TopPeriod)
                EndPeriod(now);
        }
    }

    // Each zone's queries since the last sample. A changed or reloaded zone is a new Zone with a new count.
    private void CountZones()
    {
        var counts = ZoneCounts();
        foreach (var (zone, total) in counts)
        {
            long delta = total - _lastZones.GetValueOrDefault(zone);
            if (delta > 0)
                _zonesNow[ZoneName(zone)] = _zonesNow.GetValueOrDefault(ZoneName(zone)) + delta;
        }
        _lastZones = counts;
    }

    private Dictionary<Zone, long> ZoneCounts()
    {
        var counts = new Dictionary<Zone, long>(ReferenceEqualityComparer.Instance);
        if (_zones is not null)
        {
            foreach (var zone in _zones.Current.AllZones)
                counts[zone] = zone.Queries;
        }
        return counts;
    }

    private static string ZoneName(Zone zone) => zone.IsPrivate ? $"{zone.OriginText} (private, {zone.HostedZone!.Id})" : zone.OriginText;

    private void EndPeriod(DateTimeOffset now)
    {
        var names = _names?.Rotate(_options.TopCount) ?? [];
        _periods[_nextPeriod] = new Period(now, names, Top(_zonesNow, _options.TopCount));
        _nextPeriod = (_nextPeriod + 1) % _periods.Length;
        _zonesNow = new Dictionary<string, long>(StringComparer.Ordinal);
        _periodStarted = now;
    }

    private static List<RankedName> Top(Dictionary<string, long> counts, int top) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top).Select(c => new RankedName(c.Key, c.Value)).ToList();

    // The metrics' cumulative buckets back to counts per bucket.
    private static long[] Buckets(long[] cumulative)
    {
        var counts = new long[cumulative.Length];
        for (int i = 0; i < counts.Length; i++)
            counts[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
        return counts;
    }

    /// <summary>The history as it stands: samples oldest first, and the window's latency histogram and top lists.</summary>
    public TrafficSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var from = now - TimeSpan.FromSeconds(_options.WindowSeconds);
            var points = new List<TrafficPoint>(_count);
            for (int i = 0; i < _count; i++)
            {
                var point = _ring[(_next - _count + i + _ring.Length) % _ring.Length]!;
                if (point.At > from)
                    points.Add(point);
            }
            var histogram = new long[DnsMetrics.LatencyBuckets.Length + 1];
            foreach (var point in points)
            {
                for (int b = 0; b < histogram.Length; b++)
                    histogram[b] += point.Latency[b];
            }
            var periods = _periods.Where(p => p is not null && p.Ended > from).Select(p => p!).ToList();
            var names = Merge(periods.Select(p => p.Names).Append(_names?.Peek(_options.TopCount) ?? []));
            var zones = Merge(periods.Select(p => p.Zones).Append(Top(_zonesNow, _options.TopCount)));
            return new TrafficSnapshot(now, Resolution, points, histogram, names.Take(_options.TopCount).ToList(), zones.Take(_options.TopCount).ToList());
        }
    }

    private static IEnumerable<RankedName> Merge(IEnumerable<IReadOnlyList<RankedName>> lists) =>
        lists.SelectMany(l => l).GroupBy(n => n.Name, StringComparer.Ordinal)
            .Select(g => new RankedName(g.Key, g.Sum(n => n.Count), g.Sum(n => n.Error)))
            .OrderByDescending(n => n.Count).ThenBy(n => n.Name, StringComparer.Ordinal);
}
