using System.Text.Json;

namespace DnsHost.Dnssec.Signing;

/// <summary>
/// A zone's key ring on disk (<c>ZONE.keys.json</c> in the key directory), private keys sealed by
/// <see cref="KeyStore"/>. The server and the <c>dnshost dnssec</c> commands both change it, so
/// every change is read-change-write under an exclusive lock on <c>ZONE.keys.lock</c>.
/// </summary>
public sealed class KeyRingStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    public KeyRingStore(KeyStore keys) => Keys = keys;

    public KeyStore Keys { get; }

    public string PathOf(string zone) => Path.Combine(Keys.KeyDirectory, KeyStore.FileStem(zone) + ".keys.json");

    /// <summary>The zone's key ring, or null when it has none. A file that is not one is an error naming it.</summary>
    public KeyRing? Load(string zone)
    {
        var path = PathOf(zone);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), KeyRingContext.Default.KeyRing)
                ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a DnsHost key ring ({e.Message})");
        }
    }

    /// <summary>The last time the file was written (to notice a command's change), or null when there is none.</summary>
    public DateTime? LastWrite(string zone)
    {
        var path = PathOf(zone);
        return File.Exists(path) ? File.GetLastWriteTimeUtc(path) : null;
    }

    /// <summary>
    /// Reads the ring (null when there is none), lets <paramref name="change"/> change or make it,
    /// and writes it back when it changed; all under the zone's lock.
    /// </summary>
    public KeyRing? Update(string zone, Func<KeyRing?, KeyRing?> change)
    {
        System.IO.Directory.CreateDirectory(Keys.KeyDirectory);
        using var held = Lock(zone);
        var before = Load(zone);
        string? beforeText = before is null ? null : JsonSerializer.Serialize(before, KeyRingContext.Default.KeyRing);
        var after = change(before);
        if (after is null)
            return null;
        string afterText = JsonSerializer.Serialize(after, KeyRingContext.Default.KeyRing);
        if (afterText != beforeText)
            Keys.WriteWhole(PathOf(zone), stream => JsonSerializer.Serialize(stream, after, KeyRingContext.Default.KeyRing));
        return after;
    }

    /// <summary>A new key of <paramref name="role"/> for the zone, its private key sealed; not yet in any state.</summary>
    public RingKey Generate(string zone, KeyRole role, byte algorithm, DateTimeOffset now)
    {
        using var key = SigningKey.Generate(algorithm, role == KeyRole.Ksk ? SigningKey.CskFlags : SigningKey.ZoneKeyFlag);
        return FromKey(zone, key, role, now);
    }

    /// <summary>An existing key (a CSK made before rollovers) as a ring key.</summary>
    public RingKey FromKey(string zone, SigningKey key, KeyRole role, DateTimeOffset now) => new()
    {
        Role = role,
        State = KeyState.Generated,
        Algorithm = key.Algorithm,
        Flags = key.Flags,
        KeyTag = key.KeyTag,
        PublicKey = Convert.ToBase64String(key.DnskeyRData),
        Created = now,
        Private = Keys.Seal(zone, key),
    };

    /// <summary>The signing key of a ring key; an error naming the file when it does not decrypt or was erased.</summary>
    public SigningKey Open(string zone, RingKey key) =>
        Keys.Open(zone, key.Algorithm, key.Flags, key.Private ?? throw new InvalidDataException($"{PathOf(zone)}: key {key.KeyTag} has no private key (removed)"), PathOf(zone));

    /// <summary>
    /// Records that the parent serves the DS of the new KSK <paramref name="keyTag"/> (<c>dnshost dnssec ds-seen</c>).
    /// Returns the key, or null with the reason when there is no such key waiting for its DS.
    /// </summary>
    public RingKey? MarkDsSeen(string zone, ushort keyTag, DateTimeOffset now, out string problem)
    {
        string reason = "";
        RingKey? marked = null;
        Update(zone, ring =>
        {
            if (ring is null)
            {
                reason = $"{zone} has no key ring in {Keys.KeyDirectory} (is Dnssec:Rollover:Enabled on for it?)";
                return null;
            }
            var key = ring.Keys.FirstOrDefault(k => k.KeyTag == keyTag && k.Role == KeyRole.Ksk && k.State == KeyState.Generated);
            if (key is null)
            {
                var waiting = ring.Keys.Where(k => k.Role == KeyRole.Ksk && k.State == KeyState.Generated).Select(k => k.KeyTag.ToString()).ToList();
                reason = waiting.Count == 0
                    ? $"no KSK of {zone} waits for its DS (dnshost dnssec status {zone})"
                    : $"KSK {keyTag} of {zone} does not wait for its DS; {string.Join(", ", waiting)} does";
                return ring;
            }
            key.DsSeen ??= now;
            marked = key;
            return ring;
        });
        problem = reason;
        return marked;
    }

    private FileStream Lock(string zone)
    {
        var path = Path.Combine(Keys.KeyDirectory, KeyStore.FileStem(zone) + ".keys.lock");
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another process (a dnshost dnssec command, or the server) holds it for a moment.
                Thread.Sleep(20);
            }
        }
    }
}
