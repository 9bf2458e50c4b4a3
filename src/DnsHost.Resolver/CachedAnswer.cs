using DnsHost.Protocol;
using DnsHost.Resolver.Dnssec;

namespace DnsHost.Resolver;

/// <summary>One record of a <see cref="CachedAnswer"/>: its owner and RDATA sit uncompressed in the entry's buffer.</summary>
public readonly record struct CachedRecord(DnsSection Section, int OwnerOffset, int OwnerLength, ushort Type, ushort Class, uint Ttl, int RDataOffset, int RDataLength);

/// <summary>
/// A resolved answer for one question (name, type, class): the response code and the records of the
/// answer, authority and additional sections, names uncompressed so they can be written into any
/// response. Immutable apart from the usage counters, so many threads can serve it at once; writing
/// it allocates nothing.
/// </summary>
public sealed class CachedAnswer
{
    private readonly byte[] _data;
    private readonly CachedRecord[] _records;
    private long _lastUsed;
    private int _hits;
    private int _prefetching;

    public CachedAnswer(ResponseCode rcode, byte[] data, CachedRecord[] records, uint ttl, long storedAt, bool negative)
    {
        ResponseCode = rcode;
        _data = data;
        _records = records;
        Ttl = ttl;
        StoredAt = storedAt;
        ExpiresAt = storedAt + ttl * 1000L;
        IsNegative = negative;
        _lastUsed = storedAt;
        Size = 160 + data.Length + records.Length * 32;
    }

    public ResponseCode ResponseCode { get; }
    /// <summary>Seconds the entry lives (the smallest record TTL, or the negative TTL).</summary>
    public uint Ttl { get; }
    /// <summary>Milliseconds on the resolver's clock (<see cref="ResolverClock"/>).</summary>
    public long StoredAt { get; }
    public long ExpiresAt { get; }
    /// <summary>NXDOMAIN or NODATA (RFC 2308).</summary>
    public bool IsNegative { get; }
    /// <summary>Approximate bytes held, for the cache's memory bound.</summary>
    public int Size { get; }
    public int RecordCount => _records.Length;
    /// <summary>What DNSSEC validation concluded (<see cref="DnssecStatus.Unchecked"/> with validation off).</summary>
    public DnssecStatus Security { get; private init; }
    /// <summary>The RFC 8914 INFO-CODE that says why a bogus answer failed.</summary>
    public ushort ExtendedError { get; private init; }

    /// <summary>
    /// This answer marked with a validation result: TTLs capped by the signatures (RFC 4035 5.3.3),
    /// and a bogus answer kept only <paramref name="bogusTtl"/> seconds.
    /// </summary>
    public CachedAnswer WithSecurity(ValidationResult result, uint bogusTtl)
    {
        uint cap = result.Status == DnssecStatus.Bogus ? bogusTtl : result.TtlCap;
        var records = _records;
        if (cap < uint.MaxValue)
        {
            records = (CachedRecord[])_records.Clone();
            for (int i = 0; i < records.Length; i++)
                records[i] = records[i] with { Ttl = Math.Min(records[i].Ttl, cap) };
        }
        return new CachedAnswer(ResponseCode, _data, records, Math.Min(Ttl, cap), StoredAt, IsNegative)
        {
            Security = result.Status,
            ExtendedError = result.ExtendedError,
        };
    }
    public int Hits => Volatile.Read(ref _hits);
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>The cache key it is stored under (set by the cache).</summary>
    internal byte[]? Key { get; set; }

    public bool IsFresh(long now) => now < ExpiresAt;

    public IEnumerable<CachedRecord> Records => _records;
    public ReadOnlySpan<byte> Owner(in CachedRecord record) => _data.AsSpan(record.OwnerOffset, record.OwnerLength);
    public ReadOnlySpan<byte> RData(in CachedRecord record) => _data.AsSpan(record.RDataOffset, record.RDataLength);

    internal void Touch(long now)
    {
        Interlocked.Increment(ref _hits);
        _lastUsed = now;
    }

    /// <summary>True for the one caller that gets to refresh this entry ahead of its expiry.</summary>
    internal bool TryStartPrefetch() => Interlocked.Exchange(ref _prefetching, 1) == 0;

    /// <summary>
    /// Writes the records after the question. TTLs count down from when the entry was stored; a stale
    /// answer carries <paramref name="staleTtl"/> instead (RFC 8767 4). Without DO, DNSSEC records are
    /// left out unless asked for (RFC 4035 3.2.1). When the answer or authority does not fit, the
    /// sections are dropped and <paramref name="truncated"/> set (RFC 2181 9); additional records that
    /// do not fit are just left out.
    /// </summary>
    public void WriteTo(ref DnsMessageWriter writer, long now, bool dnssecOk, ushort qtype, uint staleTtl, out bool truncated)
    {
        truncated = false;
        var mark = writer.Mark();
        long elapsed = Math.Max(0, (now - StoredAt) / 1000);
        foreach (ref readonly var record in _records.AsSpan())
        {
            if (!dnssecOk && IsDnssecType(record.Type) && record.Type != qtype)
                continue;
            uint ttl = staleTtl > 0 ? staleTtl : (uint)Math.Max(0, record.Ttl - elapsed);
            if (writer.TryWriteRecord(record.Section, _data.AsSpan(record.OwnerOffset, record.OwnerLength), record.Type, record.Class, ttl,
                    _data.AsSpan(record.RDataOffset, record.RDataLength)))
                continue;
            if (record.Section == DnsSection.Additional)
                break;
            writer.Rewind(mark);
            truncated = true;
            break;
        }
    }

    private static bool IsDnssecType(ushort type) => type is (ushort)RecordType.RRSIG or (ushort)RecordType.NSEC or 50 /* NSEC3 */;
}
