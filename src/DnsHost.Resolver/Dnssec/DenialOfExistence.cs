using System.Buffers.Binary;
using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>What a set of validated NSEC or NSEC3 records proves about a name.</summary>
internal enum Denial : byte
{
    /// <summary>Nothing that answers the question: the answer is bogus.</summary>
    Unproven,
    /// <summary>The name does not exist, nor a wildcard that could have matched it.</summary>
    NxDomain,
    /// <summary>The name (or the wildcard that matched it) exists without the type.</summary>
    NoData,
    /// <summary>RFC 5155 6 / RFC 9276: opt-out or too many iterations; the answer stands, but insecure.</summary>
    Insecure,
}

/// <summary>Where a DS query for a name below a secure zone leaves the chain of trust.</summary>
internal enum DelegationProof : byte
{
    Unproven,
    /// <summary>The name is a delegation without DS (RFC 4035 5.2), or is covered by an opt-out span (RFC 5155 8.6).</summary>
    Insecure,
    /// <summary>The name exists in the parent zone and is not a cut.</summary>
    NotACut,
    /// <summary>The name does not exist: no cut at or below it.</summary>
    NoName,
}

/// <summary>
/// Proofs of non-existence with NSEC (RFC 4035 5.4, RFC 4592 for wildcards) and NSEC3 (RFC 5155 8,
/// with RFC 9276's iteration limit), over records already validated with the zone's keys.
/// </summary>
internal sealed class DenialOfExistence
{
    /// <summary>RFC 9276 3.2: above this many iterations an NSEC3 proof is treated as insecure (Unbound's limit too).</summary>
    public const int MaxIterations = 150;

    private readonly byte[] _zone;
    private readonly List<(byte[] Owner, byte[] Next, byte[] Types)> _nsec = [];
    private readonly List<Nsec3> _nsec3 = [];

    private sealed record Nsec3(byte[] OwnerHash, byte[] NextHash, byte Algorithm, bool OptOut, int Iterations, byte[] Salt, byte[] Types);

    public DenialOfExistence(byte[] zone, IEnumerable<ResourceRecordSet> validated)
    {
        _zone = zone;
        foreach (var set in validated)
        {
            foreach (var rdata in set.RDatas)
            {
                if (set.Type == (ushort)RecordType.NSEC && DnsName.IsSubdomainOf(set.Owner, zone))
                {
                    int end = RecordTypeInfo.NameEnd(rdata, 0);
                    if (end > 0)
                        _nsec.Add((set.Owner, rdata[..end], rdata[end..]));
                }
                else if (set.Type == (ushort)RecordType.NSEC3 && TryReadNsec3(set.Owner, rdata, out var nsec3))
                    _nsec3.Add(nsec3);
            }
        }
    }

    private bool TryReadNsec3(byte[] owner, byte[] rdata, out Nsec3 nsec3)
    {
        nsec3 = null!;
        // The owner is <base32hex hash>.<zone> (RFC 5155 3).
        if (owner.Length < 2 || !DnsName.EqualsIgnoreCase(DnsName.Parent(owner), _zone) || rdata.Length < 6)
            return false;
        Span<byte> hash = stackalloc byte[64];
        int hashLength = Nsec3Hash.FromBase32Hex(owner.AsSpan(1, owner[0]), hash);
        int saltLength = rdata[4];
        if (hashLength <= 0 || rdata.Length < 6 + saltLength)
            return false;
        int nextLength = rdata[5 + saltLength];
        int typesAt = 6 + saltLength + nextLength;
        if (rdata.Length < typesAt || nextLength != hashLength)
            return false;
        nsec3 = new Nsec3(hash[..hashLength].ToArray(), rdata[(6 + saltLength)..typesAt], rdata[0], (rdata[1] & 1) != 0,
            BinaryPrimitives.ReadUInt16BigEndian(rdata.AsSpan(2)), rdata.AsSpan(5, saltLength).ToArray(), rdata[typesAt..]);
        return true;
    }

    /// <summary>The answer to a question that got NXDOMAIN (<paramref name="nxdomain"/>) or NODATA for <paramref name="name"/>.</summary>
    public Denial Prove(byte[] name, ushort qtype, bool nxdomain)
    {
        if (_nsec3.Count > 0)
            return ProveNsec3(name, qtype, nxdomain);
        return ProveNsec(name, qtype, nxdomain);
    }

