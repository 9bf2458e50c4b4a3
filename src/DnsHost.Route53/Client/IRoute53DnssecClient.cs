namespace DnsHost.Route53.Client;

/// <summary>A key-signing key's settings as GetDNSSEC lists them (what the sync job carries; never key material).</summary>
public sealed record KeySigningKeySettings(string Name, string KmsArn, string Status);

/// <summary>A zone's DNSSEC settings: ServeSignature (SIGNING, NOT_SIGNING, ...) and its key-signing keys.</summary>
public sealed record DnssecSettings(string ServeSignature, IReadOnlyList<KeySigningKeySettings> KeySigningKeys)
{
    public static readonly DnssecSettings None = new("NOT_SIGNING", []);
}

/// <summary>
/// Route 53's DNSSEC operations the sync job needs, beside <see cref="IRoute53Client"/> (kept apart so
/// other clients of that interface need not change). Each change returns its change id.
/// </summary>
public interface IRoute53DnssecClient
{
    Task<DnssecSettings> GetDnssecAsync(string zoneId, CancellationToken cancellationToken = default);
    Task<string> EnableHostedZoneDnssecAsync(string zoneId, CancellationToken cancellationToken = default);
    Task<string> DisableHostedZoneDnssecAsync(string zoneId, CancellationToken cancellationToken = default);
    Task<string> CreateKeySigningKeyAsync(string zoneId, string name, string kmsArn, string status, string callerReference, CancellationToken cancellationToken = default);
    Task<string> ActivateKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default);
    Task<string> DeactivateKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default);
    Task<string> DeleteKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default);
}
