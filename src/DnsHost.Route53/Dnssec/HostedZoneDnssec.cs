using System.Text.RegularExpressions;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;

namespace DnsHost.Route53.Dnssec;

/// <summary>
/// Route 53's DNSSEC API over the hosted zones of the API: EnableHostedZoneDNSSEC,
/// DisableHostedZoneDNSSEC, the key-signing key operations and GetDNSSEC. Key pairs are made here
/// (the KMS key ARN is only a name), sealed with Dnssec:KeyEncryptionKey and kept in the API's
/// SQLite store; each change is one transaction, and the zone's signer is swapped in before the
/// API answers, so DNS follows at once (<see cref="For"/> is what the query path asks).
/// </summary>
/// <remarks>
/// As on Route 53, a signed zone has the KSKs of the API (the ACTIVE ones are published and sign
/// the DNSKEY RRset) and a ZSK that DnsHost makes on the first EnableHostedZoneDNSSEC and rolls by
/// itself, unseen by the API (<see cref="RollZoneSigningKeys"/>); only public zones created through
/// the API can be signed here.
/// </remarks>
public sealed partial class HostedZoneDnssec
{
    public const int MaxKeySigningKeys = 2;
    private readonly HostedZoneService _zones;
    private readonly ApiStore _store;
    private readonly byte[]? _kek;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DnssecDocument> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _problems = new(StringComparer.Ordinal);
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private Dictionary<string, ZoneSigner> _signers = new(StringComparer.Ordinal);

    /// <param name="keyEncryptionKey">The 32-byte key-encryption key, or null when Dnssec:KeyEncryptionKey is not set (no key can be made then).</param>
    public HostedZoneDnssec(HostedZoneService zones, ApiStore store, byte[]? keyEncryptionKey)
    {
        _zones = zones;
        _store = store;
        _kek = keyEncryptionKey;
        foreach (var stored in store.DnssecStates())
        {
            try
            {
                _documents[stored.ZoneId] = DnssecDocument.Deserialize(stored.Document);
            }
            catch (Exception e) when (HostedZoneService.IsBadRow(e))
            {
                store.ReportBadRow("dnssec", stored.ZoneId, e);
            }
        }
        foreach (var id in _documents.Keys.ToList())
            Publish(id);
        foreach (var (id, problem) in _problems)
            store.ReportBadRow("dnssec", id, new InvalidDataException(problem));
        zones.IsSigning = IsSigning;
    }

    private bool IsSigning(string zoneId)
    {
        lock (_gate)
            return _documents.TryGetValue(zoneId, out var document) && document.ServeSignature == DnssecDocument.Signing;
    }

    private TimeProvider Time => _zones.Time;

    /// <summary>The key-encryption key from the setting Dnssec:KeyEncryptionKey: null when unset; an error naming the setting when it is not 32 bytes of base64.</summary>
    public static byte[]? KeyEncryptionKeyFrom(string? setting) =>
        string.IsNullOrWhiteSpace(setting) ? null
            : KeyStore.ParseKeyEncryptionKey(setting, out string problem) ?? throw new InvalidDataException($"invalid setting: Dnssec:KeyEncryptionKey {problem}");

    /// <summary>The signer of an API zone whose signing is on, or null; read per query without locking.</summary>
    public ZoneSigner? For(Zone zone)
    {
        var signers = Volatile.Read(ref _signers);
        return signers.Count > 0 && zone.HostedZone is { } info && signers.TryGetValue(info.Id, out var signer) && signer.Origin.AsSpan().SequenceEqual(zone.Origin)
            ? signer : null;
    }

    public DnssecStatusView Get(string zoneId)
    {
        var (id, _, origin) = Signable(zoneId);
        lock (_gate)
        {
            var document = _documents.GetValueOrDefault(id) ?? new DnssecDocument();
            _problems.TryGetValue(id, out var problem);
            // Route 53's INTERNAL_FAILURE: signing is on but cannot be done (the keys do not open).
            string status = problem is not null && document.ServeSignature == DnssecDocument.Signing ? "INTERNAL_FAILURE" : document.ServeSignature;
            return new DnssecStatusView(status, problem is null || status != "INTERNAL_FAILURE" ? null : problem,
                document.KeySigningKeys.Select(k => KeySigningKeyView.From(k, origin, KeyProblem(id, k))).ToList());
        }
    }

