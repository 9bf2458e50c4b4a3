using System.Globalization;
using System.Text.Json;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;

namespace DnsHost.Route53.Dnssec;

/// <summary>
/// A hosted zone's DNSSEC state as stored (one JSON row per zone in the <c>dnssec</c> table): the
/// signing status, the zone-signing key DnsHost manages and the key-signing keys made through the API.
/// Private keys are <see cref="SealedKey"/>s (AES-GCM under Dnssec:KeyEncryptionKey); public keys are
/// kept in the clear beside them, so GetDNSSEC and the sync job work without opening them.
/// </summary>
public sealed class DnssecDocument
{
    public const string Signing = "SIGNING", NotSigning = "NOT_SIGNING";

    public string ServeSignature { get; set; } = NotSigning;
    /// <summary>The ZSK's DNSKEY RDATA (flags 256), made on the first EnableHostedZoneDNSSEC.</summary>
    public byte[]? ZoneSigningKey { get; set; }
    public SealedKey? ZoneSigningKeyPrivate { get; set; }

    /// <summary>When <see cref="ZoneSigningKey"/> began to sign; its lifetime counts from here. Null in a document from before ZSK rollovers (stamped at the next look).</summary>
    public DateTimeOffset? ZoneSigningKeyActivated { get; set; }

    /// <summary>When <see cref="ZoneSigningKey"/> joined the DNSKEY RRset (its pre-publication); null for the zone's first ZSK, published as it began to sign.</summary>
    public DateTimeOffset? ZoneSigningKeyPublished { get; set; }

    /// <summary>The next ZSK, pre-published (RFC 6781 4.1.1.1): in the DNSKEY RRset, not signing yet.</summary>
    public ZoneSigningKeyDocument? NextZoneSigningKey { get; set; }

    /// <summary>The ZSK that signed before the current one: still published until its signatures have left every cache.</summary>
    public ZoneSigningKeyDocument? RetiredZoneSigningKey { get; set; }

    /// <summary>The DNSKEY TTL and the largest signed TTL, in seconds, the ZSK schedule was last computed with (for <c>dnshost dnssec status</c>).</summary>
    public uint DnskeyTtl { get; set; }
    public uint MaxTtl { get; set; }
    public List<KeySigningKeyDocument> KeySigningKeys { get; set; } = [];

    internal static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public string Serialize() => JsonSerializer.Serialize(this, Options);

    public static DnssecDocument Deserialize(string json) =>
        JsonSerializer.Deserialize<DnssecDocument>(json, Options) ?? throw new InvalidDataException("the row holds JSON null");

    public DnssecDocument Clone() => Deserialize(Serialize());
}

/// <summary>A zone-signing key that is not the one signing: the next (pre-published) or the retired one, with its timeline.</summary>
public sealed class ZoneSigningKeyDocument
{
    /// <summary>The DNSKEY RDATA (flags 256).</summary>
    public required byte[] Dnskey { get; set; }
    /// <summary>The next key's private key; null for a retired key, which never signs again.</summary>
    public SealedKey? PrivateKey { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? Published { get; set; }
    public DateTimeOffset? Activated { get; set; }
    public DateTimeOffset? Retired { get; set; }
}

/// <summary>One key-signing key: what CreateKeySigningKey was given, its status and its key pair.</summary>
public sealed class KeySigningKeyDocument
{
    public const string Active = "ACTIVE", Inactive = "INACTIVE";

    public required string Name { get; set; }
    public required string KmsArn { get; set; }
    public string? CallerReference { get; set; }
    public string Status { get; set; } = Inactive;
    public DateTimeOffset CreatedDate { get; set; }
    public DateTimeOffset LastModifiedDate { get; set; }
    /// <summary>The DNSKEY RDATA (flags 257, protocol 3, algorithm, public key).</summary>
    public required byte[] Dnskey { get; set; }
    /// <summary>Null for a KSK copied by the sync job from elsewhere: its private key stays where it was made.</summary>
    public SealedKey? PrivateKey { get; set; }

    public bool IsActive => Status == Active;
}

/// <summary>A key-signing key as GetDNSSEC and CreateKeySigningKey show it (the KeySigningKey shape).</summary>
public sealed record KeySigningKeyView(
    string Name, string KmsArn, int Flag, string SigningAlgorithmMnemonic, int SigningAlgorithmType,
    string DigestAlgorithmMnemonic, int DigestAlgorithmType, int KeyTag, string DigestValue, string PublicKey,
    string DSRecord, string DNSKEYRecord, string Status, string? StatusMessage, DateTimeOffset CreatedDate, DateTimeOffset LastModifiedDate)
{
    /// <summary>The view of a stored key at <paramref name="origin"/> (wire form): DS with SHA-256, as Route 53 gives it.</summary>
    public static KeySigningKeyView From(KeySigningKeyDocument key, ReadOnlySpan<byte> origin, string? statusMessage = null)
    {
        var rdata = key.Dnskey;
        int flags = (rdata[0] << 8) | rdata[1];
        byte algorithm = rdata[3];
        ushort tag = DnsHost.Dnssec.KeyTag.Compute(rdata);
        Span<byte> digest = stackalloc byte[32];
        DsDigest.Compute(DsDigestType.Sha256, origin, rdata, digest);
        string digestHex = Convert.ToHexString(digest);
        string publicKey = Convert.ToBase64String(rdata.AsSpan(4));
        string mnemonic = algorithm switch
        {
            DnssecAlgorithm.EcdsaP256Sha256 => "ECDSAP256SHA256",
            DnssecAlgorithm.Ed25519 => "ED25519",
            _ => algorithm.ToString(CultureInfo.InvariantCulture),
        };
        return new KeySigningKeyView(key.Name, key.KmsArn, flags, mnemonic, algorithm, "SHA-256", DsDigestType.Sha256, tag, digestHex, publicKey,
            $"{tag} {algorithm} {DsDigestType.Sha256} {digestHex}", $"{flags} 3 {algorithm} {publicKey}",
            statusMessage is null ? key.Status : "ACTION_NEEDED", statusMessage, key.CreatedDate, key.LastModifiedDate);
    }
}

/// <summary>GetDNSSEC's answer: the zone's status and its KSKs.</summary>
public sealed record DnssecStatusView(string ServeSignature, string? StatusMessage, IReadOnlyList<KeySigningKeyView> KeySigningKeys);
