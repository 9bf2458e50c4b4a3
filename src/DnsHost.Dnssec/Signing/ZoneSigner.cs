using System.Buffers.Binary;
using System.Collections.Concurrent;
using DnsHost.Protocol;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// Signs the RRsets of one zone as answers go out (online signing): the RRSIG RDATA for an owner,
/// type, TTL and set of RDATA, by the zone's key. Signatures are cached by RRset content, so a hot
/// name is signed once per validity window, and signed again when less than
/// <see cref="RefreshBefore"/> of the window is left.
/// </summary>
/// <remarks>
/// Inception is the start of the current hour less one hour (clock skew at validators), expiration
/// <see cref="Validity"/> later; every signature made in the same hour has the same window, so the
/// answers of one hour agree. The clock is a <see cref="TimeProvider"/>, for tests to move.
/// </remarks>
public sealed class ZoneSigner
{
    public static readonly TimeSpan Validity = TimeSpan.FromDays(7);
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromDays(3);
    private const int MaxCachedSignatures = 200_000;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<byte[], CachedSignature> _cache = new(ByteArrayComparer.Instance);
    private long _signatures;

    public ZoneSigner(ReadOnlySpan<byte> origin, SigningKey key, TimeProvider? time = null)
    {
        Origin = origin.ToArray();
        Key = key;
        _time = time ?? TimeProvider.System;
        var ds = new byte[4 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(ds, key.KeyTag);
        ds[2] = key.Algorithm;
        ds[3] = DsDigestType.Sha256;
        DsDigest.Compute(DsDigestType.Sha256, Origin, key.DnskeyRData, ds.AsSpan(4));
        CdsRData = ds;
    }

    /// <summary>The zone's apex name (lower case, wire form).</summary>
    public byte[] Origin { get; }
    public SigningKey Key { get; }

    /// <summary>The DS the parent should hold for this key (digest type 2, SHA-256), also served as CDS (RFC 7344).</summary>
    public byte[] CdsRData { get; }

    /// <summary>Signatures computed so far (cache misses), for metrics and tests.</summary>
    public long SignatureCount => Interlocked.Read(ref _signatures);

    /// <summary>
    /// The RRSIG RDATA over the RRset (<paramref name="owner"/>, <paramref name="type"/>, class IN,
    /// <paramref name="ttl"/>, <paramref name="rdatas"/> uncompressed). A wildcard-synthesised answer
    /// is signed under the name asked, with that name's label count ("black lies": the answer proves
    /// itself and needs no proof that the name does not exist).
    /// </summary>
    public byte[] Sign(ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas)
    {
        var cacheKey = CacheKey(owner, type, ttl, rdatas);
        uint now = (uint)_time.GetUtcNow().ToUnixTimeSeconds();
        if (_cache.TryGetValue(cacheKey, out var cached) && (long)cached.Expiration - now > (long)RefreshBefore.TotalSeconds)
            return cached.RData;

        uint inception = now - now % 3600 - 3600;
        uint expiration = inception + (uint)Validity.TotalSeconds;
        int labels = DnsName.LabelCount(owner) - (DnsName.IsWildcard(owner) ? 1 : 0);
        var signedPart = new byte[RrsigRecord.FixedLength + Origin.Length];
        BinaryPrimitives.WriteUInt16BigEndian(signedPart, type);
        signedPart[2] = Key.Algorithm;
        signedPart[3] = (byte)labels;
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(8), expiration);
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(12), inception);
        BinaryPrimitives.WriteUInt16BigEndian(signedPart.AsSpan(16), Key.KeyTag);
        Origin.CopyTo(signedPart, RrsigRecord.FixedLength);
        var data = SignedData.Build(signedPart, (byte)labels, ttl, owner, type, RecordClass.IN, rdatas)
            ?? throw new InvalidOperationException("the owner has fewer labels than the RRSIG says");
        var signature = Key.Sign(data);
        byte[] rdata = [.. signedPart, .. signature];
        Interlocked.Increment(ref _signatures);
        if (_cache.Count >= MaxCachedSignatures)
            _cache.Clear();
        _cache[cacheKey] = new CachedSignature(rdata, expiration);
        return rdata;
    }

    private static byte[] CacheKey(ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas)
    {
        int length = owner.Length + 6;
        foreach (var r in rdatas)
            length += 2 + r.Length;
        var key = new byte[length];
        DnsName.ToLower(owner, key);
        int pos = owner.Length;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(pos), type);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(pos + 2), ttl);
        pos += 6;
        foreach (var r in rdatas)
        {
            BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(pos), (ushort)r.Length);
            r.CopyTo(key, pos + 2);
            pos += 2 + r.Length;
        }
        return key;
    }

    private sealed record CachedSignature(byte[] RData, uint Expiration);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
