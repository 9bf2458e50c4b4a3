using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// Collects records (from one upstream response, or from several during iteration: a CNAME chain
/// across zones) and builds a <see cref="CachedAnswer"/> with the cache's TTL rules: positive TTLs
/// clamped to [MinTtl, MaxTtl]; negative answers live min(SOA TTL, SOA MINIMUM) (RFC 2308 5), at
/// most MaxNegativeTtl; a negative answer without an SOA is not cached (RFC 2308 5).
/// </summary>
public sealed class CachedAnswerBuilder
{
    private readonly List<byte> _data = new(512);
    private readonly List<CachedRecord> _records = [];
    private uint? _soaNegativeTtl;

    public int AnswerCount { get; private set; }

    public void Add(DnsSection section, ReadOnlySpan<byte> owner, ushort type, ushort cls, uint ttl, ReadOnlySpan<byte> rdata)
    {
        // Skip exact duplicates (the same record from two responses).
        foreach (var r in _records)
        {
            if (r.Section == section && r.Type == type && r.Class == cls
                && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_data).Slice(r.OwnerOffset, r.OwnerLength).SequenceEqual(owner)
                && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_data).Slice(r.RDataOffset, r.RDataLength).SequenceEqual(rdata))
                return;
        }
        int ownerOffset = _data.Count;
        foreach (byte b in owner)
            _data.Add(DnsName.ToLowerAscii(b));
        int rdataOffset = _data.Count;
        _data.AddRange(rdata);
        // RFC 8767 4 and RFC 2181 8: TTLs with the top bit set are treated as zero.
        if (ttl > int.MaxValue)
            ttl = 0;
        _records.Add(new CachedRecord(section, ownerOffset, owner.Length, type, cls, ttl, rdataOffset, rdata.Length));
        if (section == DnsSection.Answer)
            AnswerCount++;
        if (section == DnsSection.Authority && type == (ushort)RecordType.SOA && rdata.Length >= 20)
        {
            uint minimum = BinaryPrimitives.ReadUInt32BigEndian(rdata[^4..]);
            _soaNegativeTtl = Math.Min(ttl, minimum);
        }
    }

    /// <summary>
    /// Adds the records of <paramref name="message"/>'s sections whose owners lie inside
    /// <paramref name="bailiwick"/> (the root accepts everything). OPT is never copied. Returns false
    /// when the message does not parse.
    /// </summary>
    public bool AddFromMessage(ReadOnlySpan<byte> message, ReadOnlySpan<byte> bailiwick, bool answer = true, bool authority = true, bool additional = true)
    {
        var reader = new DnsMessageReader(message);
        if (!reader.TryReadHeader(out var header))
            return false;
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        for (int i = 0; i < header.QuestionCount; i++)
        {
            if (!reader.TryReadQuestion(name, out _))
                return false;
        }
        Span<byte> rdata = stackalloc byte[ushort.MaxValue];
        int[] counts = [header.AnswerCount, header.AuthorityCount, header.AdditionalCount];
        bool[] wanted = [answer, authority, additional];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < counts[s]; i++)
            {
                if (!reader.TryReadRecord(name, out var record))
                    return false;
                var owner = name[..record.NameLength];
                if (!wanted[s] || record.Type == (ushort)RecordType.OPT || !DnsName.IsSubdomainOf(owner, bailiwick))
                    continue;
                int length = RecordData.CopyUncompressed(record.Type, message, record.RDataOffset, record.RDataLength, rdata);
                if (length < 0)
                    return false;
                Add((DnsSection)s, owner, record.Type, record.Class, record.Ttl, rdata[..length]);
            }
        }
        return true;
    }

    /// <summary>The entry for a final answer with this RCODE (NOERROR or NXDOMAIN).</summary>
    public CachedAnswer Build(ResponseCode rcode, ResolverCacheOptions options, long now)
    {
        bool negative = rcode == ResponseCode.NXDomain || AnswerCount == 0 || !HasAnswerOfInterest();
        var records = _records.ToArray();
        uint entryTtl;
        if (negative)
        {
            // RFC 2308 5: without an SOA a negative answer is not cached.
            entryTtl = _soaNegativeTtl is uint n ? Math.Min(Math.Max(n, (uint)options.MinTtl), (uint)options.MaxNegativeTtl) : 0;
            for (int i = 0; i < records.Length; i++)
            {
                // RFC 2308 3: the SOA (and what proves the denial) goes out with the negative TTL; a CNAME chain keeps its own if lower.
                uint ttl = records[i].Section == DnsSection.Authority ? entryTtl : Math.Min(records[i].Ttl, entryTtl);
                records[i] = records[i] with { Ttl = ttl };
            }
            foreach (var r in records)
            {
                if (r.Section == DnsSection.Answer)
                    entryTtl = Math.Min(entryTtl, Math.Max(r.Ttl, (uint)options.MinTtl));
            }
        }
        else
        {
            entryTtl = uint.MaxValue;
            for (int i = 0; i < records.Length; i++)
            {
                uint ttl = Math.Clamp(records[i].Ttl, (uint)options.MinTtl, (uint)options.MaxTtl);
                records[i] = records[i] with { Ttl = ttl };
                if (records[i].Section != DnsSection.Additional)
                    entryTtl = Math.Min(entryTtl, ttl);
            }
        }
        return new CachedAnswer(rcode, _data.ToArray(), records, entryTtl == uint.MaxValue ? 0 : entryTtl, now, negative);
    }

    /// <summary>A NOERROR answer whose answer section has only a CNAME chain (and signatures) that ends nowhere is NODATA.</summary>
    private bool HasAnswerOfInterest() => _records.Any(r => r.Section == DnsSection.Answer);

    /// <summary>An answer that is just an RCODE (SERVFAIL, REFUSED, or a synthesised NXDOMAIN), with the given TTL.</summary>
    public static CachedAnswer Empty(ResponseCode rcode, uint ttl, long now) => new(rcode, [], [], ttl, now, negative: true);
}
