using DnsHost.Protocol;
using DnsHost.Zones;
using RrSet = DnsHost.Server.ResponseSigner.RrSet;

namespace DnsHost.Server;

/// <summary>
/// The NSEC3 proofs of an online-signed zone with <c>Dnssec:Denial</c> = <c>Nsec3</c>
/// (RFC 5155 7.2), from its <see cref="Nsec3Chain"/>: the closest encloser proof, the wildcard's,
/// and the no-DS proof at a delegation. Each record once, in the order needed.
/// </summary>
internal sealed class Nsec3Denial(Nsec3Chain chain, Zone zone)
{
    private readonly List<RrSet> _sets = [];

    public IReadOnlyList<RrSet> Sets => _sets;

    /// <summary>RFC 5155 7.2.2 (NXDOMAIN), 7.2.3 (NODATA), 7.2.5 (wildcard NODATA).</summary>
    public void Deny(byte[] name)
    {
        var encloser = ClosestEncloser(name);
        if (encloser.Length == name.Length)
        {
            Add(name);
            return;
        }
        Add(encloser);
        Add(NextCloser(name, encloser));
        // Matches the wildcard when one exists (wildcard NODATA), else covers it (NXDOMAIN).
        byte[] wildcard = [1, (byte)'*', .. encloser];
        if (wildcard.Length <= DnsName.MaxLength)
            Add(wildcard);
    }

    /// <summary>RFC 5155 7.2.6: a wildcard answer proves the next closer name does not exist.</summary>
    public void WildcardAnswer(byte[] name) => Add(NextCloser(name, ClosestEncloser(name)));

    /// <summary>RFC 5155 7.2.7 without opt-out: the NSEC3 of the delegation shows NS and no DS.</summary>
    public void NoDs(byte[] cut) => Add(cut);

    private void Add(byte[] name)
    {
        var (owner, rdata) = chain.For(name, out _);
        if (!_sets.Any(s => s.Owner.AsSpan().SequenceEqual(owner)))
            _sets.Add(new RrSet(owner, (ushort)RecordType.NSEC3, zone.NegativeTtl, [rdata]));
    }

    private byte[] ClosestEncloser(byte[] name)
    {
        ReadOnlySpan<byte> encloser = name;
        while (encloser.Length > zone.Origin.Length && zone.Find(encloser) is null)
            encloser = DnsName.Parent(encloser);
        return encloser.ToArray();
    }

    /// <summary>RFC 5155 1.3: the ancestor of the name one label longer than its closest encloser.</summary>
    private static byte[] NextCloser(byte[] name, byte[] encloser)
    {
        ReadOnlySpan<byte> next = name;
        while (DnsName.Parent(next).Length > encloser.Length)
            next = DnsName.Parent(next);
        return next.ToArray();
    }
}
