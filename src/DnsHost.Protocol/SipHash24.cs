using System.Buffers.Binary;
using System.Numerics;

namespace DnsHost.Protocol;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit
/// hash, two compression rounds per 8-byte word and four finalization rounds. The server cookie of
/// RFC 9018 is this hash. Written from the paper's description; checked against its test vectors.
/// </summary>
public static class SipHash24
{
    public const int KeySize = 16;

    /// <summary>The 64-bit result; its little-endian bytes are what the paper's reference code outputs.</summary>
    public static ulong Hash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        if (key.Length != KeySize)
            throw new ArgumentException("SipHash takes a 16-byte key", nameof(key));
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        ulong k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        ulong v0 = k0 ^ 0x736f6d6570736575UL; // "somepseu"
        ulong v1 = k1 ^ 0x646f72616e646f6dUL; // "dorandom"
        ulong v2 = k0 ^ 0x6c7967656e657261UL; // "lygenera"
        ulong v3 = k1 ^ 0x7465646279746573UL; // "tedbytes"

        int whole = message.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(message[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        // The last word: the leftover bytes, little-endian, with the message length (mod 256) in the top byte.
        ulong last = (ulong)message.Length << 56;
        for (int i = 0; i < message.Length - whole; i++)
            last |= (ulong)message[whole + i] << (8 * i);
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
            Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
