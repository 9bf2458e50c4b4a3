using System.Text.Json.Serialization;

namespace DnsHost.Dnssec.Signing;

/// <summary>What a key does: signs the apex's key sets (KSK, its DS in the parent) or the zone's data (ZSK).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeyRole>))]
public enum KeyRole
{
    Ksk,
    Zsk,
}

/// <summary>Where a key is in its life (RFC 7583 3: generated, published, ready/active, retired, removed).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeyState>))]
public enum KeyState
{
    /// <summary>A new KSK whose DS waits to be put in the parent (double-DS rollover, RFC 6781 4.1.2): not in the DNSKEY RRset yet.</summary>
    Generated,

    /// <summary>In the DNSKEY RRset, not signing yet (a pre-published ZSK, RFC 6781 4.1.1.1).</summary>
    Published,

    /// <summary>In the DNSKEY RRset and signing.</summary>
    Active,

    /// <summary>No longer signing; a ZSK stays published until the signatures it made have left every cache, a KSK's DS may still be in the parent.</summary>
    Retired,

    /// <summary>Gone from the zone; its private key is erased. Kept in the file as history.</summary>
    Removed,
}

/// <summary>One key of a zone's key ring, as kept in the key directory: its public key, its sealed private key, and its timeline.</summary>
public sealed class RingKey
{
    public KeyRole Role { get; set; }
    public KeyState State { get; set; }
    public byte Algorithm { get; set; }
    public ushort Flags { get; set; }
    public ushort KeyTag { get; set; }

    /// <summary>The DNSKEY RDATA, base64.</summary>
    public string PublicKey { get; set; } = "";

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? Published { get; set; }
    public DateTimeOffset? Activated { get; set; }
    public DateTimeOffset? Retired { get; set; }
    public DateTimeOffset? Removed { get; set; }

    /// <summary>When the operator said the parent serves this KSK's DS (<c>dnshost dnssec ds-seen</c>).</summary>
    public DateTimeOffset? DsSeen { get; set; }

    /// <summary>The private key sealed by <see cref="KeyStore.Seal"/>; null once the key is removed.</summary>
    public KeyStore.SealedKey? Private { get; set; }

    [JsonIgnore]
    public byte[] DnskeyRData => Convert.FromBase64String(PublicKey);

    /// <summary>Whether the key is in the apex's DNSKEY RRset.</summary>
    [JsonIgnore]
    public bool IsPublished => State is KeyState.Published or KeyState.Active || State == KeyState.Retired && Role == KeyRole.Zsk;

    public override string ToString() => $"{Role} {KeyTag} ({State})";
}

/// <summary>A zone's keys and the TTLs its schedule was last computed with (for <c>dnshost dnssec status</c>, which has no zone).</summary>
public sealed class KeyRing
{
    public string Zone { get; set; } = "";

    /// <summary>The DNSKEY RRset's TTL, in seconds, when the server last looked.</summary>
    public uint DnskeyTtl { get; set; }

    /// <summary>The largest TTL of a signed RRset of the zone, in seconds, when the server last looked.</summary>
    public uint MaxTtl { get; set; }

    public List<RingKey> Keys { get; set; } = [];

    public IEnumerable<RingKey> Live => Keys.Where(k => k.State != KeyState.Removed);

    public RingKey? Find(KeyRole role, KeyState state) => Keys.FirstOrDefault(k => k.Role == role && k.State == state);
}

[JsonSerializable(typeof(KeyRing))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class KeyRingContext : JsonSerializerContext;
