using DnsHost.Dnssec.Signing;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;

namespace DnsHost.Route53.Dnssec;

/// <summary>How a change is made (one at a time per zone, stored, then served) and how the zone's signer is built.</summary>
public sealed partial class HostedZoneDnssec
{
    private readonly Dictionary<string, SigningKey> _opened = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="edit"/> on a copy of the zone's document; when it returns, the copy is
    /// stored with a change (one transaction) and served. A second DNSSEC request for the same zone
    /// while one runs is refused with ConcurrentModification, as Route 53 does.
    /// </summary>
    private (T Result, ApiChange Change) Modify<T>(string id, string operation, Func<DnssecDocument, T> edit)
    {
        lock (_gate)
        {
            if (!_busy.Add(id))
                throw new Route53Exception("ConcurrentModification", $"Another request changes the DNSSEC settings of hosted zone {id} at the same time as this {operation}. Retry the request.");
        }
        try
        {
            DnssecDocument next;
            lock (_gate)
                next = _documents.GetValueOrDefault(id)?.Clone() ?? new DnssecDocument();
            var result = edit(next);
            var change = new ApiChange(HostedZoneService.NewId('C'), Time.GetUtcNow(), null);
            bool empty = next.KeySigningKeys.Count == 0 && next.ZoneSigningKeyPrivate is null && next.ServeSignature == DnssecDocument.NotSigning;
            _store.SaveDnssec(id, empty ? null : next.Serialize(), change);
            lock (_gate)
            {
                if (empty)
                    _documents.Remove(id);
                else
                    _documents[id] = next;
                Publish(id);
            }
            return (result, change);
        }
        finally
        {
            lock (_gate)
                _busy.Remove(id);
        }
    }

    /// <summary>Builds (or drops) the zone's signer from its document and swaps the signer table. Under <see cref="_gate"/>.</summary>
    private void Publish(string id)
    {
        _problems.Remove(id);
        _schedules.Remove(id);
        ZoneSigner? signer = null;
        if (_documents.TryGetValue(id, out var document) && document.ServeSignature == DnssecDocument.Signing)
        {
            try
            {
                var zone = _zones.ZoneOf(id);
                var zsk = Open(document.ZoneSigningKeyPrivate ?? throw new InvalidDataException("the zone-signing key is missing"), ZskContext(id));
                var ksks = document.KeySigningKeys.Where(k => k.IsActive && k.PrivateKey is not null).Select(k => Open(k.PrivateKey!, KeyContext(id, k.Name))).ToList();
                if (ksks.Count == 0)
                    throw new InvalidDataException("no ACTIVE key-signing key has its private key here (a KSK copied by the sync job keeps its private key in KMS); create and activate one with CreateKeySigningKey");
                // RFC 6781 4.1.1.1: the next ZSK (before it signs) and the retired one (while its signatures may be cached) are published too.
                byte[][] others = [.. new[] { document.NextZoneSigningKey, document.RetiredZoneSigningKey }.OfType<ZoneSigningKeyDocument>().Select(k => k.Dnskey)];
                signer = new ZoneSigner(zone.Origin, ZoneKeySet.WithKeySigningKeys(ksks, zsk, others), Time);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                _problems[id] = e.Message;
            }
            catch (Route53Exception)
            {
                // The hosted zone is gone (its row outlived it): nothing to sign.
            }
        }
        var next = new Dictionary<string, ZoneSigner>(Volatile.Read(ref _signers), StringComparer.Ordinal);
        if (signer is null)
            next.Remove(id);
        else
            next[id] = signer;
        Volatile.Write(ref _signers, next);
    }

    private SigningKey Open(SealedKey sealedKey, string context)
    {
        string cacheKey = context + "|" + Convert.ToBase64String(sealedKey.Nonce);
        if (_opened.TryGetValue(cacheKey, out var key))
            return key;
        var kek = _kek ?? throw new InvalidDataException("the setting Dnssec:KeyEncryptionKey is not set, so the private keys of the API's DNSSEC keys cannot be opened");
        key = sealedKey.Open(kek, context);
        _opened[cacheKey] = key;
        return key;
    }

    /// <summary>Why a KSK cannot sign here (Route 53's ACTION_NEEDED), or null. Under <see cref="_gate"/>.</summary>
    private string? KeyProblem(string id, KeySigningKeyDocument key)
    {
        if (key.PrivateKey is null)
            return key.IsActive ? $"copied by the sync job from the KMS key {key.KmsArn}; its private key is not here, so DnsHost cannot sign with it" : null;
        try
        {
            Open(key.PrivateKey, KeyContext(id, key.Name));
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return e.Message;
        }
    }

    /// <summary>The zone an operation is for: it must exist, be public and come from the API (Route 53 refuses private zones).</summary>
    private (string Id, Zone Zone, byte[] Origin) Signable(string zoneId)
    {
        string id = HostedZoneService.StripPrefix(zoneId, "/hostedzone/");
        var view = _zones.Get(id);
        if (view.IsPrivate)
            throw new Route53Exception("InvalidArgument", "Operation is unsupported for private hosted zones.");
        if (view.FromFile)
            throw new Route53Exception("InvalidInput", $"Hosted zone {view.Name} ({id}) comes from a zone file; sign it with the setting Dnssec:SignedZones instead");
        var zone = _zones.ZoneOf(id);
        return (id, zone, zone.Origin);
    }

    private static KeySigningKeyDocument Find(DnssecDocument document, string zoneId, string name) =>
        document.KeySigningKeys.FirstOrDefault(k => k.Name == name)
        ?? throw new Route53Exception("NoSuchKeySigningKey", $"The specified key-signing key (KSK) '{name}' doesn't exist in hosted zone {HostedZoneService.StripPrefix(zoneId, "/hostedzone/")}.", 404);

    private static string KeyContext(string zoneId, string name) => $"hostedzone/{zoneId}/ksk/{name}";

    private static string ZskContext(string zoneId) => $"hostedzone/{zoneId}/zsk";
}
