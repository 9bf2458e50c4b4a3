using System.Runtime.CompilerServices;
using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// What a zone file signed elsewhere (ldns-signzone, dnssec-signzone, Knot) brings: its RRSIGs by
/// owner and type covered, and its NSEC or NSEC3 chain, indexed once per zone snapshot so a negative
/// answer finds the records that cover a name by binary search.
/// </summary>
internal sealed class PresignedZone
{
    private static readonly ConditionalWeakTable<Zone, PresignedZone> Cache = new();
    private static readonly PresignedZone Unsigned = new();

    private readonly Zone? _zone;
    private readonly ZoneNode[] _nsec = [];
    private readonly (byte[] Hash, ZoneNode Node)[] _nsec3 = [];
    private readonly byte _hashAlgorithm;
    private readonly ushort _iterations;
    private readonly byte[] _salt = [];

    private PresignedZone()
    {
    }

    private PresignedZone(Zone zone)
    {
        _zone = zone;
        var nsec = new List<ZoneNode>();
        var nsec3 = new List<(byte[], ZoneNode)>();
        Span<byte> hash = stackalloc byte[64];
        foreach (var node in zone.Nodes)
        {
            if (node.Find((ushort)RecordType.NSEC) is not null)
                nsec.Add(node);
            if (node.Find((ushort)RecordType.NSEC3) is not null)
            {
                // The owner's first label is the hash in base32hex (RFC 5155 3).
                var name = node.Name;
                int length = Nsec3Hash.FromBase32Hex(name.Slice(1, name[0]), hash);
                if (length > 0)
                    nsec3.Add((hash[..length].ToArray(), node));
            }
        }
        _nsec = [.. nsec];
        nsec3.Sort((a, b) => a.Item1.AsSpan().SequenceCompareTo(b.Item1));
        _nsec3 = [.. nsec3];
        if (zone.Apex.Find((ushort)RecordType.NSEC3PARAM) is { } param && param.RData[0].Length >= 5)
        {
            // RFC 5155 4.2: hash algorithm, flags, iterations, salt length, salt.
            var rdata = param.RData[0];
            _hashAlgorithm = rdata[0];
            _iterations = (ushort)(rdata[2] << 8 | rdata[3]);
            _salt = rdata.Slice(5, Math.Min(rdata[4], rdata.Length - 5)).ToArray();
        }
    }

    /// <summary>Whether the zone came signed: DNSKEY and RRSIG at its apex.</summary>
    public bool IsSigned => _zone is not null;

    public bool UsesNsec3 => _nsec3.Length > 0 && _nsec.Length == 0;

    /// <summary>The zone's index when it is pre-signed; null for a zone without signatures.</summary>
    public static PresignedZone? Of(Zone zone)
    {
        // Most zones have no signatures at the apex: say so without the table, whose entries (and growth,
        // once many zones have come and gone) would allocate on the query path.
        if (zone.Apex.Find((ushort)RecordType.RRSIG) is null || zone.Apex.Find((ushort)RecordType.DNSKEY) is null)
            return null;
        var presigned = Cache.GetValue(zone, z =>
            z.Apex.Find((ushort)RecordType.DNSKEY) is not null && z.Apex.Find((ushort)RecordType.RRSIG) is not null ? new PresignedZone(z) : Unsigned);
        return presigned.IsSigned ? presigned : null;
    }

    /// <summary>The RRSIG RDATA at <paramref name="node"/> that cover <paramref name="type"/>.</summary>
    public static List<byte[]> Rrsigs(ZoneNode node, ushort type)
    {
        var result = new List<byte[]>();
        if (node.Find((ushort)RecordType.RRSIG) is not { } sigs)
            return result;
        for (int i = 0; i < sigs.Count; i++)
        {
            var rdata = sigs.RData[i];
            if (rdata.Length >= 2 && (rdata[0] << 8 | rdata[1]) == type)
                result.Add(rdata.ToArray());
        }
        return result;
    }

    /// <summary>The NSEC whose owner comes last before <paramref name="lowerName"/> in canonical order (RFC 4034 6.1): it covers a name that does not exist.</summary>
    public ZoneNode? NsecCovering(ReadOnlySpan<byte> lowerName)
    {
        if (_nsec.Length == 0)
            return null;
        int lo = 0, hi = _nsec.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (CanonicalOrder.Compare(_nsec[mid].Name, lowerName) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        // Before the first owner (the apex): the last NSEC, whose next name wraps to the apex, covers it.
        return _nsec[found < 0 ? _nsec.Length - 1 : found];
    }

    /// <summary>The NSEC3 whose hash equals <paramref name="lowerName"/>'s (matches), or the one before it in hash order (covers).</summary>
    public ZoneNode? Nsec3For(ReadOnlySpan<byte> lowerName, out bool matches)
    {
        matches = false;
        if (_nsec3.Length == 0)
            return null;
        Span<byte> hash = stackalloc byte[Nsec3Hash.Length];
        if (!Nsec3Hash.TryCompute(_hashAlgorithm, lowerName, _salt, _iterations, hash))
            return null;
        int lo = 0, hi = _nsec3.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _nsec3[mid].Hash.AsSpan().SequenceCompareTo(hash);
            if (c == 0)
            {
                matches = true;
                return _nsec3[mid].Node;
            }
            if (c < 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        // Before the first hash: the last NSEC3 wraps around and covers it (RFC 5155 3.1.7).
        return _nsec3[found < 0 ? _nsec3.Length - 1 : found].Node;
    }
}
