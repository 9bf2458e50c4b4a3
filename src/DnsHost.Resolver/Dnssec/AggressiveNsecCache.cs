using System.Collections.Concurrent;
using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>
/// Aggressive use of validated NSEC records (RFC 8198): the NSEC records (with their RRSIGs) and the
/// SOA of secure negative answers are kept per zone, and a later question for a name that one of
/// them covers, with the wildcard that could have matched it covered too, is answered NXDOMAIN here
/// without asking upstream. NSEC3 records are kept the same way, by owner hash, and prove an NXDOMAIN
/// when they hold a whole RFC 5155 8.4 proof for the new name: the closest encloser's match, a span
/// (not opt-out) over the next closer name, and a span over the wildcard. Entries live as long as the
/// records' TTLs (already capped by validation).
/// </summary>
public sealed class AggressiveNsecCache
{
    private const int MaxPerZone = 10_000;

    private sealed record Span(byte[] Owner, byte[] Next, byte[] NsecRData, List<byte[]> Signatures, uint Ttl, long ExpiresAt);

    private sealed class ZoneProofs(byte[] zone)
    {
        public readonly byte[] Zone = zone;
        public readonly Dictionary<string, Span> Spans = [];
        public (byte[] Owner, byte[] RData, List<byte[]> Signatures, uint Ttl, long ExpiresAt)? Soa;
        /// <summary>NSEC3 records by owner hash (hex).</summary>
        public readonly Dictionary<string, Nsec3Span> Nsec3 = [];
    }

    private sealed record Nsec3Span(byte[] Owner, byte[] RData, List<byte[]> Signatures, long ExpiresAt);

    private readonly ConcurrentDictionary<string, ZoneProofs> _zones = new();

    public void Flush() => _zones.Clear();

    /// <summary>Remembers the NSEC proofs of a negative answer validated with <paramref name="zone"/>'s keys.</summary>
    internal void Learn(byte[] zone, IEnumerable<ResourceRecordSet> authority, long now)
    {
        var proofs = _zones.GetOrAdd(Convert.ToHexString(zone), _ => new ZoneProofs(zone));
        var sets = authority.ToList();
        // RFC 9077: an NSEC proves no longer than the negative TTL, min(SOA TTL, SOA MINIMUM).
        uint negativeTtl = uint.MaxValue;
        foreach (var soaSet in sets.Where(s => s.Type == (ushort)RecordType.SOA && s.RDatas.Count == 1 && s.RDatas[0].Length >= 20))
            negativeTtl = Math.Min(soaSet.Ttl, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(soaSet.RDatas[0].AsSpan(soaSet.RDatas[0].Length - 4)));
        if (negativeTtl == uint.MaxValue)
            return;
        Span<byte> hash = stackalloc byte[64];
        lock (proofs)
        {
            foreach (var set in sets)
            {
                uint ttl = Math.Min(set.Ttl, negativeTtl);
                if (set.Type == (ushort)RecordType.SOA && DnsName.EqualsIgnoreCase(set.Owner, zone) && set.RDatas.Count == 1 && set.RDatas[0].Length >= 20)
                {
                    proofs.Soa = (set.Owner, set.RDatas[0], set.Signatures, ttl, now + ttl * 1000L);
                }
                else if (set.Type == (ushort)RecordType.NSEC && set.RDatas.Count == 1 && proofs.Spans.Count < MaxPerZone)
                {
                    int end = RecordTypeInfo.NameEnd(set.RDatas[0], 0);
                    if (end > 0)
                        proofs.Spans[Convert.ToHexString(set.Owner)] = new Span(set.Owner, set.RDatas[0][..end], set.RDatas[0], set.Signatures, ttl, now + ttl * 1000L);
                }
                else if (set.Type == (ushort)RecordType.NSEC3 && set.RDatas.Count == 1 && proofs.Nsec3.Count < MaxPerZone && set.Owner.Length > 1)
                {
                    int length = Nsec3Hash.FromBase32Hex(set.Owner.AsSpan(1, set.Owner[0]), hash);
                    if (length > 0)
                        proofs.Nsec3[Convert.ToHexString(hash[..length])] = new Nsec3Span(set.Owner, set.RDatas[0], set.Signatures, now + ttl * 1000L);
                }
            }
        }
    }

    /// <summary>An NXDOMAIN proven by cached NSEC records of the closest zone that has any, or null.</summary>
    public CachedAnswer? TrySynthesize(byte[] name, ResolverCacheOptions options, long now)
    {
        ReadOnlySpan<byte> suffix = name;
        while (true)
        {
            if (_zones.TryGetValue(Convert.ToHexString(suffix), out var proofs))
                return Synthesize(proofs, name, options, now);
            if (suffix.Length <= 1)
                return null;
            suffix = DnsName.Parent(suffix);
        }
    }

