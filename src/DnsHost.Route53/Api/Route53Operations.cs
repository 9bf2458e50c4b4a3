using System.Text.RegularExpressions;

namespace DnsHost.Route53.Api;

/// <summary>
/// Every operation of Route 53's API (method and path template, from the 2013-04-01 model), so a
/// request DnsHost does not serve yet gets an error that names the operation.
/// </summary>
public static class Route53Operations
{
    private static readonly (string Method, string Template, string Name)[] All =
    [
        ("POST", "/2013-04-01/keysigningkey/{HostedZoneId}/{Name}/activate", "ActivateKeySigningKey"),
        ("POST", "/2013-04-01/hostedzone/{Id}/associatevpc", "AssociateVPCWithHostedZone"),
        ("POST", "/2013-04-01/cidrcollection/{CidrCollectionId}", "ChangeCidrCollection"),
        ("POST", "/2013-04-01/hostedzone/{Id}/rrset/", "ChangeResourceRecordSets"),
        ("POST", "/2013-04-01/tags/{ResourceType}/{ResourceId}", "ChangeTagsForResource"),
        ("POST", "/2013-04-01/cidrcollection", "CreateCidrCollection"),
        ("POST", "/2013-04-01/healthcheck", "CreateHealthCheck"),
        ("POST", "/2013-04-01/hostedzone", "CreateHostedZone"),
        ("POST", "/2013-04-01/keysigningkey", "CreateKeySigningKey"),
        ("POST", "/2013-04-01/queryloggingconfig", "CreateQueryLoggingConfig"),
        ("POST", "/2013-04-01/delegationset", "CreateReusableDelegationSet"),
        ("POST", "/2013-04-01/trafficpolicy", "CreateTrafficPolicy"),
        ("POST", "/2013-04-01/trafficpolicyinstance", "CreateTrafficPolicyInstance"),
        ("POST", "/2013-04-01/trafficpolicy/{Id}", "CreateTrafficPolicyVersion"),
        ("POST", "/2013-04-01/hostedzone/{Id}/authorizevpcassociation", "CreateVPCAssociationAuthorization"),
        ("POST", "/2013-04-01/keysigningkey/{HostedZoneId}/{Name}/deactivate", "DeactivateKeySigningKey"),
        ("DELETE", "/2013-04-01/cidrcollection/{CidrCollectionId}", "DeleteCidrCollection"),
        ("DELETE", "/2013-04-01/healthcheck/{HealthCheckId}", "DeleteHealthCheck"),
        ("DELETE", "/2013-04-01/hostedzone/{Id}", "DeleteHostedZone"),
        ("DELETE", "/2013-04-01/keysigningkey/{HostedZoneId}/{Name}", "DeleteKeySigningKey"),
        ("DELETE", "/2013-04-01/queryloggingconfig/{Id}", "DeleteQueryLoggingConfig"),
        ("DELETE", "/2013-04-01/delegationset/{Id}", "DeleteReusableDelegationSet"),
        ("DELETE", "/2013-04-01/trafficpolicy/{Id}/{Version}", "DeleteTrafficPolicy"),
        ("DELETE", "/2013-04-01/trafficpolicyinstance/{Id}", "DeleteTrafficPolicyInstance"),
        ("POST", "/2013-04-01/hostedzone/{Id}/deauthorizevpcassociation", "DeleteVPCAssociationAuthorization"),
        ("POST", "/2013-04-01/hostedzone/{Id}/disable-dnssec", "DisableHostedZoneDNSSEC"),
        ("POST", "/2013-04-01/hostedzone/{Id}/disassociatevpc", "DisassociateVPCFromHostedZone"),
        ("POST", "/2013-04-01/hostedzone/{Id}/enable-dnssec", "EnableHostedZoneDNSSEC"),
        ("GET", "/2013-04-01/accountlimit/{Type}", "GetAccountLimit"),
        ("GET", "/2013-04-01/change/{Id}", "GetChange"),
        ("GET", "/2013-04-01/checkeripranges", "GetCheckerIpRanges"),
        ("GET", "/2013-04-01/hostedzone/{Id}/dnssec", "GetDNSSEC"),
        ("GET", "/2013-04-01/geolocation", "GetGeoLocation"),
        ("GET", "/2013-04-01/healthcheck/{HealthCheckId}", "GetHealthCheck"),
        ("GET", "/2013-04-01/healthcheckcount", "GetHealthCheckCount"),
        ("GET", "/2013-04-01/healthcheck/{HealthCheckId}/lastfailurereason", "GetHealthCheckLastFailureReason"),
        ("GET", "/2013-04-01/healthcheck/{HealthCheckId}/status", "GetHealthCheckStatus"),
        ("GET", "/2013-04-01/hostedzone/{Id}", "GetHostedZone"),
        ("GET", "/2013-04-01/hostedzonecount", "GetHostedZoneCount"),
        ("GET", "/2013-04-01/hostedzonelimit/{Id}/{Type}", "GetHostedZoneLimit"),
        ("GET", "/2013-04-01/queryloggingconfig/{Id}", "GetQueryLoggingConfig"),
        ("GET", "/2013-04-01/delegationset/{Id}", "GetReusableDelegationSet"),
        ("GET", "/2013-04-01/reusabledelegationsetlimit/{Id}/{Type}", "GetReusableDelegationSetLimit"),
        ("GET", "/2013-04-01/trafficpolicy/{Id}/{Version}", "GetTrafficPolicy"),
        ("GET", "/2013-04-01/trafficpolicyinstance/{Id}", "GetTrafficPolicyInstance"),
        ("GET", "/2013-04-01/trafficpolicyinstancecount", "GetTrafficPolicyInstanceCount"),
        ("GET", "/2013-04-01/cidrcollection/{CidrCollectionId}/cidrblocks", "ListCidrBlocks"),
        ("GET", "/2013-04-01/cidrcollection", "ListCidrCollections"),
        ("GET", "/2013-04-01/cidrcollection/{CidrCollectionId}", "ListCidrLocations"),
        ("GET", "/2013-04-01/geolocations", "ListGeoLocations"),
        ("GET", "/2013-04-01/healthcheck", "ListHealthChecks"),
        ("GET", "/2013-04-01/hostedzone", "ListHostedZones"),
        ("GET", "/2013-04-01/hostedzonesbyname", "ListHostedZonesByName"),
        ("GET", "/2013-04-01/hostedzonesbyvpc", "ListHostedZonesByVPC"),
        ("GET", "/2013-04-01/queryloggingconfig", "ListQueryLoggingConfigs"),
        ("GET", "/2013-04-01/hostedzone/{Id}/rrset", "ListResourceRecordSets"),
        ("GET", "/2013-04-01/delegationset", "ListReusableDelegationSets"),
        ("GET", "/2013-04-01/tags/{ResourceType}/{ResourceId}", "ListTagsForResource"),
        ("POST", "/2013-04-01/tags/{ResourceType}", "ListTagsForResources"),
        ("GET", "/2013-04-01/trafficpolicies", "ListTrafficPolicies"),
        ("GET", "/2013-04-01/trafficpolicyinstances", "ListTrafficPolicyInstances"),
        ("GET", "/2013-04-01/trafficpolicyinstances/hostedzone", "ListTrafficPolicyInstancesByHostedZone"),
        ("GET", "/2013-04-01/trafficpolicyinstances/trafficpolicy", "ListTrafficPolicyInstancesByPolicy"),
        ("GET", "/2013-04-01/trafficpolicies/{Id}/versions", "ListTrafficPolicyVersions"),
        ("GET", "/2013-04-01/hostedzone/{Id}/authorizevpcassociation", "ListVPCAssociationAuthorizations"),
        ("GET", "/2013-04-01/testdnsanswer", "TestDNSAnswer"),
        ("POST", "/2013-04-01/healthcheck/{HealthCheckId}", "UpdateHealthCheck"),
        ("POST", "/2013-04-01/hostedzone/{Id}", "UpdateHostedZoneComment"),
        ("POST", "/2013-04-01/trafficpolicy/{Id}/{Version}", "UpdateTrafficPolicyComment"),
        ("POST", "/2013-04-01/trafficpolicyinstance/{Id}", "UpdateTrafficPolicyInstance"),
    ];

    private static readonly (string Method, Regex Pattern, string Name)[] Patterns =
        All.Select(o => (o.Method, new Regex("^" + Regex.Replace(Regex.Escape(o.Template.TrimEnd('/')), @"\\\{[^}]+\}", "[^/]+") + "/?$", RegexOptions.CultureInvariant), o.Name)).ToArray();

    /// <summary>The operation a request is for, or null when no Route 53 operation has this method and path.</summary>
    public static string? Find(string method, string path)
    {
        foreach (var (m, pattern, name) in Patterns)
        {
            if (m == method && pattern.IsMatch(path))
                return name;
        }
        return null;
    }
}
