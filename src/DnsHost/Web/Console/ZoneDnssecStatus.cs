using DnsHost.Route53.Api;
using DnsHost.Route53.Dnssec;
using DnsHost.Server;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// What the Zones page says of a zone's DNSSEC: an API zone's signing status from the DNSSEC API (Route 53's
/// ServeSignature), a zone named by Dnssec:SignedZones or Dnssec:Zones signed with keys from Dnssec:KeyDirectory,
/// otherwise unsigned.
/// </summary>
public sealed class ZoneDnssecStatus(HostedZoneDnssec api, ZoneSigners? signers, string keyDirectory)
{
    public const string NotSigned = "unsigned";

    /// <summary>The id a zone has in the API and in the console's links: an API or JSON zone's own, else the one the API gives a file zone.</summary>
    public static string IdOf(Zone zone) => zone.HostedZone?.Id ?? HostedZoneLoader.StableId(zone.OriginText, false);

    public string Of(Zone zone, ZoneSourceKind? kind)
    {
        if (kind == ZoneSourceKind.Api && zone.HostedZone is { IsPrivate: false } info)
        {
            try
            {
                var status = api.Get(info.Id);
                switch (status.ServeSignature)
                {
                    case "SIGNING":
                        return "signed (DNSSEC API)";
                    case "INTERNAL_FAILURE":
                        return "signing failed: " + status.StatusMessage;
                    case "NOT_SIGNING":
                        break;
                    default:
                        return status.ServeSignature.ToLowerInvariant().Replace('_', ' ');
                }
            }
            catch (Route53Exception)
            {
                // A zone the DNSSEC API does not sign (removed meanwhile): the settings below may still sign it.
            }
        }
        // Dnssec:SignedZones and Dnssec:Zones sign by name, whatever the zone's source.
        return signers?.IsSigned(zone.OriginText) == true ? $"signed (keys in {keyDirectory})" : NotSigned;
    }
}
