using System.Collections.Concurrent;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// Answers by question, bounded in memory. Readers look up with a span key and never lock or
/// allocate; stores replace whole entries. Past the bound, one thread evicts the least useful entries
/// (expired beyond the stale window first, then the least recently used with the fewest hits) down to
/// 90% of the bound.
/// </summary>
public sealed class ResponseCache
{
    private readonly ConcurrentDictionary<byte[], CachedAnswer> _entries = new(CacheKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], CachedAnswer>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly ResolverCacheOptions _options;
    private readonly ResolverMetrics _metrics;
    private long _bytes;
    private int _evicting;

    public ResponseCache(ResolverCacheOptions options, ResolverMetrics metrics)
    {
        _options = options;
        _metrics = metrics;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The entry for the key, fresh or not (the caller decides what to do with an expired one).</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out CachedAnswer entry) => _lookup.TryGetValue(key, out entry!);

    /// <summary>Stores an entry (TTL 0 is not stored) and evicts when past the memory bound.</summary>
    public void Store(byte[] key, CachedAnswer entry)
    {
        if (entry.Ttl == 0)
            return;
        entry.Key = key;
        long added = entry.Size + key.Length, delta;
        while (true)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                if (_entries.TryUpdate(key, entry, old))
                {
                    delta = added - (old.Size + key.Length);
                    break;
                }
            }
            else if (_entries.TryAdd(key, entry))
            {
                delta = added;
                break;
            }
        }
        if (Interlocked.Add(ref _bytes, delta) > _options.MaxBytes)
            Evict(entry.StoredAt);
    }

    /// <summary>Drops every entry; returns how many there were.</summary>
    public int Flush()
    {
        int count = 0;
        foreach (var key in _entries.Keys)
            count += Remove(key) ? 1 : 0;
        return count;
    }

    /// <summary>Drops every entry of one name (all types and classes); <paramref name="lowerName"/> is a lower-case wire name.</summary>
    public int Flush(ReadOnlySpan<byte> lowerName)
    {
        int count = 0;
        foreach (var key in _entries.Keys)
        {
            if (CacheKey.Name(key).SequenceEqual(lowerName) && Remove(key))
                count++;
        }
        return count;
    }

    private bool Remove(byte[] key)
    {
        if (!_entries.TryRemove(key, out var old))
            return false;
        Interlocked.Add(ref _bytes, -(old.Size + key.Length));
        return true;
    }

    private void Evict(long now)
    {
        if (Interlocked.Exchange(ref _evicting, 1) != 0)
            return;
        try
        {
            long target = _options.MaxBytes * 9 / 10;
            long staleLimit = _options.ServeStale ? _options.MaxStaleSeconds * 1000L : 0;
            // Least useful first: useless (expired past the stale window), then by last use, fewer hits first
            // on ties. The figures are copied first: readers keep changing them, and a sort must see fixed keys.
            var victims = _entries.Select(e => (e.Key, e.Value, Dead: now - e.Value.ExpiresAt > staleLimit, e.Value.LastUsed, e.Value.Hits))
                .OrderByDescending(v => v.Dead).ThenBy(v => v.LastUsed).ThenBy(v => v.Hits).ToArray();
            foreach (var (key, entry, _, _, _) in victims)
            {
                if (Volatile.Read(ref _bytes) <= target)
                    break;
                if (((ICollection<KeyValuePair<byte[], CachedAnswer>>)_entries).Remove(new(key, entry)))
                {
                    Interlocked.Add(ref _bytes, -(entry.Size + key.Length));
                    _metrics.RecordEviction();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    /// <summary>Every entry with its key, for tools and tests (allocates).</summary>
    public IEnumerable<(string Name, string Type, CachedAnswer Entry)> Dump() =>
        _entries.Select(e => (DnsName.ToText(CacheKey.Name(e.Key)), RecordData.TypeToText(CacheKey.Type(e.Key)), e.Value));
}
