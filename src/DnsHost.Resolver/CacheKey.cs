using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// Cache keys: the lower-cased wire name followed by the type and class (big-endian). Looked up from a
/// stack-built span through the dictionary's alternate lookup, so a hit allocates nothing.
/// </summary>
public static class CacheKey
{
    public const int MaxLength = DnsName.MaxLength + 4;

    /// <summary>Set in a key's class for an answer fetched with CD=1 (see <see cref="RecursiveResolver.KeyClass"/>); no real class uses the bit.</summary>
    public const ushort CheckingDisabled = 0x8000;

    /// <summary>Writes the key for a question into <paramref name="destination"/>; the name must already be lower-case.</summary>
    public static int Write(ReadOnlySpan<byte> lowerName, ushort type, ushort cls, Span<byte> destination)
    {
        lowerName.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[lowerName.Length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(lowerName.Length + 2)..], cls);
        return lowerName.Length + 4;
    }

    public static byte[] Create(ReadOnlySpan<byte> lowerName, ushort type, ushort cls)
    {
        var key = new byte[lowerName.Length + 4];
        Write(lowerName, type, cls, key);
        return key;
    }

    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> key) => key[..^4];
    public static ushort Type(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt16BigEndian(key[^4..]);
    public static ushort Class(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt16BigEndian(key[^2..]);
}

/// <summary>Byte-wise equality for keys, with span lookups.</summary>
public sealed class CacheKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly CacheKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);
    public int GetHashCode([DisallowNull] byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        // HashCode is seeded per process, so crafted names cannot pile into one bucket.
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
