using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>
/// Validates a resolved answer (RFC 4035 5): every RRset of the answer section with the keys of its
/// signer's zone (wildcard expansions with the proof that the name itself does not exist), and a
/// negative answer with its NSEC/NSEC3 proof; unsigned data with a proof that its zone is insecure.
/// The answer comes back marked secure, insecure or bogus (with the extended error), its TTLs capped
/// by the signatures and, when bogus, by <see cref="ResolverOptions.DnssecBogusTtl"/>.
/// </summary>
public sealed class DnssecValidator
{
    private readonly TrustAnchors _anchors;
    private readonly ChainOfTrust _chain;
    private readonly RecordSetVerifier _verifier;
    private readonly ResolverOptions _options;

    private readonly ResolverClock _clock;

    public DnssecValidator(ResolverOptions options, TrustAnchors anchors, DnssecFetch fetch, TimeProvider? time = null, ResolverClock? clock = null)
    {
        _clock = clock ?? new ResolverClock(time ?? TimeProvider.System);
        _options = options;
        _anchors = anchors;
        _verifier = new RecordSetVerifier(time ?? TimeProvider.System, (uint)options.DnssecClockSkewSeconds);
        _chain = new ChainOfTrust(anchors, fetch, _verifier, options, _clock);
    }

    /// <summary>Validated NSEC spans for answering NXDOMAIN without asking (RFC 8198).</summary>
    public AggressiveNsecCache Aggressive { get; } = new();

    /// <summary>Forgets every validated key and delegation.</summary>
    public void Flush()
    {
        _chain.Flush();
        Aggressive.Flush();
    }

