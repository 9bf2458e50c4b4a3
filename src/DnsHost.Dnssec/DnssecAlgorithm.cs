namespace DnsHost.Dnssec;

/// <summary>DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers") and what this code can check.</summary>
public static class DnssecAlgorithm
{
    public const byte RsaSha1 = 5;
    public const byte RsaSha1Nsec3Sha1 = 7;
    public const byte RsaSha256 = 8;     // RFC 5702
    public const byte RsaSha512 = 10;    // RFC 5702
    public const byte EcdsaP256Sha256 = 13; // RFC 6605
    public const byte EcdsaP384Sha384 = 14; // RFC 6605
    public const byte Ed25519 = 15;      // RFC 8080
    public const byte Ed448 = 16;        // RFC 8080

    /// <summary>
    /// True for the algorithms whose signatures this code verifies. RFC 8624 3.1: RSASHA1 (5, 7) is
    /// still to be validated; DSA, RSAMD5 and GOST are not (their zones are treated as insecure, RFC 4035 5.2).
    /// </summary>
    public static bool IsSupported(byte algorithm) =>
        algorithm is RsaSha1 or RsaSha1Nsec3Sha1 or RsaSha256 or RsaSha512 or EcdsaP256Sha256 or EcdsaP384Sha384 or Ed25519 or Ed448;
}

/// <summary>DS digest types (IANA "Delegation Signer (DS) Resource Record (RR) Type Digest Algorithms").</summary>
public static class DsDigestType
{
    public const byte Sha1 = 1;   // RFC 4034 5.1.4
    public const byte Sha256 = 2; // RFC 4509
    public const byte Sha384 = 4; // RFC 6605

    public static bool IsSupported(byte digestType) => digestType is Sha1 or Sha256 or Sha384;

    public static int Length(byte digestType) => digestType switch { Sha1 => 20, Sha256 => 32, Sha384 => 48, _ => -1 };
}
