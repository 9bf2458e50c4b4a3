using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// One zone key that signs: a combined signing key (CSK, flags 257: zone key and SEP) by default.
/// ECDSA P-256/SHA-256 (algorithm 13, RFC 6605) uses the platform; Ed25519 (15, RFC 8080) uses
/// BouncyCastle, as .NET has no Ed25519. The private key never leaves this type except encrypted
/// (<see cref="KeyStore"/>), and <see cref="ToString"/> names only the public parts.
/// </summary>
public sealed class SigningKey : IDisposable
{
    public const ushort ZoneKeyFlag = 0x0100;
    public const ushort SepFlag = 0x0001;
    public const ushort CskFlags = ZoneKeyFlag | SepFlag;

    private readonly ECDsa? _ecdsa;
    private readonly Ed25519PrivateKeyParameters? _ed25519;

    private SigningKey(byte algorithm, ushort flags, byte[] publicKey, ECDsa? ecdsa, Ed25519PrivateKeyParameters? ed25519)
    {
        Algorithm = algorithm;
        Flags = flags;
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
        DnskeyRData = new byte[4 + publicKey.Length];
        BinaryPrimitives.WriteUInt16BigEndian(DnskeyRData, flags);
        DnskeyRData[2] = 3; // RFC 4034 2.1.2: protocol is always 3
        DnskeyRData[3] = algorithm;
        publicKey.CopyTo(DnskeyRData, 4);
        KeyTag = Dnssec.KeyTag.Compute(DnskeyRData);
    }

    public byte Algorithm { get; }
    public ushort Flags { get; }
    public ushort KeyTag { get; }

    /// <summary>The DNSKEY RDATA of this key (RFC 4034 2.1).</summary>
    public byte[] DnskeyRData { get; }

    /// <summary>A new key of <paramref name="algorithm"/> (13 or 15).</summary>
    public static SigningKey Generate(byte algorithm, ushort flags = CskFlags) => algorithm switch
    {
        DnssecAlgorithm.EcdsaP256Sha256 => FromEcdsa(ECDsa.Create(ECCurve.NamedCurves.nistP256), flags),
        DnssecAlgorithm.Ed25519 => FromEd25519(new Ed25519PrivateKeyParameters(new SecureRandom()), flags),
        _ => throw new ArgumentException($"algorithm {algorithm} cannot sign here; use 13 (ECDSAP256SHA256) or 15 (ED25519)", nameof(algorithm)),
    };

    /// <summary>A key from its private part as <see cref="ExportPrivate"/> wrote it.</summary>
    public static SigningKey Import(byte algorithm, ushort flags, ReadOnlySpan<byte> privateKey)
    {
        switch (algorithm)
        {
            case DnssecAlgorithm.EcdsaP256Sha256:
                var ecdsa = ECDsa.Create();
                ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
                return FromEcdsa(ecdsa, flags);
            case DnssecAlgorithm.Ed25519:
                return FromEd25519(new Ed25519PrivateKeyParameters(privateKey.ToArray()), flags);
            default:
                throw new ArgumentException($"algorithm {algorithm} cannot sign here", nameof(algorithm));
        }
    }

    /// <summary>The private key (PKCS#8 for ECDSA, the 32-byte seed for Ed25519), for <see cref="KeyStore"/> to encrypt.</summary>
    public byte[] ExportPrivate() => _ecdsa is not null ? _ecdsa.ExportPkcs8PrivateKey() : _ed25519!.GetEncoded();

    private static SigningKey FromEcdsa(ECDsa ecdsa, ushort flags)
    {
        var parameters = ecdsa.ExportParameters(false);
        // RFC 6605 4: the public key is Q's X and Y, 32 octets each.
        byte[] publicKey = [.. parameters.Q.X!, .. parameters.Q.Y!];
        return new SigningKey(DnssecAlgorithm.EcdsaP256Sha256, flags, publicKey, ecdsa, null);
    }

    private static SigningKey FromEd25519(Ed25519PrivateKeyParameters key, ushort flags) =>
        new(DnssecAlgorithm.Ed25519, flags, key.GeneratePublicKey().GetEncoded(), null, key);

    /// <summary>The signature over <paramref name="data"/> in DNSSEC's format (RFC 6605 4: r then s; RFC 8080 3).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (_ecdsa is not null)
            return _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signer = new Ed25519Signer();
        signer.Init(true, _ed25519);
        var bytes = data.ToArray();
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return signer.GenerateSignature();
    }

    public override string ToString() => $"DNSKEY {Flags} 3 {Algorithm} (key tag {KeyTag})";

    public void Dispose() => _ecdsa?.Dispose();
}
