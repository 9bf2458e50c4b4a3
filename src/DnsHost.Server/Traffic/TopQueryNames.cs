using System.Diagnostics;
using DnsHost.Protocol;

namespace DnsHost.Server.Traffic;

/// <summary>A name (or zone) and its estimated count; <see cref="Error"/> bounds how much the count may overstate it.</summary>
public sealed record RankedName(string Name, long Count, long Error = 0);

/// <summary>
/// The most asked query names, by the Space-Saving algorithm (Metwally, Agrawal and El Abbadi, "Efficient
/// computation of frequent and top-k elements in data streams", 2005): a fixed set of counters; a name not
/// counted yet takes over the smallest counter and inherits its count as its possible overstatement. Any
/// name asked more than 1/<see cref="Capacity"/> of the time is certain to be held.
/// <para>
/// The answer path calls <see cref="Add"/> for the queries it times (one in
/// <see cref="DnsMetrics.LatencySampling"/> per thread), so the counts are samples and
/// <see cref="Rotate"/> scales them back up. Everything is preallocated: <see cref="Add"/> hashes the
/// name, takes a short lock, and finds the name with a vectorised search of the hashes; no allocation.
/// Two summaries swap at <see cref="Rotate"/>, so the reader copies one out while the answer path fills
/// the other.
/// </para>
/// </summary>
public sealed class TopQueryNames
{
    public const int DefaultCapacity = 128;

    private readonly Lock _gate = new();
    private Summary _current, _spare;

    public TopQueryNames(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _current = new Summary(capacity);
        _spare = new Summary(capacity);
    }

    /// <summary>How many names are counted at once.</summary>
    public int Capacity { get; }

    /// <summary>Counts one sampled query for a lower-cased name in wire form. Allocates nothing.</summary>
    public void Add(ReadOnlySpan<byte> lowerName)
    {
        if (lowerName.Length is 0 or > DnsName.MaxLength)
            return;
        int hash = Hash(lowerName);
        lock (_gate)
            _current.Add(hash, lowerName);
    }

    /// <summary>The names counted since the last rotation, most asked first, without ending the period (a live view).</summary>
    public IReadOnlyList<RankedName> Peek(int top)
    {
        lock (_gate)
            return _current.Ranked(top, DnsMetrics.LatencySampling);
    }

    /// <summary>Ends the period: returns its names, most asked first, and starts counting afresh.</summary>
    public IReadOnlyList<RankedName> Rotate(int top)
    {
        _spare.Clear();
        Summary ended;
        lock (_gate)
        {
            ended = _current;
            (_current, _spare) = (_spare, ended);
        }
        // Only this method touches the spare, and callers rotate from one timer: read it outside the lock.
        return ended.Ranked(top, DnsMetrics.LatencySampling);
    }

    private static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode();
    }

    private sealed class Summary(int capacity)
    {
        private readonly int[] _hashes = new int[capacity];
        private readonly long[] _counts = new long[capacity];
        private readonly long[] _errors = new long[capacity];
        private readonly byte[] _lengths = new byte[capacity];
        private readonly byte[] _names = new byte[capacity * DnsName.MaxLength];
        private int _used;

        public void Clear() => _used = 0;

        public void Add(int hash, ReadOnlySpan<byte> name)
        {
            int from = 0;
            while (from < _used)
            {
                int found = _hashes.AsSpan(from, _used - from).IndexOf(hash);
                if (found < 0)
                    break;
                int slot = from + found;
                if (Name(slot).SequenceEqual(name))
                {
                    _counts[slot]++;
                    return;
                }
                from = slot + 1;
            }
            if (_used < _hashes.Length)
            {
                Set(_used++, hash, name, 1, 0);
                return;
            }
            int smallest = 0;
            for (int i = 1; i < _counts.Length; i++)
            {
                if (_counts[i] < _counts[smallest])
                    smallest = i;
            }
            long inherited = _counts[smallest];
            Set(smallest, hash, name, inherited + 1, inherited);
        }

        private void Set(int slot, int hash, ReadOnlySpan<byte> name, long count, long error)
        {
            Debug.Assert(name.Length <= DnsName.MaxLength);
            _hashes[slot] = hash;
            _counts[slot] = count;
            _errors[slot] = error;
            _lengths[slot] = (byte)name.Length;
            name.CopyTo(_names.AsSpan(slot * DnsName.MaxLength));
        }

        private ReadOnlySpan<byte> Name(int slot) => _names.AsSpan(slot * DnsName.MaxLength, _lengths[slot]);

        public List<RankedName> Ranked(int top, int scale)
        {
            var order = Enumerable.Range(0, _used).OrderByDescending(i => _counts[i]).ThenBy(i => _errors[i]).Take(top);
            return order.Select(i => new RankedName(DnsName.ToText(Name(i)), _counts[i] * scale, _errors[i] * scale)).ToList();
        }
    }
}
