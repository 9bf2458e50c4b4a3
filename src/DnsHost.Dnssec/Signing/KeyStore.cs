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
        return Open(zone, file.Algorithm, file.Flags, new SealedKey(file.Nonce, file.Ciphertext, file.Tag), path);
    }

    /// <summary>A private key encrypted under the key-encryption key, bound to the zone, algorithm and flags (base64 fields).</summary>
    public sealed record SealedKey(string Nonce, string Ciphertext, string Tag);

    /// <summary>The key sealed by <see cref="Seal"/>; a key that does not decrypt is an error naming <paramref name="source"/>.</summary>
    public SigningKey Open(string zone, byte algorithm, ushort flags, SealedKey sealedKey, string source)
    {
        var nonce = Convert.FromBase64String(sealedKey.Nonce);
        var ciphertext = Convert.FromBase64String(sealedKey.Ciphertext);
        var tag = Convert.FromBase64String(sealedKey.Tag);
        var plain = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(_kek, tag.Length);
            aes.Decrypt(nonce, ciphertext, tag, plain, AssociatedData(zone, algorithm, flags));
        }
        catch (CryptographicException)
        {
            throw new InvalidDataException($"{source}: the private key does not decrypt with the configured key-encryption key, or the file belongs to another zone");
        }
        try
        {
            return SigningKey.Import(algorithm, flags, plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The private key of <paramref name="key"/> encrypted with AES-256-GCM under the key-encryption key.</summary>
    public SealedKey Seal(string zone, SigningKey key)
    {
        var plain = key.ExportPrivate();
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(_kek, tag.Length))
            aes.Encrypt(nonce, plain, ciphertext, tag, AssociatedData(zone, key.Algorithm, key.Flags));
        CryptographicOperations.ZeroMemory(plain);
        return new SealedKey(Convert.ToBase64String(nonce), Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag));
    }

    public void Save(string zone, SigningKey key)
    {
        var sealedKey = Seal(zone, key);
        var file = new KeyFile(Normalise(zone), key.Algorithm, key.Flags, key.KeyTag, DateTimeOffset.UtcNow,
            Convert.ToBase64String(key.DnskeyRData), sealedKey.Nonce, sealedKey.Ciphertext, sealedKey.Tag);
        WriteWhole(PathOf(zone), stream => JsonSerializer.Serialize(stream, file, KeyFileContext.Default.KeyFile));
    }

    /// <summary>Writes a file whole: to a temporary name, readable by the owner only, flushed, then renamed over the old one.</summary>
    public void WriteWhole(string path, Action<Stream> write)
    {
        Directory.CreateDirectory(_directory);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public string KeyDirectory => _directory;

    public static string Normalise(string zone) => zone.TrimEnd('.').ToLowerInvariant() + ".";

    private static string FileName(string zone) => FileStem(zone) + ".key.json";

    /// <summary>The zone's name as a file name: letters, digits, '-', '_' and '.' kept, the rest '_'.</summary>
    public static string FileStem(string zone)
    {
        var name = Normalise(zone).TrimEnd('.');
        // Zone names may hold characters a file name should not; keep letters, digits, '-', '_' and '.'.
        var safe = new StringBuilder();
        foreach (char c in name.Length == 0 ? "root" : name)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return safe.ToString();
    }

    private static byte[] AssociatedData(string zone, byte algorithm, ushort flags) =>
        Encoding.UTF8.GetBytes($"dnshost-zone-key|{Normalise(zone)}|{algorithm}|{flags}");

    internal sealed record KeyFile(string Zone, byte Algorithm, ushort Flags, ushort KeyTag, DateTimeOffset Created,
        string PublicKey, string Nonce, string Ciphertext, string Tag);
}

[JsonSerializable(typeof(KeyStore.KeyFile))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class KeyFileContext : JsonSerializerContext;
