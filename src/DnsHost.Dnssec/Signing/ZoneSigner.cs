using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
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
    private const int StackKeyLength = 512;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<byte[], CachedSignature> _cache;
    private readonly ConcurrentDictionary<byte[], CachedSignature>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private long _signatures;

    /// <param name="keySigningKeys">The KSKs that sign the apex key sets (an API zone's active KSKs); none (the default) makes <paramref name="key"/> a CSK.</param>
    public ZoneSigner(ReadOnlySpan<byte> origin, SigningKey key, TimeProvider? time = null, IReadOnlyList<SigningKey>? keySigningKeys = null)
        : this(origin, keySigningKeys is { Count: > 0 } ? ZoneKeySet.WithKeySigningKeys(keySigningKeys, key) : new ZoneKeySet(key), time)
    {
    }

    public ZoneSigner(ReadOnlySpan<byte> origin, ZoneKeySet keys, TimeProvider? time = null)
    {
        Origin = origin.ToArray();
        Keys = keys;
        _cache = new(ByteKeyComparer.Instance);
        _lookup = _cache.GetAlternateLookup<ReadOnlySpan<byte>>();
        _time = time ?? TimeProvider.System;
        CdsRDatas = [.. keys.ParentDnskeys.Select(k => ZoneKeySet.Ds(Origin, k))];
        CdnskeyRDatas = keys.ParentDnskeys;
    }

    /// <summary>The zone's apex name (lower case, wire form).</summary>
    public byte[] Origin { get; }
    public ZoneKeySet Keys { get; }

    /// <summary>The clock the signatures' windows are read from.</summary>
    public TimeProvider Time => _time;

    /// <summary>The key that signs the zone's data (the zone-signing key, or the CSK).</summary>
    public SigningKey Key => Keys.ZoneSigningKey;

    /// <summary>The DS the parent should hold for the key-signing key (digest type 2, SHA-256), also served as CDS (RFC 7344).</summary>
    public byte[] CdsRData => CdsRDatas[0];

    /// <summary>The CDS RRset: the DS of every key the parent should point at (two during a KSK rollover).</summary>
    public IReadOnlyList<byte[]> CdsRDatas { get; }

    /// <summary>The CDNSKEY RRset (RFC 7344 3.2): the DNSKEY of every key the parent should point at.</summary>
    public IReadOnlyList<byte[]> CdnskeyRDatas { get; }

    /// <summary>The keys that sign the apex key sets: the KSKs, or <see cref="Key"/> alone when it is a CSK.</summary>
    public IReadOnlyList<SigningKey> KeySigningKeys => Keys.KeySigningKeys;

    /// <summary>The DNSKEY RRset's RDATA: every key published at the apex.</summary>
    public IReadOnlyList<byte[]> DnskeyRDatas => Keys.Dnskeys;

    /// <summary>The DS (digest type 2, SHA-256) of <paramref name="key"/> at <paramref name="origin"/>.</summary>
    public static byte[] Ds(ReadOnlySpan<byte> origin, SigningKey key) => ZoneKeySet.Ds(origin, key.DnskeyRData);

    /// <summary>The RRSIGs of an apex key set (DNSKEY, CDS, CDNSKEY): one by each key-signing key.</summary>
    public IReadOnlyList<byte[]> SignKeySet(ushort type, uint ttl, IReadOnlyList<byte[]> rdatas) =>
        [.. KeySigningKeys.Select(k => SignWith(k, Origin, type, ttl, rdatas, -1))];

    /// <summary>Signatures computed so far (cache misses), for metrics and tests.</summary>
    public long SignatureCount => Interlocked.Read(ref _signatures);

    /// <summary>
    /// The RRSIG RDATA over the RRset (<paramref name="owner"/>, <paramref name="type"/>, class IN,
    /// <paramref name="ttl"/>, <paramref name="rdatas"/> uncompressed). A wildcard-synthesised answer
    /// is signed under the name asked, with that name's label count ("black lies": the answer proves
    /// itself and needs no proof that the name does not exist).
    /// </summary>
    /// <param name="wildcardLabels">For an answer synthesised from a wildcard and proved by NSEC3: the label count of
    /// the wildcard's owner without the "*" (RFC 4034 3.1.3), so the validator checks it as the wildcard's.</param>
    public byte[] Sign(ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas, int wildcardLabels = -1)
    {
        // RFC 4035 2.1 / RFC 6781 3.1: the apex's key sets are signed by the key-signing key.
        var key = type is (ushort)RecordType.DNSKEY or (ushort)RecordType.CDS or (ushort)RecordType.CDNSKEY && owner.Length == Origin.Length
            && DnsName.EqualsIgnoreCase(owner, Origin) ? Keys.KeySigningKey : Keys.ZoneSigningKey;
        return SignWith(key, owner, type, ttl, rdatas, wildcardLabels);
    }

    private byte[] SignWith(SigningKey key, ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas, int wildcardLabels)
    {
        // A hit allocates nothing: the key is built on the stack (or in a pooled array for a large RRset)
        // and looked up as a span; only a miss stores it as an array.
        int length = CacheKeyLength(owner, rdatas);
        byte[]? rented = length > StackKeyLength ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> cacheKey = rented is null ? stackalloc byte[StackKeyLength] : rented;
            cacheKey = cacheKey[..length];
            WriteCacheKey(key, owner, type, ttl, rdatas, wildcardLabels, cacheKey);
            uint now = (uint)_time.GetUtcNow().ToUnixTimeSeconds();
            if (_lookup.TryGetValue(cacheKey, out var cached) && (long)cached.Expiration - now > (long)RefreshBefore.TotalSeconds)
                return cached.RData;
            return SignFresh(key, owner, type, ttl, rdatas, wildcardLabels, now, cacheKey);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private byte[] SignFresh(SigningKey key, ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas, int wildcardLabels, uint now, ReadOnlySpan<byte> cacheKey)
    {
        uint inception = now - now % 3600 - 3600;
        uint expiration = inception + (uint)Validity.TotalSeconds;
        int labels = wildcardLabels >= 0 ? wildcardLabels : DnsName.LabelCount(owner) - (DnsName.IsWildcard(owner) ? 1 : 0);
        var signedPart = new byte[RrsigRecord.FixedLength + Origin.Length];
        BinaryPrimitives.WriteUInt16BigEndian(signedPart, type);
        signedPart[2] = key.Algorithm;
        signedPart[3] = (byte)labels;
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(8), expiration);
        BinaryPrimitives.WriteUInt32BigEndian(signedPart.AsSpan(12), inception);
        BinaryPrimitives.WriteUInt16BigEndian(signedPart.AsSpan(16), key.KeyTag);
        Origin.CopyTo(signedPart, RrsigRecord.FixedLength);
        var data = SignedData.Build(signedPart, (byte)labels, ttl, owner, type, RecordClass.IN, rdatas)
            ?? throw new InvalidOperationException("the owner has fewer labels than the RRSIG says");
        var signature = key.Sign(data);
        byte[] rdata = [.. signedPart, .. signature];
        Interlocked.Increment(ref _signatures);
        if (_cache.Count >= MaxCachedSignatures)
            _cache.Clear();
        _lookup[cacheKey] = new CachedSignature(rdata, expiration);
        return rdata;
    }

    private static int CacheKeyLength(ReadOnlySpan<byte> owner, IReadOnlyList<byte[]> rdatas)
    {
        int length = 3 + owner.Length + 7;
        for (int i = 0; i < rdatas.Count; i++)
            length += 2 + rdatas[i].Length;
        return length;
    }

    private static void WriteCacheKey(SigningKey signer, ReadOnlySpan<byte> owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas, int wildcardLabels, Span<byte> key)
    {
        // The signing key's tag and algorithm first: a KSK's and the ZSK's signatures of one RRset differ.
        BinaryPrimitives.WriteUInt16BigEndian(key, signer.KeyTag);
        key[2] = signer.Algorithm;
        DnsName.ToLower(owner, key[3..]);
        int pos = 3 + owner.Length;
        BinaryPrimitives.WriteUInt16BigEndian(key[pos..], type);
        BinaryPrimitives.WriteUInt32BigEndian(key[(pos + 2)..], ttl);
        key[pos + 6] = (byte)(wildcardLabels + 1);
        pos += 7;
        // Indexed, not foreach: enumerating an IReadOnlyList boxes its enumerator.
        for (int i = 0; i < rdatas.Count; i++)
        {
            var r = rdatas[i];
            BinaryPrimitives.WriteUInt16BigEndian(key[pos..], (ushort)r.Length);
            r.CopyTo(key[(pos + 2)..]);
            pos += 2 + r.Length;
        }
        Debug.Assert(pos == key.Length, "the key's length was computed from the same parts");
    }

    private sealed record CachedSignature(byte[] RData, uint Expiration);
}
