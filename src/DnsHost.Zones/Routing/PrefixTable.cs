namespace DnsHost.Zones.Routing;

/// <summary>
/// Longest-prefix match over CIDR blocks: one hash table per prefix length in use, probed from the
/// longest length down. A lookup allocates nothing; a block matches only a client prefix at least as
/// long as itself (Route 53's rule for IP-based routing: a /32 query does not match a /48 block).
/// </summary>
public sealed class PrefixTable<T> where T : class
{
    private readonly Level[] _v4;
    private readonly Level[] _v6;

    private sealed record Level(byte Length, Dictionary<UInt128, T> Blocks);

    private PrefixTable(Level[] v4, Level[] v6)
    {
        _v4 = v4;
        _v6 = v6;
    }

    public static readonly PrefixTable<T> Empty = new([], []);

    public bool IsEmpty => _v4.Length == 0 && _v6.Length == 0;

    /// <summary>The value of the longest block that contains <paramref name="client"/>, or null.</summary>
    public T? Find(in IpPrefix client, out int matchedLength)
    {
        foreach (var level in client.IsV6 ? _v6 : _v4)
        {
            if (level.Length > client.Length)
                continue;
            if (level.Blocks.TryGetValue(client.Masked(level.Length).Bits, out var value))
            {
                matchedLength = level.Length;
                return value;
            }
        }
        matchedLength = 0;
        return null;
    }

    public sealed class Builder
    {
        private readonly Dictionary<(bool, byte), Dictionary<UInt128, T>> _levels = [];

        public int Count { get; private set; }

        /// <summary>Adds a block; false when the same block is already there (the first one stays).</summary>
        public bool TryAdd(IpPrefix block, T value)
        {
            block = block.Masked(block.Length);
            if (!_levels.TryGetValue((block.IsV6, block.Length), out var blocks))
                _levels[(block.IsV6, block.Length)] = blocks = [];
            if (!blocks.TryAdd(block.Bits, value))
                return false;
            Count++;
            return true;
        }

        public PrefixTable<T> Build() => new(
            _levels.Where(l => !l.Key.Item1).OrderByDescending(l => l.Key.Item2).Select(l => new Level(l.Key.Item2, l.Value)).ToArray(),
            _levels.Where(l => l.Key.Item1).OrderByDescending(l => l.Key.Item2).Select(l => new Level(l.Key.Item2, l.Value)).ToArray());
    }
}
