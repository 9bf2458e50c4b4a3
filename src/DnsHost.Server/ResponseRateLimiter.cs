using System.ComponentModel.DataAnnotations;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>The kinds of response counted apart by <see cref="ResponseRateLimiter"/>, as Knot's and NSD's RRL count them.</summary>
public enum ResponseClass : byte
{
    Answer,
    NoData,
    NxDomain,
    Referral,
    Error,
}

public enum RateDecision : byte
{
    /// <summary>Within the limit: send the response.</summary>
    Pass,
    /// <summary>Over the limit: send nothing.</summary>
    Drop,
    /// <summary>Over the limit, but this one of every <c>Slip</c> goes out truncated (TC=1), so a real client retries over TCP.</summary>
    Slip,
}

/// <summary>
/// Response rate limiting over UDP, after the RRL of Knot and NSD: a token bucket per client prefix
/// (/24 IPv4, /56 IPv6), response class and name (the query name for answers and no-data, the zone for
/// NXDOMAIN and referrals, so a flood of random names counts once), refilled at ResponsesPerSecond
/// with a burst of one second's worth. A reflection attack with spoofed sources then gets at most that
/// rate towards its victim; of the responses over it, every Slip-th one goes out truncated, so a real
/// client behind the prefix still gets through over TCP. Buckets live in a fixed table (no allocation
/// per query); a bucket taken over by another key starts full, which can only let more through.
/// </summary>
public sealed class ResponseRateLimiter
{
    private const int Stripes = 64;
    private readonly Bucket[] _buckets;
    private readonly Lock[] _locks;
    private readonly TimeProvider _time;
    private readonly long _perSecond, _capacity, _cost;
    private readonly int _slip;
    private readonly int _v4Prefix, _v6Prefix;
    private readonly NetworkList _exempt;
    private long _dropped, _slipped;

    public ResponseRateLimiter(RateLimitOptions options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(Stripes, options.TableSize));
        _buckets = new Bucket[size];
        _locks = Enumerable.Range(0, Stripes).Select(_ => new Lock()).ToArray();
        // Integer tokens: a response costs TimestampFrequency units and each elapsed timestamp tick earns
        // ResponsesPerSecond units, so one second earns ResponsesPerSecond responses; the bucket holds one second's worth.
        _cost = _time.TimestampFrequency;
        _perSecond = options.ResponsesPerSecond;
        _capacity = _perSecond * _cost;
        _slip = options.Slip;
        _v4Prefix = options.Ipv4PrefixLength;
        _v6Prefix = options.Ipv6PrefixLength;
        _exempt = new NetworkList(options.EffectiveExempt);
    }

    /// <summary>Responses dropped and slipped so far, for /metrics.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Slipped => Interlocked.Read(ref _slipped);

    public bool IsExempt(in IpPrefix client) => _exempt.Contains(client);

    /// <param name="name">The lower-case wire name the bucket is kept for (query name or zone), empty for errors.</param>
    public RateDecision Decide(in IpPrefix client, ResponseClass responseClass, ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.Add(client.IsV6);
        hash.Add(client.IsV6 ? client.Bits >> (128 - _v6Prefix) : client.Bits >> (32 - _v4Prefix));
        hash.Add((byte)responseClass);
        hash.AddBytes(name);
        int key = hash.ToHashCode();
        int index = key & (_buckets.Length - 1);
        long now = _time.GetTimestamp();
        bool limited;
        int slipCount = 0;
        lock (_locks[index & (Stripes - 1)])
        {
            ref var bucket = ref _buckets[index];
            if (!bucket.InUse || bucket.Key != key)
                bucket = new Bucket { InUse = true, Key = key, Tokens = _capacity, Updated = now };
            else
            {
                long earned = (now - bucket.Updated) * _perSecond;
                bucket.Tokens = earned >= _capacity - bucket.Tokens ? _capacity : bucket.Tokens + earned;
                bucket.Updated = now;
            }
            limited = bucket.Tokens < _cost;
            if (limited)
                slipCount = ++bucket.Limited;
            else
                bucket.Tokens -= _cost;
        }
        if (!limited)
            return RateDecision.Pass;
        if (_slip > 0 && slipCount % _slip == 0)
        {
            Interlocked.Increment(ref _slipped);
            return RateDecision.Slip;
        }
        Interlocked.Increment(ref _dropped);
        return RateDecision.Drop;
    }

    private struct Bucket
    {
        public bool InUse;
        public int Key;
        public int Limited;
        public long Tokens;
        public long Updated;
    }
}

/// <summary>Response rate limiting, bound from "Dns:RateLimit".</summary>
public sealed class RateLimitOptions
{
    /// <summary>On by default with NSD's default rate: well above what one real resolver asks for one name, far below a flood.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Responses per second per client prefix, response class and name.</summary>
    [Range(1, 1_000_000)]
    public int ResponsesPerSecond { get; set; } = 200;

    /// <summary>Of the responses over the limit, every Slip-th goes out truncated (TC=1); 0 drops them all, 1 truncates them all.</summary>
    [Range(0, 100)]
    public int Slip { get; set; } = 2;

    [Range(1, 32)]
    public int Ipv4PrefixLength { get; set; } = 24;

    [Range(1, 128)]
    public int Ipv6PrefixLength { get; set; } = 56;

    /// <summary>Networks never limited (CIDR); loopback by default, whose source cannot be spoofed from outside the host.</summary>
    public List<string> Exempt { get; set; } = [];

    /// <summary>Buckets in the table (rounded up to a power of two).</summary>
    [Range(64, 16_777_216)]
    public int TableSize { get; set; } = 65536;

    public IReadOnlyList<string> EffectiveExempt => Exempt.Count > 0 ? Exempt : ["127.0.0.0/8", "::1/128"];
}
