using System.Buffers.Binary;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// One zone's journal on disk (<c>NAME.journal</c> in <c>Transfers:StateDirectory</c>), so IXFR answers survive a restart.
/// A file is a header line and then entries appended one after the other, each
/// <c>[u32 length][u32 from serial][u32 to serial][SOA before][SOA after][u32 n][n records removed][u32 n][n records added]</c>,
/// a record being <c>[u8 owner length][owner][u16 type][u32 TTL][u16 RDATA length][RDATA]</c>, all big-endian, names in wire form.
/// A torn last entry (a crash while appending) is dropped when the file is read; the file is rewritten whole when
/// the journal restarts or holds twice its bounds.
/// </summary>
public static class JournalFile
{
    private static readonly byte[] Magic = "DnsHost journal 1\n"u8.ToArray();

    public static string PathOf(string directory, string origin)
    {
        var name = origin.TrimEnd('.');
        foreach (char c in System.IO.Path.GetInvalidFileNameChars())
            name = name.Replace(c, '_');
        return System.IO.Path.Combine(directory, (name.Length == 0 ? "root" : name.ToLowerInvariant()) + ".journal");
    }

    /// <summary>Appends entries (creating the file, with its header, when it is not there); on disk when it returns (fsync).</summary>
    public static void Append(string path, IEnumerable<JournalEntry> entries) => DurableFile.Append(path, stream => Write(stream, entries));

    /// <summary>Writes the file anew with these entries (temporary file forced to disk, then renamed, the folder synced).</summary>
    public static void Rewrite(string path, IEnumerable<JournalEntry> entries) => DurableFile.Replace(path, stream => Write(stream, entries));

    private static void Write(FileStream stream, IEnumerable<JournalEntry> entries)
    {
        if (stream.Length == 0)
            stream.Write(Magic);
        foreach (var entry in entries)
            stream.Write(Encode(entry));
    }

    /// <summary>Every whole entry in the file, oldest first (none when the file is missing or not a journal).</summary>
    public static List<JournalEntry> Read(string path)
    {
        var entries = new List<JournalEntry>();
        if (!File.Exists(path))
            return entries;
        var bytes = File.ReadAllBytes(path);
        if (!bytes.AsSpan().StartsWith(Magic))
            return entries;
        int position = Magic.Length;
        while (position + 4 <= bytes.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position));
            if (length <= 0 || position + 4 + length > bytes.Length)
                break; // torn by a crash: what came before is whole
            var entry = Decode(bytes.AsSpan(position + 4, length));
            if (entry is null)
                break;
            entries.Add(entry);
            position += 4 + length;
        }
        return entries;
    }

    private static byte[] Encode(JournalEntry entry)
    {
        int size = 4 + 8 + RecordSize(entry.FromSoa) + RecordSize(entry.ToSoa) + 8
            + entry.Delta.Removed.Sum(RecordSize) + entry.Delta.Added.Sum(RecordSize);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(size - 4));
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], entry.FromSerial);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], entry.ToSerial);
        int p = 12;
        p += WriteRecord(span[p..], entry.FromSoa);
        p += WriteRecord(span[p..], entry.ToSoa);
        foreach (var list in new[] { entry.Delta.Removed, entry.Delta.Added })
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[p..], (uint)list.Count);
            p += 4;
            foreach (var record in list)
                p += WriteRecord(span[p..], record);
        }
        System.Diagnostics.Debug.Assert(p == size);
        return buffer;
    }

    private static int RecordSize(ZoneRecord r) => 1 + r.Owner.Length + 8 + r.RData.Length;

    private static int WriteRecord(Span<byte> span, ZoneRecord r)
    {
        span[0] = (byte)r.Owner.Length;
        r.Owner.CopyTo(span[1..]);
        int p = 1 + r.Owner.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[p..], r.Type);
        BinaryPrimitives.WriteUInt32BigEndian(span[(p + 2)..], r.Ttl);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 6)..], (ushort)r.RData.Length);
        r.RData.CopyTo(span[(p + 8)..]);
        return p + 8 + r.RData.Length;
    }

    private static JournalEntry? Decode(ReadOnlySpan<byte> span)
    {
        if (span.Length < 8)
            return null;
        uint from = BinaryPrimitives.ReadUInt32BigEndian(span);
        uint to = BinaryPrimitives.ReadUInt32BigEndian(span[4..]);
        int p = 8;
        if (!TryReadRecord(span, ref p, out var fromSoa) || !TryReadRecord(span, ref p, out var toSoa))
            return null;
        var lists = new List<ZoneRecord>[2];
        for (int l = 0; l < 2; l++)
        {
            if (p + 4 > span.Length)
                return null;
            uint count = BinaryPrimitives.ReadUInt32BigEndian(span[p..]);
            p += 4;
            if (count > (uint)(span.Length - p) / 9)
                return null;
            lists[l] = new List<ZoneRecord>((int)count);
            for (uint i = 0; i < count; i++)
            {
                if (!TryReadRecord(span, ref p, out var record))
                    return null;
                lists[l].Add(record);
            }
        }
        return p == span.Length ? new JournalEntry(from, to, fromSoa, toSoa, new ZoneDelta(lists[0], lists[1])) : null;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> span, ref int p, out ZoneRecord record)
    {
        record = null!;
        if (p + 1 > span.Length)
            return false;
        int ownerLength = span[p];
        if (p + 1 + ownerLength + 8 > span.Length)
            return false;
        var owner = span.Slice(p + 1, ownerLength).ToArray();
        int q = p + 1 + ownerLength;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(span[q..]);
        uint ttl = BinaryPrimitives.ReadUInt32BigEndian(span[(q + 2)..]);
        int rdataLength = BinaryPrimitives.ReadUInt16BigEndian(span[(q + 6)..]);
        if (q + 8 + rdataLength > span.Length)
            return false;
        record = new ZoneRecord(owner, type, Protocol.RecordClass.IN, ttl, span.Slice(q + 8, rdataLength).ToArray());
        p = q + 8 + rdataLength;
        return true;
    }
}
