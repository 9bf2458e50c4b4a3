using System.Security.Cryptography;

namespace DnsHost.Dnssec;

/// <summary>The NSEC3 owner hash (RFC 5155 5): IH(salt, x, 0) = H(x | salt), IH(salt, x, k) = H(IH(salt, x, k-1) | salt).</summary>
public static class Nsec3Hash
{
    public const byte Sha1 = 1;
    public const int Length = 20;

    /// <summary>Hashes the (lower-cased) <paramref name="name"/>; false for an unknown hash algorithm.</summary>
    public static bool TryCompute(byte algorithm, ReadOnlySpan<byte> name, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination)
    {
        if (algorithm != Sha1 || destination.Length < Length)
            return false;
        Span<byte> buffer = stackalloc byte[Math.Max(name.Length, Length) + salt.Length];
        CanonicalName.ToLower(name, buffer);
        salt.CopyTo(buffer[name.Length..]);
        SHA1.HashData(buffer[..(name.Length + salt.Length)], destination);
        for (int i = 0; i < iterations; i++)
        {
            destination[..Length].CopyTo(buffer);
            salt.CopyTo(buffer[Length..]);
            SHA1.HashData(buffer[..(Length + salt.Length)], destination);
        }
        return true;
    }

    /// <summary>Base32hex without padding, lower case (RFC 4648 7), as the first label of an NSEC3 owner.</summary>
    public static string ToBase32Hex(ReadOnlySpan<byte> hash)
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuv";
        var chars = new char[(hash.Length * 8 + 4) / 5];
        int bits = 0, value = 0, n = 0;
        foreach (byte b in hash)
        {
            value = (value << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = alphabet[(value >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
            chars[n++] = alphabet[(value << (5 - bits)) & 31];
        return new string(chars, 0, n);
    }

    /// <summary>Decodes a base32hex label (either case) into <paramref name="destination"/>; -1 when it is not base32hex.</summary>
    public static int FromBase32Hex(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        int bits = 0, value = 0, n = 0;
        foreach (byte c in text)
        {
            int digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'v' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'V' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
                return -1;
            value = (value << 5) | digit;
            bits += 5;
            if (bits >= 8)
            {
                if (n >= destination.Length)
                    return -1;
                destination[n++] = (byte)(value >> (bits - 8));
                bits -= 8;
            }
        }
        return n;
    }
}
