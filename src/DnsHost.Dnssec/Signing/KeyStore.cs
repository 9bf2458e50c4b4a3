using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// Zone keys on disk, one file per zone (<c>ZONE.key.json</c>) in a key directory. The private key
/// is encrypted with AES-256-GCM under the key-encryption key from configuration, bound to the zone
/// name, algorithm and flags (associated data), so a file copied to another zone does not open.
/// Files are written whole to a temporary name and renamed, readable by the owner only.
/// </summary>
public sealed class KeyStore
{
    public const int KeyEncryptionKeyLength = 32;
    private readonly string _directory;
    private readonly byte[] _kek;

    public KeyStore(string directory, ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != KeyEncryptionKeyLength)
            throw new ArgumentException($"the key-encryption key must be {KeyEncryptionKeyLength} bytes (base64 of 32 random bytes: openssl rand -base64 32)");
        _directory = directory;
        _kek = keyEncryptionKey.ToArray();
    }

    /// <summary>Reads a base64 key-encryption key from configuration text; null with a reason when it is not one.</summary>
    public static byte[]? ParseKeyEncryptionKey(string? text, out string problem)
    {
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is not set (base64 of 32 random bytes: openssl rand -base64 32)";
            return null;
        }
        try
        {
            var bytes = Convert.FromBase64String(text.Trim());
            if (bytes.Length == KeyEncryptionKeyLength)
                return bytes;
            problem = $"decodes to {bytes.Length} bytes, not {KeyEncryptionKeyLength}";
        }
        catch (FormatException)
        {
            problem = "is not base64";
        }
        return null;
    }

    public string PathOf(string zone) => Path.Combine(_directory, FileName(zone));

    /// <summary>The zone's key, created (and written) when the zone has none yet.</summary>
    public SigningKey LoadOrCreate(string zone, byte algorithm, out bool created)
    {
        var existing = TryLoad(zone);
        created = existing is null;
        if (existing is not null)
            return existing;
        var key = SigningKey.Generate(algorithm);
        Save(zone, key);
        return key;
    }

    /// <summary>The zone's key, or null when it has none. A file that does not decrypt is an error naming the file.</summary>
    public SigningKey? TryLoad(string zone)
    {
        var path = PathOf(zone);
        if (!File.Exists(path))
            return null;
        KeyFile file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllText(path), KeyFileContext.Default.KeyFile)
                ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a DnsHost key file ({e.Message})");
        }
        var nonce = Convert.FromBase64String(file.Nonce);
        var ciphertext = Convert.FromBase64String(file.Ciphertext);
        var tag = Convert.FromBase64String(file.Tag);
        var plain = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(_kek, tag.Length);
            aes.Decrypt(nonce, ciphertext, tag, plain, AssociatedData(zone, file.Algorithm, file.Flags));
        }
        catch (CryptographicException)
        {
            throw new InvalidDataException($"{path}: the private key does not decrypt with the configured key-encryption key, or the file belongs to another zone");
        }
        try
        {
            return SigningKey.Import(file.Algorithm, file.Flags, plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public void Save(string zone, SigningKey key)
    {
        Directory.CreateDirectory(_directory);
        var plain = key.ExportPrivate();
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(_kek, tag.Length))
            aes.Encrypt(nonce, plain, ciphertext, tag, AssociatedData(zone, key.Algorithm, key.Flags));
        CryptographicOperations.ZeroMemory(plain);
        var file = new KeyFile(Normalise(zone), key.Algorithm, key.Flags, key.KeyTag, DateTimeOffset.UtcNow,
            Convert.ToBase64String(key.DnskeyRData), Convert.ToBase64String(nonce), Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag));
        var path = PathOf(zone);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, file, KeyFileContext.Default.KeyFile);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static string Normalise(string zone) => zone.TrimEnd('.').ToLowerInvariant() + ".";

    private static string FileName(string zone)
    {
        var name = Normalise(zone).TrimEnd('.');
        // Zone names may hold characters a file name should not; keep letters, digits, '-', '_' and '.'.
        var safe = new StringBuilder();
        foreach (char c in name.Length == 0 ? "root" : name)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return safe + ".key.json";
    }

    private static byte[] AssociatedData(string zone, byte algorithm, ushort flags) =>
        Encoding.UTF8.GetBytes($"dnshost-zone-key|{Normalise(zone)}|{algorithm}|{flags}");

    internal sealed record KeyFile(string Zone, byte Algorithm, ushort Flags, ushort KeyTag, DateTimeOffset Created,
        string PublicKey, string Nonce, string Ciphertext, string Tag);
}

[JsonSerializable(typeof(KeyStore.KeyFile))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class KeyFileContext : JsonSerializerContext;