    private Denial ProveNsec(byte[] name, ushort qtype, bool nxdomain)
    {
        if (!nxdomain && MatchingNsec(name) is { } match)
            return NoDataAt(match.Types, qtype, name) ? Denial.NoData : Denial.Unproven;
        var cover = CoveringNsec(name);
        if (cover is null)
            return Denial.Unproven;
        // RFC 4035 3.1.3.2: an empty non-terminal sits between an NSEC's owner and its next name.
        if (!nxdomain && DnsName.IsSubdomainOf(cover.Value.Next, name))
            return Denial.NoData;
        var encloser = ClosestEncloser(name, cover.Value.Owner, cover.Value.Next);
        var wildcard = Wildcard(encloser);
        if (nxdomain)
            return CoveringNsec(wildcard) is not null || DnsName.EqualsIgnoreCase(wildcard, name) ? Denial.NxDomain : Denial.Unproven;
        // RFC 4035 3.1.3.4: wildcard NODATA: the name is covered and the wildcard exists without the type.
        return MatchingNsec(wildcard) is { } wild && NoDataAt(wild.Types, qtype, wildcard) ? Denial.NoData : Denial.Unproven;
    }

    private Denial ProveNsec3(byte[] name, ushort qtype, bool nxdomain)
    {
        if (_nsec3.Any(n => n.Iterations > MaxIterations || n.Algorithm != Nsec3Hash.Sha1))
            return Denial.Insecure;
        if (!nxdomain && Match(name) is { } match)
            return NoDataAt(match.Types, qtype, name) ? Denial.NoData : Denial.Unproven;
        if (!ClosestEncloserProof(name, out var encloser, out var nextCloserCover))
            return Denial.Unproven;
        // RFC 5155 8.6 and 8.4: an opt-out span over the next closer name may hide an unsigned delegation.
        if (nextCloserCover.OptOut && (qtype == (ushort)RecordType.DS || nxdomain))
            return Denial.Insecure;
        var wildcard = Wildcard(encloser);
        if (nxdomain)
            return Cover(wildcard) is not null ? Denial.NxDomain : Denial.Unproven;
        // RFC 5155 8.7: wildcard NODATA.
        return Match(wildcard) is { } wild && NoDataAt(wild.Types, qtype, wildcard) ? Denial.NoData : Denial.Unproven;
    }

    /// <summary>
    /// RFC 8198 with NSEC3 (RFC 5155 8.4): the owner hashes of the three records that prove
    /// <paramref name="name"/> does not exist (the closest encloser's match, the next closer name's cover,
    /// the wildcard's cover), or null when these records do not prove it. An opt-out span over the next
    /// closer name proves nothing here: an unsigned delegation may hide in it (RFC 8198 forbids synthesising NXDOMAIN from one).
    /// </summary>
    public byte[][]? Nsec3NxDomainProof(byte[] name)
    {
        if (_nsec3.Count == 0 || _nsec3.Any(n => n.Iterations > MaxIterations || n.Algorithm != Nsec3Hash.Sha1))
            return null;
        if (!ClosestEncloserProof(name, out var encloser, out var nextCloserCover) || nextCloserCover.OptOut)
            return null;
        if (Match(encloser) is not { } match || Cover(Wildcard(encloser)) is not { } wildcardCover)
            return null;
        return [match.OwnerHash, nextCloserCover.OwnerHash, wildcardCover.OwnerHash];
    }

    /// <summary>What the proofs say about a DS query for <paramref name="name"/>, a name strictly below the zone.</summary>
    public DelegationProof ProveDelegation(byte[] name, bool nxdomain)
    {
        byte[]? types = null;
        if (_nsec3.Count > 0)
        {
            if (_nsec3.Any(n => n.Iterations > MaxIterations || n.Algorithm != Nsec3Hash.Sha1))
                return DelegationProof.Insecure;
            types = Match(name)?.Types;
            if (types is null)
            {
                if (!ClosestEncloserProof(name, out _, out var cover))
                    return DelegationProof.Unproven;
                return cover.OptOut ? DelegationProof.Insecure : DelegationProof.NoName;
            }
        }
        else
        {
            types = MatchingNsec(name)?.Types;
            if (types is null)
                return CoveringNsec(name) is { } cover
                    ? (nxdomain ? DelegationProof.NoName : DelegationProof.NotACut) : DelegationProof.Unproven;
        }
        // The parent's record at the name: a delegation without DS, or an ordinary name.
        if (NsecTypes.Contains(types, (ushort)RecordType.DS) || NsecTypes.Contains(types, (ushort)RecordType.SOA))
            return DelegationProof.Unproven;
        return NsecTypes.Contains(types, (ushort)RecordType.NS) ? DelegationProof.Insecure : DelegationProof.NotACut;
    }

    /// <summary>
    /// A positive answer synthesised from a wildcard (RRSIG labels below the owner's, RFC 4035 5.3.4):
    /// the next closer name must be proven not to exist.
    /// </summary>
    public Denial ProveWildcardExpansion(byte[] owner, int signatureLabels)
    {
        var nextCloser = owner.AsSpan(DnsName.SuffixOffset(owner, signatureLabels + 1)).ToArray();
        if (_nsec3.Count > 0)
        {
            if (_nsec3.Any(n => n.Iterations > MaxIterations || n.Algorithm != Nsec3Hash.Sha1))
                return Denial.Insecure;
            return Cover(nextCloser) is { } cover ? (cover.OptOut ? Denial.Insecure : Denial.NxDomain) : Denial.Unproven;
        }
        return CoveringNsec(owner) is not null ? Denial.NxDomain : Denial.Unproven;
    }

