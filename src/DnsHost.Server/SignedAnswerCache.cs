using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// Signed answers kept whole, keyed by the unsigned answer the answer stages wrote (question, sections, counts,
/// flags, RCODE, the writer's size limit): a repeated query skips reading the answer back, building the proofs and
/// looking each RRset's signature up in <see cref="ZoneSigner"/>'s cache, and its answer is copied in.
/// </summary>
/// <remarks>
/// What the DNSSEC stage writes depends only on that key, on the zone's snapshot, on its keys (its
/// <see cref="ZoneSigner"/>) and on the clock; an entry holds the zone and the signer it was made with and is used
/// only with the same two, and for at most <see cref="Lifetime"/>. The signatures in it had more than
/// <see cref="ZoneSigner.RefreshBefore"/> left when it was made, so none served from here is near its expiration.
/// Truncated answers are not kept. The cache empties itself past <see cref="MaxBytes"/>.
/// </remarks>
internal sealed class SignedAnswerCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private const long MaxBytes = 64L << 20;
    private const int EntryOverhead = 96;
    private const int KeyPrefix = 12;
    private const int StackKeyLength = 1024;

    private readonly ConcurrentDictionary<byte[], Entry> _entries;
    private readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private long _bytes;

    public SignedAnswerCache()
    {
        _entries = new(ByteKeyComparer.Instance);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Answers kept now (for tests).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// <see cref="ResponseSigner.Sign"/> with the whole signed answer reused when the same unsigned answer was
    /// signed before with the same zone snapshot and keys, less than <see cref="Lifetime"/> ago.
    /// </summary>
    public ResponseCode Sign(ZoneSigner signer, Zone zone, ref DnsMessageWriter writer, ResponseCode rcode, bool authoritative, out bool truncated, bool nsec3)
    {
        int length = KeyPrefix + writer.Position - DnsHeader.Size;
        byte[]? rented = length > StackKeyLength ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> key = rented is null ? stackalloc byte[StackKeyLength] : rented;
            key = key[..length];
            WriteKey(ref writer, rcode, authoritative, nsec3, key);
            long now = signer.Time.GetUtcNow().UtcTicks;
            if (_lookup.TryGetValue(key, out var entry) && ReferenceEquals(entry.Zone, zone) && ReferenceEquals(entry.Signer, signer)
                && now < entry.ExpiresTicks && writer.TryRestore(entry.Body, entry.End))
            {
                truncated = false;
                return entry.ResponseCode;
            }
            var signedRcode = ResponseSigner.Sign(signer, zone, ref writer, rcode, authoritative, out truncated, nsec3);
            if (!truncated)
                Store(key, new Entry(zone, signer, writer.Written[DnsHeader.Size..].ToArray(), writer.Mark(), signedRcode, now + Lifetime.Ticks));
            return signedRcode;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Store(ReadOnlySpan<byte> key, Entry entry)
    {
        long size = key.Length + entry.Body.Length + EntryOverhead;
        if (Interlocked.Add(ref _bytes, size) > MaxBytes)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _bytes, size);
        }
        _lookup[key] = entry;
    }

    private static void WriteKey(ref DnsMessageWriter writer, ResponseCode rcode, bool authoritative, bool nsec3, scoped Span<byte> key)
    {
        key[0] = (byte)rcode;
        key[1] = (byte)((authoritative ? 1 : 0) | (nsec3 ? 2 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(key[2..], writer.Flags);
        BinaryPrimitives.WriteUInt16BigEndian(key[4..], (ushort)Math.Min(writer.Limit, ushort.MaxValue));
        BinaryPrimitives.WriteUInt16BigEndian(key[6..], writer.AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(key[8..], writer.AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(key[10..], writer.AdditionalCount);
        writer.Written[DnsHeader.Size..].CopyTo(key[KeyPrefix..]);
    }

    private sealed record Entry(Zone Zone, ZoneSigner Signer, byte[] Body, WriterMark End, ResponseCode ResponseCode, long ExpiresTicks);
}
