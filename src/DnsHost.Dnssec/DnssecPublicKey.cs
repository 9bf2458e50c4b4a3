using System.Security.Cryptography;

namespace DnsHost.Dnssec;

/// <summary>
/// A DNSKEY's public key imported once into the platform's key object, for checking many signatures:
/// importing (with OpenSSL's checks of the point or modulus) costs far more than one verification.
/// Verifications on one key are serialised, as the platform's key objects are not documented thread-safe.
/// </summary>
public sealed class DnssecPublicKey : IDisposable
{
    private readonly byte _algorithm;
    private readonly byte[] _raw;
    private readonly AsymmetricAlgorithm? _key;
    private readonly Lock _lock = new();

    private DnssecPublicKey(byte algorithm, byte[] raw, AsymmetricAlgorithm? key)
    {
        _algorithm = algorithm;
        _raw = raw;
        _key = key;
    }

    public byte Algorithm => _algorithm;

    /// <summary>Imports the key of DNSKEY RDATA; null when it is malformed or its algorithm unsupported.</summary>
    public static DnssecPublicKey? TryCreate(ReadOnlySpan<byte> dnskeyRData)
    {
        if (!DnskeyRecord.TryRead(dnskeyRData, out var dnskey) || !DnssecAlgorithm.IsSupported(dnskey.Algorithm))
            return null;
        try
        {
            var key = SignatureVerifier.Import(dnskey.Algorithm, dnskey.PublicKey);
            if (key is null && dnskey.Algorithm is not (DnssecAlgorithm.Ed25519 or DnssecAlgorithm.Ed448))
                return null;
            return new DnssecPublicKey(dnskey.Algorithm, dnskey.PublicKey.ToArray(), key);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (_key is null)
            return SignatureVerifier.Verify(_algorithm, _raw, data, signature);
        lock (_lock)
            return SignatureVerifier.Verify(_algorithm, _key, data, signature);
    }

    public void Dispose() => _key?.Dispose();
}