    private static CachedAnswer? Synthesize(ZoneProofs proofs, byte[] name, ResolverCacheOptions options, long now)
    {
        lock (proofs)
        {
            if (proofs.Soa is not { } soa || soa.ExpiresAt <= now)
                return null;
            if (proofs.Nsec3.Count > 0)
                return SynthesizeNsec3(proofs, soa, name, options, now);
            var fresh = proofs.Spans.Values.Where(s => s.ExpiresAt > now).ToList();
            if (fresh.Any(s => DnsName.EqualsIgnoreCase(s.Owner, name)))
                return null; // the name exists
            var cover = fresh.FirstOrDefault(s => CanonicalName.IsCovered(name, s.Owner, s.Next));
            if (cover is null)
                return null;
            // RFC 4035 5.4: the closest encloser, and the wildcard below it must be covered too.
            var encloser = Longer(Common(name, cover.Owner), Common(name, cover.Next));
            if (!DnsName.IsSubdomainOf(encloser, proofs.Zone))
                encloser = proofs.Zone;
            byte[] wildcard = [1, (byte)'*', .. encloser];
            var wildcardCover = fresh.FirstOrDefault(s => CanonicalName.IsCovered(wildcard, s.Owner, s.Next));
            if (wildcardCover is null)
                return null;
            var builder = new CachedAnswerBuilder();
            builder.Add(DnsSection.Authority, soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, (uint)((soa.ExpiresAt - now) / 1000), soa.RData);
            foreach (var sig in soa.Signatures)
                builder.Add(DnsSection.Authority, soa.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, (uint)((soa.ExpiresAt - now) / 1000), sig);
            foreach (var span in new[] { cover, wildcardCover }.Distinct())
            {
                uint left = (uint)((span.ExpiresAt - now) / 1000);
                builder.Add(DnsSection.Authority, span.Owner, (ushort)RecordType.NSEC, RecordClass.IN, left, span.NsecRData);
                foreach (var sig in span.Signatures)
                    builder.Add(DnsSection.Authority, span.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, left, sig);
            }
            var answer = builder.Build(ResponseCode.NXDomain, options, now);
            return answer.WithSecurity(new ValidationResult(DnssecStatus.Secure, 0, uint.MaxValue), 0);
        }
    }

    private static CachedAnswer? SynthesizeNsec3(ZoneProofs proofs, (byte[] Owner, byte[] RData, List<byte[]> Signatures, uint Ttl, long ExpiresAt) soa,
        byte[] name, ResolverCacheOptions options, long now)
    {
        var fresh = proofs.Nsec3.Where(e => e.Value.ExpiresAt > now).ToList();
        var sets = fresh.Select(e =>
        {
            var set = new ResourceRecordSet(e.Value.Owner, (ushort)RecordType.NSEC3);
            set.RDatas.Add(e.Value.RData);
            return set;
        });
        if (new DenialOfExistence(proofs.Zone, sets).Nsec3NxDomainProof(name) is not { } owners)
            return null;
        var builder = new CachedAnswerBuilder();
        builder.Add(DnsSection.Authority, soa.Owner, (ushort)RecordType.SOA, RecordClass.IN, (uint)((soa.ExpiresAt - now) / 1000), soa.RData);
        foreach (var sig in soa.Signatures)
            builder.Add(DnsSection.Authority, soa.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, (uint)((soa.ExpiresAt - now) / 1000), sig);
        foreach (string owner in owners.Select(Convert.ToHexString).Distinct())
        {
            var span = proofs.Nsec3[owner];
            uint left = (uint)((span.ExpiresAt - now) / 1000);
            builder.Add(DnsSection.Authority, span.Owner, (ushort)RecordType.NSEC3, RecordClass.IN, left, span.RData);
            foreach (var sig in span.Signatures)
                builder.Add(DnsSection.Authority, span.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, left, sig);
        }
        var answer = builder.Build(ResponseCode.NXDomain, options, now);
        return answer.WithSecurity(new ValidationResult(DnssecStatus.Secure, 0, uint.MaxValue), 0);
    }

    private static byte[] Common(byte[] x, byte[] y)
    {
        ReadOnlySpan<byte> candidate = x;
        while (candidate.Length > 1 && !DnsName.IsSubdomainOf(y, candidate))
            candidate = DnsName.Parent(candidate);
        return candidate.ToArray();
    }

    private static byte[] Longer(byte[] a, byte[] b) => a.Length >= b.Length ? a : b;
}
