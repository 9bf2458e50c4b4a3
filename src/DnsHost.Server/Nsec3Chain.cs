using System.Runtime.CompilerServices;
using System.Text;
using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// The NSEC3 chain of an online-signed zone (RFC 5155 7.1) with RFC 9276's parameters: SHA-1, no
/// extra iterations, no salt, no opt-out. Every authoritative name and empty non-terminal is hashed
/// once per zone snapshot; names below a delegation are not (they are not the zone's). The records
/// are made when a proof needs them and signed by the zone's signer, whose cache keeps them.
/// </summary>
internal sealed class Nsec3Chain
{
    /// <summary>NSEC3PARAM RDATA (RFC 5155 4.2): SHA-1, flags 0, 0 iterations, salt length 0.</summary>
    public static readonly byte[] ParamRData = [Nsec3Hash.Sha1, 0, 0, 0, 0];

    private static readonly ConditionalWeakTable<Zone, Nsec3Chain> Cache = new();
    private readonly (byte[] Hash, byte[] Bitmap)[] _links;
    private readonly byte[] _origin;

    private Nsec3Chain(Zone zone, ushort[] apexExtras)
    {
        _origin = zone.Origin;
        var links = new List<(byte[], byte[])>();
        byte[]? cut = null;
        foreach (var node in zone.Nodes)
        {
            var name = node.Name;
            if (cut is not null && DnsName.IsSubdomainOf(name, cut))
                continue;
            bool apex = name.SequenceEqual(zone.Origin);
            if (node.IsDelegation && !apex)
                cut = name.ToArray();
            var hash = new byte[Nsec3Hash.Length];
            Nsec3Hash.TryCompute(Nsec3Hash.Sha1, name, [], 0, hash);
            links.Add((hash, TypeBitmap.Build(TypesOf(node, apex, apexExtras))));
        }
        links.Sort((a, b) => a.Item1.AsSpan().SequenceCompareTo(b.Item1));
        _links = [.. links];
    }

    /// <summary>The zone's chain; <paramref name="apexExtras"/> are the signer's own types at the apex (DNSKEY, CDS, ...).</summary>
    public static Nsec3Chain Of(Zone zone, ushort[] apexExtras) => Cache.GetValue(zone, z => new Nsec3Chain(z, apexExtras));

    /// <summary>RFC 5155 3.2.1: the types at the name, RRSIG when anything there is signed; a delegation's NS is not signed.</summary>
    private static ushort[] TypesOf(ZoneNode node, bool apex, ushort[] apexExtras)
    {
        var types = new SortedSet<ushort>();
        for (int s = 0; s < node.SetCount; s++)
            types.Add(node.SetAt(s).Type);
        foreach (var group in node.Groups)
            types.Add(group.Type);
        if (apex)
            types.UnionWith(apexExtras);
        bool signed = types.Count > 0 && (!node.IsDelegation || apex || types.Contains((ushort)RecordType.DS));
        if (signed)
            types.Add((ushort)RecordType.RRSIG);
        return [.. types];
    }

    /// <summary>The NSEC3 RRset (owner, RDATA) whose hash matches <paramref name="lowerName"/>'s, or that covers it.</summary>
    public (byte[] Owner, byte[] RData) For(ReadOnlySpan<byte> lowerName, out bool matches)
    {
        Span<byte> hash = stackalloc byte[Nsec3Hash.Length];
        Nsec3Hash.TryCompute(Nsec3Hash.Sha1, lowerName, [], 0, hash);
        int lo = 0, hi = _links.Length - 1, found = -1;
        matches = false;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _links[mid].Hash.AsSpan().SequenceCompareTo(hash);
            if (c == 0)
            {
                matches = true;
                found = mid;
                break;
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
        // Before the first hash: the last link, whose next hash wraps to the first, covers it (RFC 5155 3.1.7).
        return Record(found < 0 ? _links.Length - 1 : found);
    }

    /// <summary>Every NSEC3 record of the chain, in hash order (for a zone transfer).</summary>
    public IEnumerable<(byte[] Owner, byte[] RData)> All()
    {
        for (int i = 0; i < _links.Length; i++)
            yield return Record(i);
    }

    private (byte[] Owner, byte[] RData) Record(int index)
    {
        var (hash, bitmap) = _links[index];
        var next = _links[(index + 1) % _links.Length].Hash;
        // RFC 5155 3.2: hash algorithm, flags, iterations, salt length, salt, hash length, next hashed owner, type bitmaps.
        byte[] rdata = [Nsec3Hash.Sha1, 0, 0, 0, 0, (byte)next.Length, .. next, .. bitmap];
        var label = Encoding.ASCII.GetBytes(Nsec3Hash.ToBase32Hex(hash));
        byte[] owner = [(byte)label.Length, .. label, .. _origin];
        return (owner, rdata);
    }
}
