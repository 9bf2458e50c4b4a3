using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// Builds the messages of an AXFR response (RFC 5936 2.2): the SOA, every other record, the SOA again,
/// packed into as few messages as fit. An IXFR is answered the same way (RFC 1995 4 allows a full transfer).
/// </summary>
public static class ZoneTransfer
{
    private const int MessageLimit = 16 * 1024;

    public static List<byte[]> BuildMessages(Zone zone, ushort id, ReadOnlySpan<byte> qname, ushort qtype)
    {
        var messages = new List<byte[]>();
        var buffer = new byte[ushort.MaxValue];
        // Zone.Records starts with the SOA; RFC 5936 2.2 ends the transfer with it again.
        var records = new List<ZoneRecord>(zone.RecordCount + 1);
        records.AddRange(zone.Records);
        records.Add(records[0]);

        int index = 0;
        bool first = true;
        while (index < records.Count)
        {
            var writer = new DnsMessageWriter(buffer, MessageLimit);
            writer.Id = id;
            writer.Flags = DnsHeader.QrBit | DnsHeader.AaBit;
            // RFC 5936 2.2.1: the question appears in the first message only (it may be repeated; we do not).
            if (first)
                writer.TryWriteQuestion(qname, qtype, RecordClass.IN);
            int before = index;
            while (index < records.Count)
            {
                var r = records[index];
                if (!writer.TryWriteRecord(DnsSection.Answer, r.Owner, r.Type, RecordClass.IN, r.Ttl, r.RData))
                    break;
                index++;
            }
            if (index == before)
            {
                // A single record larger than the soft limit: give it a message of its own at full size.
                writer.SetLimit(ushort.MaxValue);
                var r = records[index];
                if (!writer.TryWriteRecord(DnsSection.Answer, r.Owner, r.Type, RecordClass.IN, r.Ttl, r.RData))
                    throw new InvalidOperationException("record too large for a DNS message");
                index++;
            }
            int length = writer.Finish();
            messages.Add(buffer.AsSpan(0, length).ToArray());
            first = false;
        }
        return messages;
    }
}
