using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DnsHost.Dnssec;

/// <summary>
/// Checks a signature with a DNSKEY's public key: RSA (RFC 3110, RFC 5702) and ECDSA (RFC 6605) with
/// the platform's cryptography, Ed25519 and Ed448 (RFC 8080) with BouncyCastle, which the platform lacks.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>True when <paramref name="signature"/> is a valid signature over <paramref name="data"/>; false for a bad key, a bad signature or an algorithm not supported.</summary>
    public static bool Verify(byte algorithm, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            switch (algorithm)
            {
                case DnssecAlgorithm.RsaSha1:
                case DnssecAlgorithm.RsaSha1Nsec3Sha1:
                    return VerifyRsa(publicKey, data, signature, HashAlgorithmName.SHA1);
                case DnssecAlgorithm.RsaSha256:
                    return VerifyRsa(publicKey, data, signature, HashAlgorithmName.SHA256);
                case DnssecAlgorithm.RsaSha512:
                    return VerifyRsa(publicKey, data, signature, HashAlgorithmName.SHA512);
                case DnssecAlgorithm.EcdsaP256Sha256:
                    return VerifyEcdsa(publicKey, data, signature, ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32);
                case DnssecAlgorithm.EcdsaP384Sha384:
                    return VerifyEcdsa(publicKey, data, signature, ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48);
                case DnssecAlgorithm.Ed25519:
                    return publicKey.Length == Ed25519.PublicKeySize && signature.Length == Ed25519.SignatureSize
                        && Ed25519.Verify(signature.ToArray(), 0, publicKey.ToArray(), 0, data.ToArray(), 0, data.Length);
                case DnssecAlgorithm.Ed448:
                    return publicKey.Length == Ed448.PublicKeySize && signature.Length == Ed448.SignatureSize
                        && Ed448.Verify(signature.ToArray(), 0, publicKey.ToArray(), 0, [], data.ToArray(), 0, data.Length);
                default:
                    return false;
            }
        }
        catch (CryptographicException)
        {
            // A key that is not a valid point or modulus: the signature does not check out.
            return false;
        }
    }

    private static bool VerifyRsa(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash)
    {
        // RFC 3110 2: exponent length in one octet, or zero and then two octets; the exponent; the modulus.
        if (key.Length < 3)
            return false;
        int exponentLength = key[0], offset = 1;
        if (exponentLength == 0)
        {
            exponentLength = (key[1] << 8) | key[2];
            offset = 3;
        }
        if (exponentLength == 0 || key.Length - offset <= exponentLength)
            return false;
        var parameters = new RSAParameters
        {
            Exponent = key.Slice(offset, exponentLength).ToArray(),
            Modulus = key[(offset + exponentLength)..].ToArray(),
        };
        // RFC 3110 and RFC 5702 allow 512 to 4096 bits; OpenSSL refuses some small keys, which then fail.
        using var rsa = RSA.Create();
        rsa.ImportParameters(parameters);
        return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
    }

    private static bool VerifyEcdsa(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, ECCurve curve, HashAlgorithmName hash, int size)
    {
        // RFC 6605 4: the key is Q as x | y, the signature r | s, each exactly the field size.
        if (key.Length != 2 * size || signature.Length != 2 * size)
            return false;
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = key[..size].ToArray(), Y = key[size..].ToArray() },
        });
        return ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
