using static DnsHost.Route53.Api.Route53Xml;
using static DnsHost.Route53.Client.Route53ClientXml;

namespace DnsHost.Route53.Client;

/// <summary>GetDNSSEC, EnableHostedZoneDNSSEC, DisableHostedZoneDNSSEC and the key-signing key operations.</summary>
public sealed partial class Route53RestClient : IRoute53DnssecClient
{
    public async Task<DnssecSettings> GetDnssecAsync(string zoneId, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/dnssec", null, "GetDNSSECResponse", cancellationToken);
        return new DnssecSettings(Required(Child(answer, "Status"), "ServeSignature"),
            Children(answer, "KeySigningKeys", "KeySigningKey").Select(k => new KeySigningKeySettings(Required(k, "Name"), Required(k, "KmsArn"), Required(k, "Status"))).ToList());
    }

    public async Task<string> EnableHostedZoneDnssecAsync(string zoneId, CancellationToken cancellationToken = default) =>
        ChangeId(await SendAsync(HttpMethod.Post, $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/enable-dnssec", null, "EnableHostedZoneDNSSECResponse", cancellationToken));

    public async Task<string> DisableHostedZoneDnssecAsync(string zoneId, CancellationToken cancellationToken = default) =>
        ChangeId(await SendAsync(HttpMethod.Post, $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/disable-dnssec", null, "DisableHostedZoneDNSSECResponse", cancellationToken));

    public async Task<string> CreateKeySigningKeyAsync(string zoneId, string name, string kmsArn, string status, string callerReference, CancellationToken cancellationToken = default)
    {
        var request = E("CreateKeySigningKeyRequest",
            E("CallerReference", callerReference),
            E("HostedZoneId", Bare(zoneId, "/hostedzone/")),
            E("KeyManagementServiceArn", kmsArn),
            E("Name", name),
            E("Status", status));
        return ChangeId(await SendAsync(HttpMethod.Post, V + "/keysigningkey", request, "CreateKeySigningKeyResponse", cancellationToken));
    }

    public async Task<string> ActivateKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default) =>
        ChangeId(await SendAsync(HttpMethod.Post, $"{V}/keysigningkey/{Id(zoneId, "/hostedzone/")}/{Id(name, "")}/activate", null, "ActivateKeySigningKeyResponse", cancellationToken));

    public async Task<string> DeactivateKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default) =>
        ChangeId(await SendAsync(HttpMethod.Post, $"{V}/keysigningkey/{Id(zoneId, "/hostedzone/")}/{Id(name, "")}/deactivate", null, "DeactivateKeySigningKeyResponse", cancellationToken));

    public async Task<string> DeleteKeySigningKeyAsync(string zoneId, string name, CancellationToken cancellationToken = default) =>
        ChangeId(await SendAsync(HttpMethod.Delete, $"{V}/keysigningkey/{Id(zoneId, "/hostedzone/")}/{Id(name, "")}", null, "DeleteKeySigningKeyResponse", cancellationToken));
}
