using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>One record of an upstream response, owner lower-cased and RDATA with names expanded.</summary>
public sealed record UpstreamRecord(DnsSection Section, byte[] Owner, ushort Type, ushort Class, uint Ttl, byte[] RData)
{
    /// <summary>The name in the RDATA of NS, CNAME, DNAME and PTR records, lower-cased.</summary>
    public byte[] TargetName()
    {
        var lower = new byte[RData.Length];
        DnsName.ToLower(RData, lower);
        return lower;
    }
}

/// <summary>
/// An upstream response decoded into records for the miss path's decisions (referral, answer, CNAME,
/// negative). Allocates; never used for a cache hit. Returns null for a message that does not parse.
/// </summary>
public sealed class UpstreamMessage
{
    public DnsHeader Header { get; private init; }
    public ResponseCode ResponseCode => (ResponseCode)Header.ResponseCodeLow;
    public List<UpstreamRecord> Records { get; } = [];

    public IEnumerable<UpstreamRecord> Answer => Records.Where(r => r.Section == DnsSection.Answer);
    public IEnumerable<UpstreamRecord> Authority => Records.Where(r => r.Section == DnsSection.Authority);
    public IEnumerable<UpstreamRecord> Additional => Records.Where(r => r.Section == DnsSection.Additional);

    public static UpstreamMessage? Parse(ReadOnlySpan<byte> message)
    {
        var reader = new DnsMessageReader(message);
        if (!reader.TryReadHeader(out var header))
            return null;
        var parsed = new UpstreamMessage { Header = header };
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        for (int i = 0; i < header.QuestionCount; i++)
        {
            if (!reader.TryReadQuestion(name, out _))
                return null;
        }
        // A record's expanded RDATA is copied out at its length; the 64 KiB to expand it into is lent, not
        // allocated (and zeroed) for every upstream message.
        var rdata = System.Buffers.ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            int[] counts = [header.AnswerCount, header.AuthorityCount, header.AdditionalCount];
            for (int s = 0; s < 3; s++)
            {
                for (int i = 0; i < counts[s]; i++)
                {
                    if (!reader.TryReadRecord(name, out var record))
                        return null;
                    if (record.Type == (ushort)RecordType.OPT)
                        continue;
                    int length = RecordData.CopyUncompressed(record.Type, message, record.RDataOffset, record.RDataLength, rdata.AsSpan(0, ushort.MaxValue));
                    if (length < 0)
                        return null;
                    var owner = new byte[record.NameLength];
                    DnsName.ToLower(name[..record.NameLength], owner);
                    parsed.Records.Add(new UpstreamRecord((DnsSection)s, owner, record.Type, record.Class, record.Ttl, rdata.AsSpan(0, length).ToArray()));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rdata);
        }
        return parsed;
    }
}
