using System.Buffers.Binary;

namespace DnsHost.Protocol;

/// <summary>
/// Extended DNS Errors (RFC 8914): an EDNS option (code 15) carrying an INFO-CODE and an optional
/// UTF-8 EXTRA-TEXT that says why a response is what it is. Encoded into the caller's span, without allocating.
/// </summary>
public static class ExtendedDnsError
{
    /// <summary>RFC 8914 4.2: the zone's DNSKEY algorithms are not supported (the data is treated as insecure).</summary>
    public const ushort UnsupportedDnskeyAlgorithm = 1;
    /// <summary>RFC 8914 4.3: the DS digest types are not supported.</summary>
    public const ushort UnsupportedDsDigestType = 2;
    /// <summary>RFC 8914 4.7: DNSSEC validation failed for a reason no other code names.</summary>
    public const ushort DnssecBogus = 6;
    /// <summary>RFC 8914 4.8: the only signatures have expired.</summary>
    public const ushort SignatureExpired = 7;
    /// <summary>RFC 8914 4.9: the only signatures are not valid yet.</summary>
    public const ushort SignatureNotYetValid = 8;
    /// <summary>RFC 8914 4.10: no DNSKEY matches the DS of the chain of trust.</summary>
    public const ushort DnskeyMissing = 9;
    /// <summary>RFC 8914 4.11: data of a signed zone came without signatures.</summary>
    public const ushort RrsigsMissing = 10;
    /// <summary>RFC 8914 4.12: the matching DNSKEY has no Zone Key bit.</summary>
    public const ushort NoZoneKeyBitSet = 11;
    /// <summary>RFC 8914 4.13: a negative answer of a signed zone lacks its NSEC/NSEC3 proof.</summary>
    public const ushort NsecMissing = 12;
    /// <summary>RFC 8914 4.21: the server is not authoritative for the name and does not recurse for this client.</summary>
    public const ushort NotAuthoritative = 20;
    /// <summary>RFC 8914 4.19: the operation or query is forbidden by policy (an access list).</summary>
    public const ushort Prohibited = 18;
    /// <summary>RFC 8914 4.22: the requested operation or query is not supported.</summary>
    public const ushort NotSupported = 21;
    /// <summary>RFC 8914 4.25: the server cannot answer from the zone's data (a secondary zone not yet transferred, or expired).</summary>
    public const ushort InvalidData = 24;

    /// <summary>OPTION-CODE, OPTION-LENGTH and INFO-CODE: the size of the option without EXTRA-TEXT.</summary>
    public const int FixedSize = 6;

    /// <summary>Bytes the option takes with this much EXTRA-TEXT.</summary>
    public static int Size(int extraTextLength) => FixedSize + extraTextLength;

    /// <summary>
    /// Writes the whole option (code, length, INFO-CODE, EXTRA-TEXT) at the start of <paramref name="destination"/>.
    /// Returns false, writing nothing, when it does not fit or the text would overflow OPTION-LENGTH.
    /// </summary>
    /// <param name="extraText">UTF-8 text for humans, not NUL-terminated (RFC 8914 2); may be empty.</param>
    public static bool TryWrite(Span<byte> destination, ushort infoCode, scoped ReadOnlySpan<byte> extraText, out int written)
    {
        written = 0;
        if (extraText.Length > ushort.MaxValue - 2 || destination.Length < FixedSize + extraText.Length)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, EdnsOption.ExtendedDnsError);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(2 + extraText.Length));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], infoCode);
        extraText.CopyTo(destination[FixedSize..]);
        written = FixedSize + extraText.Length;
        return true;
    }
}
