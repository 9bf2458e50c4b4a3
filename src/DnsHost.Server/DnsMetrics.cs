using System.Diagnostics;

namespace DnsHost.Server;

/// <summary>
/// Query counters for /metrics, written on the query path with one interlocked add each and no
/// allocation: answers by transport and response code, dropped packets, and answer latency as a
/// histogram (time from parsing to the response written, not counting the sockets). Latency is
/// timed on one query in <see cref="LatencySampling"/> per thread: reading the clock twice cost
/// more than the rest of the counters together (MetricsBenchmarks).
/// </summary>
public sealed class DnsMetrics
{
    /// <summary>Upper bounds of the latency buckets, in seconds.</summary>
    public static readonly double[] LatencyBuckets = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.005, 0.025];
    private static readonly long[] BucketTicks = LatencyBuckets.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();

    // [transport * 16 + rcode]; transport 0 = UDP, 1 = TCP.
    private readonly long[] _answers = new long[32];
    private readonly long[] _buckets = new long[LatencyBuckets.Length + 1];
    private long _latencyTicks, _dropped;

    /// <summary>One query in this many has its latency timed.</summary>
    public const int LatencySampling = 16;

    [ThreadStatic]
    private static uint _queriesOnThread;

    /// <summary>Whether this query should be timed (every <see cref="LatencySampling"/>th on each thread).</summary>
    public static bool ShouldTime() => (++_queriesOnThread & (LatencySampling - 1)) == 0;

    public void Record(bool overTcp, int rcode) => Interlocked.Increment(ref _answers[(overTcp ? 16 : 0) + (rcode & 15)]);

    /// <summary>Counts an answer and its time (for a timed query).</summary>
    public void Record(bool overTcp, int rcode, long elapsedTicks)
    {
        Record(overTcp, rcode);
        RecordLatency(elapsedTicks);
    }

    public void RecordLatency(long elapsedTicks)
    {
        int bucket = 0;
        while (bucket < BucketTicks.Length && elapsedTicks > BucketTicks[bucket])
            bucket++;
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _latencyTicks, elapsedTicks);
    }

    public void RecordDropped() => Interlocked.Increment(ref _dropped);

    public long Answers(bool overTcp, int rcode) => Volatile.Read(ref _answers[(overTcp ? 16 : 0) + (rcode & 15)]);
    public long Dropped => Volatile.Read(ref _dropped);
    public double LatencySeconds => (double)Volatile.Read(ref _latencyTicks) / Stopwatch.Frequency;

    /// <summary>Cumulative counts per bucket, the last being +Inf.</summary>
    public long[] CumulativeBuckets()
    {
        var result = new long[_buckets.Length];
        long sum = 0;
        for (int i = 0; i < _buckets.Length; i++)
            result[i] = sum += Volatile.Read(ref _buckets[i]);
        return result;
    }
}