    private static bool NoDataAt(byte[] types, ushort qtype, byte[] name)
    {
        if (NsecTypes.Contains(types, qtype) || NsecTypes.Contains(types, (ushort)RecordType.CNAME))
            return false;
        bool apex = NsecTypes.Contains(types, (ushort)RecordType.SOA);
        // RFC 4035 5.4 / RFC 6840 4.4: a DS denial must come from the parent, not the child apex (the root has no parent);
        // other types at a delegation point are the child's to deny.
        if (qtype == (ushort)RecordType.DS)
            return !apex || name.Length == 1;
        return apex || !NsecTypes.Contains(types, (ushort)RecordType.NS);
    }

    private (byte[] Owner, byte[] Next, byte[] Types)? MatchingNsec(byte[] name)
    {
        foreach (var n in _nsec)
        {
            if (DnsName.EqualsIgnoreCase(n.Owner, name))
                return n;
        }
        return null;
    }

    private (byte[] Owner, byte[] Next, byte[] Types)? CoveringNsec(byte[] name)
    {
        foreach (var n in _nsec)
        {
            if (CanonicalName.IsCovered(name, n.Owner, n.Next) && DnsName.IsSubdomainOf(name, _zone))
                return n;
        }
        return null;
    }

    /// <summary>RFC 4035 5.4 / RFC 4592: the closest encloser is the longest ancestor the name shares with the covering NSEC's owner or next name.</summary>
    private byte[] ClosestEncloser(byte[] name, byte[] owner, byte[] next)
    {
        var a = CommonAncestor(name, owner);
        var b = CommonAncestor(name, next);
        var longer = a.Length >= b.Length ? a : b;
        return DnsName.IsSubdomainOf(longer, _zone) ? longer : _zone;
    }

    private static byte[] CommonAncestor(byte[] x, byte[] y)
    {
        ReadOnlySpan<byte> candidate = x;
        while (candidate.Length > 1 && !DnsName.IsSubdomainOf(y, candidate))
            candidate = DnsName.Parent(candidate);
        return candidate.ToArray();
    }

    private static byte[] Wildcard(byte[] encloser) => [1, (byte)'*', .. encloser];

    /// <summary>RFC 5155 8.3: the closest encloser matches an NSEC3 and the next closer name is covered by one.</summary>
    private bool ClosestEncloserProof(byte[] name, out byte[] encloser, out Nsec3 nextCloserCover)
    {
        encloser = [];
        nextCloserCover = null!;
        var nextCloser = name;
        ReadOnlySpan<byte> candidate = name;
        while (DnsName.IsSubdomainOf(candidate, _zone))
        {
            var candidateName = candidate.ToArray();
            if (Match(candidateName) is not null)
            {
                if (candidateName.Length == name.Length)
                    return false; // the name itself exists
                encloser = candidateName;
                var cover = Cover(nextCloser);
                if (cover is null)
                    return false;
                nextCloserCover = cover;
                return true;
            }
            if (candidate.Length <= 1)
                break;
            nextCloser = candidateName;
            candidate = DnsName.Parent(candidate);
        }
        return false;
    }

    private Nsec3? Match(byte[] name)
    {
        foreach (var n in _nsec3)
        {
            if (Hash(name, n).AsSpan().SequenceEqual(n.OwnerHash))
                return n;
        }
        return null;
    }

    private Nsec3? Cover(byte[] name)
    {
        foreach (var n in _nsec3)
        {
            var hash = Hash(name, n);
            int afterOwner = hash.AsSpan().SequenceCompareTo(n.OwnerHash);
            int beforeNext = hash.AsSpan().SequenceCompareTo(n.NextHash);
            bool covered = n.OwnerHash.AsSpan().SequenceCompareTo(n.NextHash) < 0
                ? afterOwner > 0 && beforeNext < 0
                : afterOwner > 0 || beforeNext < 0; // the last NSEC3 of the chain wraps round
            if (covered)
                return n;
        }
        return null;
    }

    private readonly Dictionary<string, byte[]> _hashes = [];

    private byte[] Hash(byte[] name, Nsec3 parameters)
    {
        string key = Convert.ToHexString(name) + "/" + Convert.ToHexString(parameters.Salt) + "/" + parameters.Iterations;
        if (_hashes.TryGetValue(key, out var hash))
            return hash;
        hash = new byte[Nsec3Hash.Length];
        Nsec3Hash.TryCompute(Nsec3Hash.Sha1, name, parameters.Salt, parameters.Iterations, hash);
        return _hashes[key] = hash;
    }
}
