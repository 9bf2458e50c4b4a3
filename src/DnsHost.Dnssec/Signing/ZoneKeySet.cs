using System.Buffers.Binary;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// The keys a zone signs and publishes at one moment: the key-signing key that signs the apex's
/// DNSKEY, CDS and CDNSKEY RRsets, the zone-signing key that signs everything else, the DNSKEY
/// RRset (which, during a rollover, holds keys that do not sign yet or any more), and the keys the
/// parent's DS should point at, served as CDS and CDNSKEY (RFC 7344).
/// </summary>
/// <remarks>
/// Pre-publication (ZSK) and double-DS (KSK) rollovers (RFC 6781 4.1.1.1, 4.1.2) never need two
/// keys of one role to sign at once, so every RRset has exactly one RRSIG.
/// </remarks>
public sealed class ZoneKeySet
{
    public ZoneKeySet(SigningKey keySigningKey, SigningKey zoneSigningKey, IReadOnlyList<byte[]> dnskeys, IReadOnlyList<byte[]> parentDnskeys)
    {
        KeySigningKey = keySigningKey;
        KeySigningKeys = [keySigningKey];
        ZoneSigningKey = zoneSigningKey;
        Dnskeys = dnskeys;
        ParentDnskeys = parentDnskeys;
    }

    private ZoneKeySet(IReadOnlyList<SigningKey> keySigningKeys, SigningKey zoneSigningKey, IReadOnlyList<byte[]> otherZoneKeys)
    {
        KeySigningKey = keySigningKeys[0];
        KeySigningKeys = [.. keySigningKeys];
        ZoneSigningKey = zoneSigningKey;
        ParentDnskeys = [.. keySigningKeys.Select(k => k.DnskeyRData)];
        Dnskeys = keySigningKeys.Contains(zoneSigningKey) ? [.. otherZoneKeys, .. ParentDnskeys] : [zoneSigningKey.DnskeyRData, .. otherZoneKeys, .. ParentDnskeys];
    }

    /// <summary>
    /// Several key-signing keys that all sign the apex key sets (a Route 53 zone's active KSKs, RFC 6781
    /// 4.1.2's double-signature), and one zone-signing key; every KSK is published and pointed at by CDS.
    /// </summary>
    /// <param name="otherZoneKeys">DNSKEY RDATA of zone-signing keys published beside the one that signs: during a ZSK
    /// pre-publication rollover (RFC 6781 4.1.1.1), the next key before it signs and the retired one after.</param>
    public static ZoneKeySet WithKeySigningKeys(IReadOnlyList<SigningKey> keySigningKeys, SigningKey zoneSigningKey, IReadOnlyList<byte[]>? otherZoneKeys = null) =>
        keySigningKeys.Count == 0 ? throw new ArgumentException("at least one key-signing key", nameof(keySigningKeys)) : new(keySigningKeys, zoneSigningKey, otherZoneKeys ?? []);

    /// <summary>One combined signing key (CSK): it signs everything and is the only key published.</summary>
    public ZoneKeySet(SigningKey csk) : this(csk, csk, [csk.DnskeyRData], [csk.DnskeyRData])
    {
    }

    public SigningKey KeySigningKey { get; }

    /// <summary>Every key that signs the apex key sets: <see cref="KeySigningKey"/> alone, or an API zone's active KSKs.</summary>
    public IReadOnlyList<SigningKey> KeySigningKeys { get; }
    public SigningKey ZoneSigningKey { get; }

    /// <summary>The DNSKEY RRset's RDATA: every key published at the apex.</summary>
    public IReadOnlyList<byte[]> Dnskeys { get; }

    /// <summary>The DNSKEY RDATA of the keys the parent's DS RRset should match (the CDS and CDNSKEY RRsets).</summary>
    public IReadOnlyList<byte[]> ParentDnskeys { get; }

    /// <summary>The DS RDATA (digest type 2, SHA-256) of the key <paramref name="dnskey"/> (DNSKEY RDATA) under <paramref name="origin"/>.</summary>
    public static byte[] Ds(ReadOnlySpan<byte> origin, byte[] dnskey)
    {
        var ds = new byte[4 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(ds, KeyTag.Compute(dnskey));
        ds[2] = dnskey[3];
        ds[3] = DsDigestType.Sha256;
        DsDigest.Compute(DsDigestType.Sha256, origin, dnskey, ds.AsSpan(4));
        return ds;
    }
}