    public async Task<CachedAnswer> ValidateAsync(byte[] qname, ushort qtype, CachedAnswer answer, CancellationToken cancel)
    {
        ValidationResult result;
        try
        {
            result = await CheckAsync(qname, qtype, answer, cancel);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        return answer.WithSecurity(result, (uint)_options.DnssecBogusTtl);
    }

    private async Task<ValidationResult> CheckAsync(byte[] qname, ushort qtype, CachedAnswer answer, CancellationToken cancel)
    {
        if (_anchors.IsNegative(qname) || _anchors.Closest(qname) is null)
            return ValidationResult.Insecure;
        var records = ChainOfTrust.Records(answer);
        var answerSets = ResourceRecordSet.Group(records, DnsSection.Answer);
        var authoritySets = ResourceRecordSet.Group(records, DnsSection.Authority);
        bool insecure = false;
        uint cap = uint.MaxValue;
        foreach (var set in answerSets)
        {
            var result = await CheckSetAsync(set, authoritySets, cancel);
            if (result.Status == DnssecStatus.Bogus)
                return result;
            insecure |= result.Status == DnssecStatus.Insecure;
            cap = Math.Min(cap, result.TtlCap);
        }
        var end = ChainEnd(qname, answerSets);
        bool negative = answer.ResponseCode == ResponseCode.NXDomain
            || !answerSets.Any(s => DnsName.EqualsIgnoreCase(s.Owner, end) && (s.Type == qtype || qtype == (ushort)RecordType.ANY));
        if (negative)
        {
            var result = await CheckDenialAsync(end, qtype, answer.ResponseCode == ResponseCode.NXDomain, authoritySets, cancel);
            if (result.Status == DnssecStatus.Bogus)
                return result;
            insecure |= result.Status == DnssecStatus.Insecure;
            cap = Math.Min(cap, result.TtlCap);
        }
        return insecure ? ValidationResult.Insecure : new ValidationResult(DnssecStatus.Secure, 0, cap);
    }

    /// <summary>One RRset of the answer: signed by a secure zone, or unsigned in an insecure one.</summary>
    private async Task<ValidationResult> CheckSetAsync(ResourceRecordSet set, List<ResourceRecordSet> authority, CancellationToken cancel)
    {
        var signer = set.Signer();
        if (signer is null)
        {
            var enclosing = await _chain.TrustAtAsync(set.Owner, cancel);
            return enclosing.Status switch
            {
                DnssecStatus.Secure => ValidationResult.Bogus(ExtendedDnsError.RrsigsMissing),
                DnssecStatus.Bogus => ValidationResult.Bogus(enclosing.ExtendedError),
                _ => ValidationResult.Insecure,
            };
        }
        var trust = await _chain.TrustAtAsync(signer, cancel);
        if (trust.Status != DnssecStatus.Secure)
            return trust.Status == DnssecStatus.Bogus ? ValidationResult.Bogus(trust.ExtendedError) : ValidationResult.Insecure;
        if (!DnsName.EqualsIgnoreCase(trust.Zone, signer))
            return ValidationResult.Bogus(ExtendedDnsError.DnssecBogus); // the signer is not a zone apex
        var check = _verifier.Verify(set, trust);
        if (check.Status != DnssecStatus.Secure)
            return check;
        int labels = RecordSetVerifier.SignatureLabels(set);
        int ownerLabels = DnsName.LabelCount(set.Owner);
        if (labels >= 0 && labels < ownerLabels && !DnsName.IsWildcard(set.Owner))
        {
            // RFC 4035 5.3.4: an expanded wildcard; the name itself must be proven absent.
            var denial = Proofs(trust, authority, out var bad);
            if (bad is { } failed)
                return failed;
            var proof = denial.ProveWildcardExpansion(set.Owner, labels);
            if (proof == Denial.Unproven)
                return ValidationResult.Bogus(ExtendedDnsError.NsecMissing);
            if (proof == Denial.Insecure)
                return ValidationResult.Insecure;
        }
        return check;
    }

    /// <summary>NXDOMAIN or NODATA for <paramref name="name"/>: the SOA and the NSEC/NSEC3 proof from a secure zone, or an insecure zone.</summary>
    private async Task<ValidationResult> CheckDenialAsync(byte[] name, ushort qtype, bool nxdomain, List<ResourceRecordSet> authority, CancellationToken cancel)
    {
        var signed = authority.Where(s => s.Type is (ushort)RecordType.SOA or (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3).ToList();
        var signer = signed.Select(s => s.Signer()).FirstOrDefault(s => s is not null);
        if (signer is null)
        {
            var enclosing = await _chain.TrustAtAsync(name, cancel);
            return enclosing.Status switch
            {
                DnssecStatus.Secure => ValidationResult.Bogus(signed.Count == 0 ? ExtendedDnsError.NsecMissing : ExtendedDnsError.RrsigsMissing),
                DnssecStatus.Bogus => ValidationResult.Bogus(enclosing.ExtendedError),
                _ => ValidationResult.Insecure,
            };
        }
        if (!DnsName.IsSubdomainOf(name, signer))
            return ValidationResult.Bogus(ExtendedDnsError.DnssecBogus);
        var trust = await _chain.TrustAtAsync(signer, cancel);
        if (trust.Status != DnssecStatus.Secure)
            return trust.Status == DnssecStatus.Bogus ? ValidationResult.Bogus(trust.ExtendedError) : ValidationResult.Insecure;
        uint cap = uint.MaxValue;
        foreach (var set in signed.Where(s => s.Type == (ushort)RecordType.SOA))
        {
            var check = _verifier.Verify(set, trust);
            if (check.Status != DnssecStatus.Secure)
                return check;
            cap = Math.Min(cap, check.TtlCap);
        }
        var denial = Proofs(trust, authority, out var bad);
        if (bad is { } failed)
            return failed;
        var proven = denial.Prove(name, qtype, nxdomain);
        if (proven is Denial.NxDomain or Denial.NoData && authority.Any(s => s.Type is (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3))
            Aggressive.Learn(trust.Zone, authority.Where(s => s.Type is (ushort)RecordType.SOA or (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3), _clock.Now);
        return proven switch
        {
            Denial.NxDomain when nxdomain => new ValidationResult(DnssecStatus.Secure, 0, cap),
            Denial.NoData when !nxdomain => new ValidationResult(DnssecStatus.Secure, 0, cap),
            Denial.Insecure => ValidationResult.Insecure,
            _ => ValidationResult.Bogus(ExtendedDnsError.NsecMissing),
        };
    }

    /// <summary>The authority's NSEC and NSEC3 sets, each checked with the zone's keys.</summary>
    private DenialOfExistence Proofs(ZoneTrust trust, List<ResourceRecordSet> authority, out ValidationResult? failure)
    {
        failure = null;
        var proofs = authority.Where(s => s.Type is (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3).ToList();
        foreach (var proof in proofs)
        {
            var check = _verifier.Verify(proof, trust);
            if (check.Status != DnssecStatus.Secure)
            {
                failure = check;
                break;
            }
        }
        return new DenialOfExistence(trust.Zone, proofs);
    }

    /// <summary>Where the CNAME chain from <paramref name="qname"/> in the answer section ends.</summary>
    private static byte[] ChainEnd(byte[] qname, List<ResourceRecordSet> answer)
    {
        var name = qname;
        for (int i = 0; i < 16; i++)
        {
            var cname = answer.FirstOrDefault(s => s.Type == (ushort)RecordType.CNAME && DnsName.EqualsIgnoreCase(s.Owner, name));
            if (cname is null || cname.RDatas.Count == 0)
                break;
            name = cname.RDatas[0].ToArray();
            DnsName.ToLower(name, name);
        }
        return name;
    }
}
