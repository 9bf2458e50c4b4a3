using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>One step of a zone's history: the SOA before and after, and the records in between (RFC 1995 4).</summary>
public sealed record JournalEntry(uint FromSerial, uint ToSerial, ZoneRecord FromSoa, ZoneRecord ToSoa, ZoneDelta Delta);

/// <summary>
/// The recent history of every zone, for IXFR: a bounded list of deltas per zone (at most
/// <c>Transfers:JournalMaxChanges</c> steps and <c>Transfers:JournalMaxBytes</c> octets; the oldest go
/// first). A client whose serial is older than the journal gets the whole zone instead (RFC 1995 4).
/// With a directory, each zone's journal is also kept on disk (<see cref="JournalFile"/>) and
/// <see cref="Restore"/> reads it back after a restart, so a secondary asking IXFR then still gets a diff.
/// </summary>
public sealed class ZoneJournal(int maxChanges, long maxBytes, string? directory = null)
{
    private readonly Dictionary<string, LinkedList<(JournalEntry Entry, long Bytes)>> _zones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    // What each zone's file holds beyond the bounds: it is rewritten when it reaches twice them.
    private readonly Dictionary<string, (int Entries, long Bytes)> _onDisk = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private static long SizeOf(JournalEntry entry) => entry.Delta.Bytes + 2 * (entry.FromSoa.RData.Length + entry.FromSoa.Owner.Length + 10);

    public void Add(string origin, JournalEntry entry)
    {
        long bytes = SizeOf(entry);
        lock (_lock)
        {
            if (!_zones.TryGetValue(origin, out var list))
                _zones[origin] = list = new();
            bool restarted = false;
            // A step that does not continue the history (serial went elsewhere) starts it again.
            if (list.Last is { } last && last.Value.Entry.ToSerial != entry.FromSerial)
            {
                list.Clear();
                _bytes[origin] = 0;
                restarted = true;
            }
            list.AddLast((entry, bytes));
            _bytes[origin] = _bytes.GetValueOrDefault(origin) + bytes;
            Trim(origin, list);
            Persist(origin, list, entry, bytes, restarted);
        }
    }

    private void Trim(string origin, LinkedList<(JournalEntry Entry, long Bytes)> list)
    {
        while (list.Count > 0 && (list.Count > maxChanges || _bytes[origin] > maxBytes))
        {
            _bytes[origin] -= list.First!.Value.Bytes;
            list.RemoveFirst();
        }
    }

    private void Persist(string origin, LinkedList<(JournalEntry Entry, long Bytes)> list, JournalEntry entry, long bytes, bool restarted)
    {
        if (directory is null)
            return;
        var path = JournalFile.PathOf(directory, origin);
        var disk = _onDisk.GetValueOrDefault(origin);
        try
        {
            if (list.Count == 0)
            {
                File.Delete(path);
                _onDisk.Remove(origin);
            }
            else if (restarted || list.Last!.Value.Entry != entry || disk.Entries + 1 > 2 * Math.Max(1, maxChanges) || disk.Bytes + bytes > 2 * maxBytes)
            {
                JournalFile.Rewrite(path, list.Select(e => e.Entry));
                _onDisk[origin] = (list.Count, _bytes[origin]);
            }
            else
            {
                JournalFile.Append(path, [entry]);
                _onDisk[origin] = (disk.Entries + 1, disk.Bytes + bytes);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next step rewrites the file whole; until then the file may be behind (a restart then sends AXFR once).
            _onDisk[origin] = (int.MaxValue / 2, long.MaxValue / 4);
            throw;
        }
    }

    /// <summary>
    /// After a restart: reads the zone's journal file back when it ends at <paramref name="currentSerial"/> (the zone
    /// served is the one the journal led to); otherwise the history is forgotten. Returns whether it was restored.
    /// </summary>
    public bool Restore(string origin, uint currentSerial)
    {
        lock (_lock)
        {
            _zones.Remove(origin);
            _bytes.Remove(origin);
            _onDisk.Remove(origin);
            if (directory is null)
                return false;
            var path = JournalFile.PathOf(directory, origin);
            var entries = JournalFile.Read(path);
            if (entries.Count == 0 || entries[^1].ToSerial != currentSerial)
            {
                File.Delete(path);
                return false;
            }
            int start = entries.Count - 1;
            while (start > 0 && entries[start - 1].ToSerial == entries[start].FromSerial)
                start--;
            var list = new LinkedList<(JournalEntry Entry, long Bytes)>();
            long total = 0;
            for (int i = start; i < entries.Count; i++)
            {
                long bytes = SizeOf(entries[i]);
                list.AddLast((entries[i], bytes));
                total += bytes;
            }
            _zones[origin] = list;
            _bytes[origin] = total;
            Trim(origin, list);
            if (list.Count == 0)
            {
                File.Delete(path);
                return false;
            }
            if (list.Count != entries.Count)
                JournalFile.Rewrite(path, list.Select(e => e.Entry));
            _onDisk[origin] = (list.Count, _bytes[origin]);
            return true;
        }
    }

    /// <summary>Forgets a zone's history (the zone was removed, or its history cannot go on), on disk too.</summary>
    public void Clear(string origin)
    {
        lock (_lock)
        {
            _zones.Remove(origin);
            _bytes.Remove(origin);
            _onDisk.Remove(origin);
            if (directory is not null)
                File.Delete(JournalFile.PathOf(directory, origin));
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