    public (KeySigningKeyView Key, ApiChange Change) CreateKeySigningKey(string zoneId, string name, string kmsArn, string status, string callerReference)
    {
        if (callerReference.Length is 0 or > 128)
            throw new Route53Exception("InvalidInput", "CallerReference must be 1 to 128 characters");
        if (!KeyName().IsMatch(name))
            throw new Route53Exception("InvalidKeySigningKeyName", $"The key-signing key (KSK) name '{name}' isn't a valid name: use 3 to 128 letters, digits and underscores (_).");
        if (status is not (KeySigningKeyDocument.Active or KeySigningKeyDocument.Inactive))
            throw new Route53Exception("InvalidKeySigningKeyStatus", $"The key-signing key (KSK) status '{status}' isn't valid: a new KSK is ACTIVE or INACTIVE.");
        if (!KmsArn().IsMatch(kmsArn))
            throw new Route53Exception("InvalidKMSArn", $"The KeyManagementServiceArn '{kmsArn}' isn't valid to use with DNSSEC signing: it must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID).");
        var (id, _, origin) = Signable(zoneId);
        var kek = _kek ?? throw new Route53Exception("InvalidKMSArn",
            $"The CMK with ARN '{kmsArn}' can't be used here: DnsHost keeps KSKs itself, encrypted with the setting Dnssec:KeyEncryptionKey, which is not set (base64 of 32 random bytes: openssl rand -base64 32).");
        return Modify(id, "CreateKeySigningKey", document =>
        {
            if (document.KeySigningKeys.Any(k => k.Name == name || k.KmsArn == kmsArn))
                throw new Route53Exception("KeySigningKeyAlreadyExists", $"A key-signing key (KSK) with the name '{name}' or the KMS key '{kmsArn}' already exists in hosted zone {id}.", 409);
            if (document.KeySigningKeys.Count >= MaxKeySigningKeys)
                throw new Route53Exception("TooManyKeySigningKeys", $"Hosted zone {id} already has {MaxKeySigningKeys} key-signing keys (KSKs), the limit; delete one first.");
            var now = Time.GetUtcNow();
            using var pair = SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256, SigningKey.CskFlags);
            var key = new KeySigningKeyDocument
            {
                Name = name, KmsArn = kmsArn, CallerReference = callerReference, Status = status,
                CreatedDate = now, LastModifiedDate = now, Dnskey = pair.DnskeyRData,
                PrivateKey = SealedKey.Seal(kek, KeyContext(id, name), pair),
            };
            document.KeySigningKeys.Add(key);
            return KeySigningKeyView.From(key, origin);
        });
    }

    public ApiChange ActivateKeySigningKey(string zoneId, string name) =>
        Modify(Signable(zoneId).Id, "ActivateKeySigningKey", document =>
        {
            var key = Find(document, zoneId, name);
            if (!key.IsActive)
            {
                if (key.PrivateKey is null)
                    throw new Route53Exception("InvalidKMSArn", $"The key-signing key (KSK) '{name}' was copied from another Route 53 without its private key (KMS key {key.KmsArn}); it cannot sign here.");
                key.Status = KeySigningKeyDocument.Active;
                key.LastModifiedDate = Time.GetUtcNow();
            }
            return true;
        }).Change;

    public ApiChange DeactivateKeySigningKey(string zoneId, string name)
    {
        var (id, zone, origin) = Signable(zoneId);
        return Modify(id, "DeactivateKeySigningKey", document =>
        {
            var key = Find(document, id, name);
            if (!key.IsActive)
                return true;
            if (document.ServeSignature == DnssecDocument.Signing && document.KeySigningKeys.Count(k => k.IsActive) == 1)
                throw new Route53Exception("KeySigningKeyInUse", $"The key-signing key (KSK) '{name}' can't be deactivated because it's the only active KSK of hosted zone {id}, whose DNSSEC signing is enabled. Disable DNSSEC signing, or add or activate another KSK.");
            if (ParentZoneChecks.ParentHasDsFor(_zones.Registry.Current, zone, origin, key.Dnskey) is { } parent)
                throw new Route53Exception("KeySigningKeyInParentDSRecord", $"The key-signing key (KSK) '{name}' is specified in a DS record in the parent zone {parent}; remove that DS record first.");
            key.Status = KeySigningKeyDocument.Inactive;
            key.LastModifiedDate = Time.GetUtcNow();
            return true;
        }).Change;
    }

    public ApiChange DeleteKeySigningKey(string zoneId, string name) =>
        Modify(Signable(zoneId).Id, "DeleteKeySigningKey", document =>
        {
            var key = Find(document, zoneId, name);
            if (key.IsActive)
                throw new Route53Exception("InvalidKeySigningKeyStatus", $"The key-signing key (KSK) '{name}' is ACTIVE; deactivate it (DeactivateKeySigningKey) before deleting it.");
            document.KeySigningKeys.Remove(key);
            return true;
        }).Change;

    public ApiChange Enable(string zoneId)
    {
        var (id, zone, _) = Signable(zoneId);
        var kek = _kek;
        return Modify(id, "EnableHostedZoneDNSSEC", document =>
        {
            if (!document.KeySigningKeys.Any(k => k.IsActive))
                throw new Route53Exception("KeySigningKeyWithActiveStatusNotFound", $"Hosted zone with ID '{id}' does not have a Key Signing Key in ACTIVE status.");
            if (ParentZoneChecks.DelegationMismatch(_zones.Registry.Current, zone) is { } parent)
                throw new Route53Exception("HostedZonePartiallyDelegated", $"The name servers of hosted zone {id} don't match those its parent zone {parent} delegates to. The hosted zone and parent must have the same name servers.");
            if (document.ZoneSigningKeyPrivate is null)
            {
                if (kek is null)
                    throw new Route53Exception("InvalidKMSArn", "DnsHost cannot make the zone-signing key: the setting Dnssec:KeyEncryptionKey is not set (base64 of 32 random bytes: openssl rand -base64 32).");
                // RFC 6781 3.1: the ZSK (flags 256) signs the zone; the KSKs sign only the DNSKEY RRset.
                using var zsk = SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256, SigningKey.ZoneKeyFlag);
                document.ZoneSigningKey = zsk.DnskeyRData;
                document.ZoneSigningKeyPrivate = SealedKey.Seal(kek, ZskContext(id), zsk);
                document.ZoneSigningKeyActivated = Time.GetUtcNow();
            }
            document.ServeSignature = DnssecDocument.Signing;
            return true;
        }).Change;
    }

    public ApiChange Disable(string zoneId)
    {
        var (id, zone, origin) = Signable(zoneId);
        return Modify(id, "DisableHostedZoneDNSSEC", document =>
        {
            if (document.KeySigningKeys.Count == 0 && document.ZoneSigningKeyPrivate is null)
                throw new Route53Exception("DNSSECNotFound", $"Hosted zone {id} doesn't have any DNSSEC resources.");
            if (document.ServeSignature == DnssecDocument.Signing
                && document.KeySigningKeys.Select(k => ParentZoneChecks.ParentHasDsFor(_zones.Registry.Current, zone, origin, k.Dnskey)).FirstOrDefault(p => p is not null) is { } parent)
                throw new Route53Exception("KeySigningKeyInParentDSRecord", $"The parent zone {parent} holds a DS record for a key-signing key of hosted zone {id}; remove it before disabling DNSSEC signing, or resolvers will fail to validate the zone.");
            document.ServeSignature = DnssecDocument.NotSigning;
            return true;
        }).Change;
    }

    /// <summary>The zone's stored DNSSEC document (a copy), or null; for the sync job.</summary>
    public DnssecDocument? Document(string zoneId)
    {
        lock (_gate)
            return _documents.GetValueOrDefault(HostedZoneService.StripPrefix(zoneId, "/hostedzone/"))?.Clone();
    }

    [GeneratedRegex("^[A-Za-z0-9_]{3,128}$")]
    private static partial Regex KeyName();

    [GeneratedRegex(@"^arn:aws[a-z-]*:kms:[a-z0-9-]*:[0-9]{0,12}:(key|alias)/[A-Za-z0-9/_+=.@-]{1,256}$")]
    private static partial Regex KmsArn();
}
