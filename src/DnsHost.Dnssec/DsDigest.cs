using System.Security.Cryptography;

namespace DnsHost.Dnssec;

/// <summary>DS digests (RFC 4034 5.1.4, RFC 4509, RFC 6605): digest(canonical owner name | DNSKEY RDATA).</summary>
public static class DsDigest
{
    /// <summary>Writes the digest of <paramref name="dnskeyRData"/> owned by <paramref name="owner"/>; -1 for an unknown digest type.</summary>
    public static int Compute(byte digestType, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> dnskeyRData, Span<byte> destination)
    {
        int length = DsDigestType.Length(digestType);
        if (length < 0 || destination.Length < length)
            return -1;
        Span<byte> input = stackalloc byte[owner.Length + dnskeyRData.Length];
        CanonicalName.ToLower(owner, input);
        dnskeyRData.CopyTo(input[owner.Length..]);
        return digestType switch
        {
            DsDigestType.Sha1 => SHA1.HashData(input, destination),
            DsDigestType.Sha256 => SHA256.HashData(input, destination),
            DsDigestType.Sha384 => SHA384.HashData(input, destination),
            _ => -1,
        };
    }

    /// <summary>Whether the DS record matches the DNSKEY (RFC 4035 5.2): key tag, algorithm and digest.</summary>
    public static bool Matches(ReadOnlySpan<byte> dsRData, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> dnskeyRData)
    {
        if (!DsRecord.TryRead(dsRData, out var ds) || !DnskeyRecord.TryRead(dnskeyRData, out var key))
            return false;
        if (ds.Algorithm != key.Algorithm || ds.KeyTag != KeyTag.Compute(dnskeyRData))
            return false;
        Span<byte> digest = stackalloc byte[64];
        int length = Compute(ds.DigestType, owner, dnskeyRData, digest);
        return length > 0 && ds.Digest.Length == length && CryptographicOperations.FixedTimeEquals(digest[..length], ds.Digest);
    }
}
