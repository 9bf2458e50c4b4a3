using System.Runtime.InteropServices;

namespace DnsHost.Zones;

/// <summary>
/// Equality over lower-cased wire names, with span look-ups so the query path can probe a
/// dictionary keyed by byte[] without allocating a key.
/// </summary>
public sealed class WireNameComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly WireNameComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    internal static int Hash(ReadOnlySpan<byte> name)
    {
        // FNV-1a over 8-byte words: cheap for names of a few dozen bytes, and stable within a process.
        ulong hash = 14695981039346656037UL;
        int i = 0;
        for (; i + 8 <= name.Length; i += 8)
            hash = (hash ^ MemoryMarshal.Read<ulong>(name[i..])) * 1099511628211UL;
        for (; i < name.Length; i++)
            hash = (hash ^ name[i]) * 1099511628211UL;
        return (int)(hash ^ (hash >> 32));
    }
}
