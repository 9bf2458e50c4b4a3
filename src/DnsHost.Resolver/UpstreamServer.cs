using System.Diagnostics;
using System.Net;

namespace DnsHost.Resolver;

/// <summary>
/// What the resolver knows about one upstream server: its smoothed round-trip time (as BIND's SRTT:
/// 7/8 old plus 1/8 new), timeouts, and counters for /metrics. Servers never tried start at zero so
/// each gets a first try; a timeout pushes the estimate past the timeout itself.
/// </summary>
public sealed class UpstreamServer(IPEndPoint endPoint)
{
    private long _srttMicros;
    private long _queries, _responses, _timeouts, _errors, _latencyTicks;

    public IPEndPoint EndPoint { get; } = endPoint;
    public long SrttMicros => Volatile.Read(ref _srttMicros);
    public long Queries => Volatile.Read(ref _queries);
    public long Responses => Volatile.Read(ref _responses);
    public long Timeouts => Volatile.Read(ref _timeouts);
    public long Errors => Volatile.Read(ref _errors);
    public double LatencySeconds => (double)Volatile.Read(ref _latencyTicks) / Stopwatch.Frequency;

    public void RecordQuery() => Interlocked.Increment(ref _queries);

    public void RecordResponse(long elapsedTicks)
    {
        Interlocked.Increment(ref _responses);
        Interlocked.Add(ref _latencyTicks, elapsedTicks);
        long micros = elapsedTicks * 1_000_000 / Stopwatch.Frequency;
        long old = Volatile.Read(ref _srttMicros);
        Volatile.Write(ref _srttMicros, old == 0 ? Math.Max(1, micros) : (7 * old + micros) / 8);
    }

    public void RecordTimeout(int timeoutMs)
    {
        Interlocked.Increment(ref _timeouts);
        Penalise(timeoutMs);
    }

    /// <summary>An error answer or a refused connection: as bad as a timeout for choosing, counted apart.</summary>
    public void RecordError(int timeoutMs)
    {
        Interlocked.Increment(ref _errors);
        Penalise(timeoutMs);
    }

    private void Penalise(int timeoutMs)
    {
        long old = Volatile.Read(ref _srttMicros);
        Volatile.Write(ref _srttMicros, Math.Min(Math.Max(old * 2, timeoutMs * 1000L), 60_000_000));
    }

    /// <summary>Lets a server that was passed over regain a chance: its estimate shrinks a little each time another is chosen.</summary>
    public void Decay()
    {
        long old = Volatile.Read(ref _srttMicros);
        Volatile.Write(ref _srttMicros, old * 49 / 50);
    }

    /// <summary>Orders servers by estimated round trip, fastest first, and decays the others.</summary>
    public static UpstreamServer[] ByResponseTime(IReadOnlyList<UpstreamServer> servers)
    {
        var ordered = servers.OrderBy(s => s.SrttMicros).ToArray();
        for (int i = 1; i < ordered.Length; i++)
            ordered[i].Decay();
        return ordered;
    }
}
