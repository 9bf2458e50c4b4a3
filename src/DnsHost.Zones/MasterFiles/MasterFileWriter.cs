using System.Text;
using DnsHost.Protocol;

namespace DnsHost.Zones.MasterFiles;

/// <summary>
/// Writes a zone as an RFC 1035 master file that <see cref="MasterFileLoader"/> reads back to the same zone:
/// <c>$ORIGIN .</c>, absolute names, one record per line, the SOA first. Written to a temporary file, flushed to
/// disk and renamed over the target, so a crash leaves the old file or the new one, never half of one.
/// </summary>
public static class MasterFileWriter
{
    public static void WriteAtomically(Zone zone, string path, string comment)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            using (var text = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" })
            {
                text.Write("; ");
                text.WriteLine(comment.ReplaceLineEndings(" "));
                text.WriteLine("$ORIGIN .");
                foreach (var r in zone.Records)
                {
                    text.Write(DnsName.ToText(r.Owner));
                    text.Write(' ');
                    text.Write(r.Ttl);
                    text.Write(" IN ");
                    text.Write(RecordData.TypeToText(r.Type));
                    text.Write(' ');
                    text.WriteLine(RecordData.ToText(r.Type, r.RData));
                }
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
