using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>One record as the validator sees it: owner lower-cased, RDATA uncompressed.</summary>
internal sealed record ValidatorRecord(DnsSection Section, byte[] Owner, ushort Type, uint Ttl, byte[] RData);

/// <summary>The records of one owner, type and section, with the RRSIGs that cover them.</summary>
internal sealed class ResourceRecordSet(byte[] owner, ushort type)
{
    public byte[] Owner { get; } = owner;
    public ushort Type { get; } = type;
    public List<byte[]> RDatas { get; } = [];
    public List<byte[]> Signatures { get; } = [];
    /// <summary>The smallest TTL of the set's records.</summary>
    public uint Ttl { get; private set; } = uint.MaxValue;

    /// <summary>Groups records into sets by section, owner and type, attaching each RRSIG to the set it covers.</summary>
    public static List<ResourceRecordSet> Group(IReadOnlyList<ValidatorRecord> records, DnsSection section)
    {
        // Plain loops, no LINQ: this runs for every validated miss.
        var sets = new List<ResourceRecordSet>();
        foreach (var r in records)
        {
            if (r.Section != section || r.Type == (ushort)RecordType.RRSIG)
                continue;
            var set = Find(sets, r.Type, r.Owner);
            if (set is null)
                sets.Add(set = new ResourceRecordSet(r.Owner, r.Type));
            set.RDatas.Add(r.RData);
            set.Ttl = Math.Min(set.Ttl, r.Ttl);
        }
        foreach (var r in records)
        {
            if (r.Section != section || r.Type != (ushort)RecordType.RRSIG || r.RData.Length < 2)
                continue;
            ushort covered = (ushort)((r.RData[0] << 8) | r.RData[1]);
            Find(sets, covered, r.Owner)?.Signatures.Add(r.RData);
        }
        return sets;
    }

    private static ResourceRecordSet? Find(List<ResourceRecordSet> sets, ushort type, byte[] owner)
    {
        foreach (var set in sets)
        {
            if (set.Type == type && set.Owner.AsSpan().SequenceEqual(owner))
                return set;
        }
        return null;
    }

    /// <summary>The signer named by the first RRSIG whose signer is the owner or above it, or null.</summary>
    public byte[]? Signer()
    {
        foreach (var sig in Signatures)
        {
            if (DnsHost.Dnssec.RrsigRecord.TryRead(sig, out var rrsig) && DnsName.IsSubdomainOf(Owner, rrsig.SignerName))
            {
                var signer = rrsig.SignerName.ToArray();
                DnsName.ToLower(signer, signer);
                return signer;
            }
        }
        return null;
    }
}
