using System.Collections.Concurrent;

namespace DnsHost.Route53.Api;

/// <summary>Route 53 API requests by operation and HTTP status, for /metrics.</summary>
public sealed class ApiMetrics
{
    private readonly ConcurrentDictionary<(string Operation, int Status), StrongBox> _requests = new();

    private sealed class StrongBox
    {
        public long Value;
    }

    public void Record(string operation, int status) => Interlocked.Increment(ref _requests.GetOrAdd((operation, status), _ => new StrongBox()).Value);

    public IEnumerable<(string Operation, int Status, long Count)> Snapshot() =>
        _requests.Select(r => (r.Key.Operation, r.Key.Status, Volatile.Read(ref r.Value.Value))).OrderBy(r => r.Operation, StringComparer.Ordinal).ThenBy(r => r.Status);
}
