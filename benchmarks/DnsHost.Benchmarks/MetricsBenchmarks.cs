using BenchmarkDotNet.Attributes;
using DnsHost.Protocol;
using DnsHost.Server;

namespace DnsHost.Benchmarks;

/// <summary>
/// What /metrics costs a query: the counter updates that QueryProcessor.Process adds around every
/// answer (the clock read on one query in 16), next to a whole pipeline A hit (which includes them).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private QueryProcessor _processor = null!;
    private readonly DnsMetrics _metrics = new();
    private byte[] _www = null!;
    private readonly byte[] _response = new byte[65535];

    [GlobalSetup]
    public void Setup()
    {
        _processor = new QueryProcessor(BenchmarkZones.Load(), new DnsServerOptions());
        _www = BenchmarkZones.Query("www.example.test", RecordType.A);
    }

    [Benchmark(Baseline = true, Description = "pipeline: A hit (metrics included)")]
    public int PipelineHit()
    {
        _processor.Process(_www, _response, overTcp: false, transferAllowed: false, out int length, out _);
        return length;
    }

    [Benchmark(Description = "metrics as Process does them (latency sampled)")]
    public long MetricsSampled()
    {
        bool timed = DnsMetrics.ShouldTime();
        long start = timed ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        _metrics.Record(false, 0);
        if (timed)
            _metrics.RecordLatency(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return start;
    }

    [Benchmark(Description = "metrics with every query timed")]
    public long MetricsEveryQuery()
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _metrics.Record(false, 0, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return start;
    }
}
