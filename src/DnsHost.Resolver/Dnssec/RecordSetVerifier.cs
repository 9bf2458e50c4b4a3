using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>
/// Checks an RRset's signatures with a secure zone's keys (RFC 4035 5.3): the RRSIG must cover the
/// type, name the zone as signer, not claim more labels than the owner has, be inside its validity
/// window (with a small allowed skew, against the clock given) and verify with a key of that tag and algorithm.
/// </summary>
internal sealed class RecordSetVerifier(TimeProvider time, uint skewSeconds)
{
    private const int MaxKeys = 10_000;
    // Keyed by the DNSKEY's RDATA bytes: no hex string per verification.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], DnssecPublicKey?> _keys = new(DnsHost.Dnssec.Signing.ByteKeyComparer.Instance);

    /// <summary>The DNSKEY's key imported once (importing costs more than verifying); null when unusable.</summary>
    private DnssecPublicKey? Key(byte[] dnskeyRData)
    {
        if (_keys.TryGetValue(dnskeyRData, out var key))
            return key;
        if (_keys.Count >= MaxKeys)
            _keys.Clear(); // keys still in use are imported again; none are disposed under a reader
        return _keys.GetOrAdd(dnskeyRData, rdata => DnssecPublicKey.TryCreate(rdata));
    }

    public ValidationResult Verify(ResourceRecordSet set, ZoneTrust trust)
    {
        if (set.Signatures.Count == 0)
            return ValidationResult.Bogus(ExtendedDnsError.RrsigsMissing);
        var now = time.GetUtcNow();
        ushort failure = ExtendedDnsError.RrsigsMissing;
        int ownerLabels = DnsName.LabelCount(set.Owner) - (DnsName.IsWildcard(set.Owner) ? 1 : 0);
        foreach (var signature in set.Signatures)
        {
            if (!RrsigRecord.TryRead(signature, out var rrsig) || rrsig.TypeCovered != set.Type
                || !DnsName.EqualsIgnoreCase(rrsig.SignerName, trust.Zone) || rrsig.Labels > ownerLabels)
            {
                failure = Worse(failure, ExtendedDnsError.DnssecBogus);
                continue;
            }
            if (!DnssecAlgorithm.IsSupported(rrsig.Algorithm))
            {
                failure = Worse(failure, ExtendedDnsError.UnsupportedDnskeyAlgorithm);
                continue;
            }
            var window = rrsig.CheckTime(now, skewSeconds);
            if (window != SignatureTime.Valid)
            {
                failure = Worse(failure, window == SignatureTime.Expired ? ExtendedDnsError.SignatureExpired : ExtendedDnsError.SignatureNotYetValid);
                continue;
            }
            byte[]? data = null;
            foreach (var key in trust.Keys)
            {
                if (!DnskeyRecord.TryRead(key, out var dnskey) || dnskey.Algorithm != rrsig.Algorithm || KeyTag.Compute(key) != rrsig.KeyTag)
                    continue;
                data ??= SignedData.Build(rrsig.SignedPart, rrsig.Labels, rrsig.OriginalTtl, set.Owner, set.Type, RecordClass.IN, set.RDatas);
                if (data is not null && Key(key)?.Verify(data, rrsig.Signature) == true)
                {
                    // RFC 4035 5.3.3: the data lives no longer than the original TTL and the signature.
                    uint cap = Math.Min(rrsig.OriginalTtl, SignatureWindow.SecondsLeft(rrsig.Expiration, now));
                    return new ValidationResult(DnssecStatus.Secure, 0, cap);
                }
            }
            failure = Worse(failure, data is null ? ExtendedDnsError.DnskeyMissing : ExtendedDnsError.DnssecBogus);
        }
        return ValidationResult.Bogus(failure);
    }

    /// <summary>The labels an RRSIG of the set claims, for spotting wildcard expansions.</summary>
    public static int SignatureLabels(ResourceRecordSet set)
    {
        foreach (var signature in set.Signatures)
        {
            if (RrsigRecord.TryRead(signature, out var rrsig))
                return rrsig.Labels;
        }
        return -1;
    }

    /// <summary>The most telling reason: a bad signature over a missing one, a time problem over a bad signature.</summary>
    private static ushort Worse(ushort current, ushort next) => Rank(next) > Rank(current) ? next : current;

    private static int Rank(ushort ede) => ede switch
    {
        ExtendedDnsError.RrsigsMissing => 0,
        ExtendedDnsError.UnsupportedDnskeyAlgorithm => 1,
        ExtendedDnsError.DnskeyMissing => 2,
        ExtendedDnsError.DnssecBogus => 3,
        _ => 4,
    };
}
