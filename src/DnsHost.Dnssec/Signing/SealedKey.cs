using System.Security.Cryptography;
using System.Text;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// A zone key's private part encrypted at rest (AES-256-GCM under the key-encryption key), for keys
/// kept in a database rather than in <see cref="KeyStore"/>'s files. The associated data binds the
/// ciphertext to its owner (a context string such as the hosted zone id and key name), algorithm and
/// flags, so a row copied to another key does not open.
/// </summary>
public sealed record SealedKey(byte Algorithm, ushort Flags, byte[] Nonce, byte[] Ciphertext, byte[] Tag)
{
    public static SealedKey Seal(ReadOnlySpan<byte> keyEncryptionKey, string context, SigningKey key)
    {
        CheckLength(keyEncryptionKey);
        var plain = key.ExportPrivate();
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
            var ciphertext = new byte[plain.Length];
            var tag = new byte[AesGcm.TagByteSizes.MaxSize];
            using var aes = new AesGcm(keyEncryptionKey, tag.Length);
            aes.Encrypt(nonce, plain, ciphertext, tag, AssociatedData(context, key.Algorithm, key.Flags));
            return new SealedKey(key.Algorithm, key.Flags, nonce, ciphertext, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The key, or an <see cref="InvalidDataException"/> when it does not decrypt under this key-encryption key and context.</summary>
    public SigningKey Open(ReadOnlySpan<byte> keyEncryptionKey, string context)
    {
        CheckLength(keyEncryptionKey);
        var plain = new byte[Ciphertext.Length];
        try
        {
            using (var aes = new AesGcm(keyEncryptionKey, Tag.Length))
                aes.Decrypt(Nonce, Ciphertext, Tag, plain, AssociatedData(context, Algorithm, Flags));
            return SigningKey.Import(Algorithm, Flags, plain);
        }
        catch (CryptographicException)
        {
            throw new InvalidDataException($"the private key of {context} does not decrypt with the configured key-encryption key (Dnssec:KeyEncryptionKey)");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static void CheckLength(ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != KeyStore.KeyEncryptionKeyLength)
            throw new ArgumentException($"the key-encryption key must be {KeyStore.KeyEncryptionKeyLength} bytes");
    }

    private static byte[] AssociatedData(string context, byte algorithm, ushort flags) =>
        Encoding.UTF8.GetBytes($"dnshost-sealed-key|{context}|{algorithm}|{flags}");

    public override string ToString() => $"sealed key (algorithm {Algorithm}, flags {Flags})";
}
