using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Server;

/// <summary>
/// Route 53's TTL limit for signed zones: while DNSSEC signing is enabled for a hosted zone, a record set's TTL over
/// one week is served as one week ("Route 53 limits the TTL to one week ... you don't get an error, but Route 53
/// enforces a TTL of one week": Developer Guide, "Working with key-signing keys"). The record sets keep the TTL they
/// were given; only what DNS serves is capped, before the answer is signed, so each RRSIG's original TTL is the one
/// served.
/// </summary>
internal static class SignedTtlCap
{
    /// <summary>One week, in seconds.</summary>
    public const uint MaxTtl = 7 * 24 * 3600;

    /// <summary>
    /// Lowers every TTL over <see cref="MaxTtl"/> in the records of <paramref name="message"/> (a response with
    /// one question and <paramref name="records"/> records after it, as the writer left it). Stops at the first
    /// thing that does not parse (it never should: we wrote it).
    /// </summary>
    public static void Apply(Span<byte> message, int records)
    {
        int pos = DnsHeader.Size;
        if (!TrySkipName(message, ref pos) || (pos += 4) > message.Length)
            return;
        for (int i = 0; i < records; i++)
        {
            if (!TrySkipName(message, ref pos) || pos + 10 > message.Length)
                return;
            var ttl = message.Slice(pos + 4, 4);
            // RFC 6891 6.1.3: OPT's "TTL" is its flags and extended RCODE, never capped.
            if (BinaryPrimitives.ReadUInt16BigEndian(message[pos..]) != (ushort)RecordType.OPT && BinaryPrimitives.ReadUInt32BigEndian(ttl) > MaxTtl)
                BinaryPrimitives.WriteUInt32BigEndian(ttl, MaxTtl);
            pos += 10 + BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
        }
    }

    private static bool TrySkipName(ReadOnlySpan<byte> message, ref int pos)
    {
        while (pos < message.Length)
        {
            byte length = message[pos];
            if (length == 0)
            {
                pos++;
                return true;
            }
            if ((length & 0xC0) == 0xC0)
            {
                pos += 2;
                return pos <= message.Length;
            }
            if ((length & 0xC0) != 0)
                return false;
            pos += 1 + length;
        }
        return false;
    }
}
