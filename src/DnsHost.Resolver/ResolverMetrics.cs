using System.Collections.Concurrent;
using System.Net;

namespace DnsHost.Resolver;

/// <summary>Resolver counters for /metrics; each a single interlocked add, no allocation on the hit path.</summary>
public sealed class ResolverMetrics
{
    private long _hits, _misses, _staleServed, _evictions, _prefetches, _coalesced, _servFails, _mismatched, _refusedPending, _synthesized, _bogus;

    /// <summary>Upstream servers seen (forwarders and authoritative servers), by address and port.</summary>
    public ConcurrentDictionary<IPEndPoint, UpstreamServer> Servers { get; } = new();

    public void RecordHit() => Interlocked.Increment(ref _hits);
    public void RecordMiss() => Interlocked.Increment(ref _misses);
    public void RecordStale() => Interlocked.Increment(ref _staleServed);
    public void RecordEviction() => Interlocked.Increment(ref _evictions);
    public void RecordPrefetch() => Interlocked.Increment(ref _prefetches);
    public void RecordCoalesced() => Interlocked.Increment(ref _coalesced);
    public void RecordServFail() => Interlocked.Increment(ref _servFails);
    public void RecordMismatched() => Interlocked.Increment(ref _mismatched);
    public void RecordOverloaded() => Interlocked.Increment(ref _refusedPending);
    public void RecordSynthesized() => Interlocked.Increment(ref _synthesized);
    public void RecordBogus() => Interlocked.Increment(ref _bogus);

    public long Hits => Volatile.Read(ref _hits);
    public long Misses => Volatile.Read(ref _misses);
    public long StaleServed => Volatile.Read(ref _staleServed);
    public long Evictions => Volatile.Read(ref _evictions);
    public long Prefetches => Volatile.Read(ref _prefetches);
    public long Coalesced => Volatile.Read(ref _coalesced);
    public long ServFails => Volatile.Read(ref _servFails);
    /// <summary>Upstream datagrams dropped because ID, source or question did not match the query.</summary>
    public long Mismatched => Volatile.Read(ref _mismatched);
    public long Overloaded => Volatile.Read(ref _refusedPending);
    /// <summary>NXDOMAIN answers made from cached validated NSEC records (RFC 8198) instead of asking upstream.</summary>
    public long Synthesized => Volatile.Read(ref _synthesized);
    /// <summary>Resolutions whose answer failed DNSSEC validation.</summary>
    public long Bogus => Volatile.Read(ref _bogus);

    public UpstreamServer Server(IPEndPoint endPoint) => Servers.GetOrAdd(endPoint, static e => new UpstreamServer(e));
}
