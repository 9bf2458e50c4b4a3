using System.Globalization;
using System.Xml.Linq;
using DnsHost.Route53.Dnssec;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>
/// EnableHostedZoneDNSSEC, DisableHostedZoneDNSSEC, GetDNSSEC, CreateKeySigningKey,
/// ActivateKeySigningKey, DeactivateKeySigningKey and DeleteKeySigningKey, in the 2013-04-01 shapes.
/// </summary>
public static class DnssecEndpoints
{
    public static void MapRoute53Dnssec(this IEndpointRouteBuilder app, HostedZoneDnssec dnssec)
    {
        const string v = Route53Endpoints.Version;
        app.MapPost(v + "/hostedzone/{id}/enable-dnssec", (string id) =>
            Route53Endpoints.Xml(E("EnableHostedZoneDNSSECResponse", ChangeInfo(dnssec.Enable(id), "PENDING"))));
        app.MapPost(v + "/hostedzone/{id}/disable-dnssec", (string id) =>
            Route53Endpoints.Xml(E("DisableHostedZoneDNSSECResponse", ChangeInfo(dnssec.Disable(id), "PENDING"))));
        app.MapGet(v + "/hostedzone/{id}/dnssec", (string id) =>
        {
            var status = dnssec.Get(id);
            return Route53Endpoints.Xml(E("GetDNSSECResponse",
                E("Status", E("ServeSignature", status.ServeSignature), Opt("StatusMessage", status.StatusMessage)),
                E("KeySigningKeys", status.KeySigningKeys.Select(KeySigningKey))));
        });
        app.MapPost(v + "/keysigningkey", async (HttpContext context) =>
        {
            var request = await Route53Endpoints.ReadBody(context, "CreateKeySigningKeyRequest");
            string reference = Text(request, "CallerReference") ?? throw Route53Endpoints.Missing("CallerReference");
            string zoneId = Text(request, "HostedZoneId") ?? throw Route53Endpoints.Missing("HostedZoneId");
            string arn = Text(request, "KeyManagementServiceArn") ?? throw Route53Endpoints.Missing("KeyManagementServiceArn");
            string name = Text(request, "Name") ?? throw Route53Endpoints.Missing("Name");
            string status = Text(request, "Status") ?? throw Route53Endpoints.Missing("Status");
            var (key, change) = dnssec.CreateKeySigningKey(zoneId, name, arn, status, reference);
            string bareId = HostedZoneService.StripPrefix(zoneId, "/hostedzone/");
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{v}/keysigningkey/{bareId}/{Uri.EscapeDataString(key.Name)}";
            return Route53Endpoints.Xml(E("CreateKeySigningKeyResponse", ChangeInfo(change, "PENDING"), KeySigningKey(key)), 201);
        });
        app.MapPost(v + "/keysigningkey/{zoneId}/{name}/activate", (string zoneId, string name) =>
            Route53Endpoints.Xml(E("ActivateKeySigningKeyResponse", ChangeInfo(dnssec.ActivateKeySigningKey(zoneId, name), "PENDING"))));
        app.MapPost(v + "/keysigningkey/{zoneId}/{name}/deactivate", (string zoneId, string name) =>
            Route53Endpoints.Xml(E("DeactivateKeySigningKeyResponse", ChangeInfo(dnssec.DeactivateKeySigningKey(zoneId, name), "PENDING"))));
        app.MapDelete(v + "/keysigningkey/{zoneId}/{name}", (string zoneId, string name) =>
            Route53Endpoints.Xml(E("DeleteKeySigningKeyResponse", ChangeInfo(dnssec.DeleteKeySigningKey(zoneId, name), "PENDING"))));
    }

    /// <summary>The KeySigningKey shape, members in the model's order.</summary>
    private static XElement KeySigningKey(KeySigningKeyView key) => E("KeySigningKey",
        E("Name", key.Name),
        E("KmsArn", key.KmsArn),
        E("Flag", key.Flag.ToString(CultureInfo.InvariantCulture)),
        E("SigningAlgorithmMnemonic", key.SigningAlgorithmMnemonic),
        E("SigningAlgorithmType", key.SigningAlgorithmType.ToString(CultureInfo.InvariantCulture)),
        E("DigestAlgorithmMnemonic", key.DigestAlgorithmMnemonic),
        E("DigestAlgorithmType", key.DigestAlgorithmType.ToString(CultureInfo.InvariantCulture)),
        E("KeyTag", key.KeyTag.ToString(CultureInfo.InvariantCulture)),
        E("DigestValue", key.DigestValue),
        E("PublicKey", key.PublicKey),
        E("DSRecord", key.DSRecord),
        E("DNSKEYRecord", key.DNSKEYRecord),
        E("Status", key.Status),
        Opt("StatusMessage", key.StatusMessage),
        E("CreatedDate", Timestamp(key.CreatedDate)),
        E("LastModifiedDate", Timestamp(key.LastModifiedDate)));
}
