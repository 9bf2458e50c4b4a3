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
                case DnssecAlgorithm.RsaSha1 or DnssecAlgorithm.RsaSha1Nsec3Sha1 or DnssecAlgorithm.RsaSha256 or DnssecAlgorithm.RsaSha512
                    or DnssecAlgorithm.EcdsaP256Sha256 or DnssecAlgorithm.EcdsaP384Sha384:
                    using (var key = Import(algorithm, publicKey))
                        return key is not null && Verify(algorithm, key, data, signature);
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

    /// <summary>The platform key object for RSA and ECDSA keys (null for the Edwards curves, checked from the raw key); null or an exception for a malformed key.</summary>
    internal static AsymmetricAlgorithm? Import(byte algorithm, ReadOnlySpan<byte> key) => algorithm switch
    {
        DnssecAlgorithm.RsaSha1 or DnssecAlgorithm.RsaSha1Nsec3Sha1 or DnssecAlgorithm.RsaSha256 or DnssecAlgorithm.RsaSha512 => ImportRsa(key),
        DnssecAlgorithm.EcdsaP256Sha256 => ImportEcdsa(key, ECCurve.NamedCurves.nistP256, 32),
        DnssecAlgorithm.EcdsaP384Sha384 => ImportEcdsa(key, ECCurve.NamedCurves.nistP384, 48),
        _ => null,
    };

    /// <summary>Checks a signature with a key imported by <see cref="Import"/>.</summary>
    internal static bool Verify(byte algorithm, AsymmetricAlgorithm key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return algorithm switch
            {
                DnssecAlgorithm.RsaSha1 or DnssecAlgorithm.RsaSha1Nsec3Sha1 => ((RSA)key).VerifyData(data, signature, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1),
                DnssecAlgorithm.RsaSha256 => ((RSA)key).VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                DnssecAlgorithm.RsaSha512 => ((RSA)key).VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
                DnssecAlgorithm.EcdsaP256Sha256 => signature.Length == 64
                    && ((ECDsa)key).VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                DnssecAlgorithm.EcdsaP384Sha384 => signature.Length == 96
                    && ((ECDsa)key).VerifyData(data, signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static RSA? ImportRsa(ReadOnlySpan<byte> key)
    {
        // RFC 3110 2: exponent length in one octet, or zero and then two octets; the exponent; the modulus.
        if (key.Length < 3)
            return null;
        int exponentLength = key[0], offset = 1;
        if (exponentLength == 0)
        {
            exponentLength = (key[1] << 8) | key[2];
            offset = 3;
        }
        if (exponentLength == 0 || key.Length - offset <= exponentLength)
            return null;
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters
            {
                Exponent = key.Slice(offset, exponentLength).ToArray(),
                Modulus = key[(offset + exponentLength)..].ToArray(),
            });
            return rsa;
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            return null;
        }
    }

    private static ECDsa? ImportEcdsa(ReadOnlySpan<byte> key, ECCurve curve, int size)
    {
        // RFC 6605 4: the key is Q as x | y, each exactly the field size; the signature r | s likewise.
        if (key.Length != 2 * size)
            return null;
        return ECDsa.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = key[..size].ToArray(), Y = key[size..].ToArray() },
        });
    }
}
