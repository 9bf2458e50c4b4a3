using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>One step of a zone's history: the SOA before and after, and the records in between (RFC 1995 4).</summary>
public sealed record JournalEntry(uint FromSerial, uint ToSerial, ZoneRecord FromSoa, ZoneRecord ToSoa, ZoneDelta Delta);

/// <summary>
/// The recent history of every zone, for IXFR: a bounded list of deltas per zone (at most
/// <c>Transfers:JournalMaxChanges</c> steps and <c>Transfers:JournalMaxBytes</c> octets; the oldest go
/// first). A client whose serial is older than the journal gets the whole zone instead (RFC 1995 4).
/// Kept in memory: after a restart the journal starts empty.
/// </summary>
public sealed class ZoneJournal(int maxChanges, long maxBytes)
{
    private readonly Dictionary<string, LinkedList<(JournalEntry Entry, long Bytes)>> _zones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(string origin, JournalEntry entry)
    {
        long bytes = entry.Delta.Bytes + 2 * (entry.FromSoa.RData.Length + entry.FromSoa.Owner.Length + 10);
        lock (_lock)
        {
            if (!_zones.TryGetValue(origin, out var list))
                _zones[origin] = list = new();
            // A step that does not continue the history (serial went elsewhere) starts it again.
            if (list.Last is { } last && last.Value.Entry.ToSerial != entry.FromSerial)
            {
                list.Clear();
                _bytes[origin] = 0;
            }
            list.AddLast((entry, bytes));
            _bytes[origin] = _bytes.GetValueOrDefault(origin) + bytes;
            while (list.Count > 0 && (list.Count > maxChanges || _bytes[origin] > maxBytes))
            {
                _bytes[origin] -= list.First!.Value.Bytes;
                list.RemoveFirst();
            }
        }
    }

    /// <summary>Forgets a zone's history (the zone was removed).</summary>
    public void Clear(string origin)
    {
        lock (_lock)
        {
            _zones.Remove(origin);
            _bytes.Remove(origin);
        }
    }

    /// <summary>The steps from <paramref name="fromSerial"/> up to <paramref name="toSerial"/>, or null when the journal does not reach back that far.</summary>
    public List<JournalEntry>? Chain(string origin, uint fromSerial, uint toSerial)
    {
        lock (_lock)
        {
            if (!_zones.TryGetValue(origin, out var list))
                return null;
            var chain = new List<JournalEntry>();
            bool started = false;
            foreach (var (entry, _) in list)
            {
                if (!started && entry.FromSerial == fromSerial)
                    started = true;
                if (started)
                {
                    chain.Add(entry);
                    if (entry.ToSerial == toSerial)
                        return chain;
                }
            }
            return null;
        }
    }

    public int Count(string origin)
    {
        lock (_lock)
            return _zones.TryGetValue(origin, out var list) ? list.Count : 0;
    }
}
