using System.Globalization;
using System.Xml.Linq;
using Amazon.Runtime;
using DnsHost.Route53.Api;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using static DnsHost.Route53.Api.Route53Xml;
using static DnsHost.Route53.Client.Route53ClientXml;

namespace DnsHost.Route53.Client;

/// <summary>
/// <see cref="IRoute53Client"/> over Route 53's REST-XML API (2013-04-01), signed by AWSSDK.Core, for
/// Route 53 itself or a DnsHost. Request bodies follow the botocore model's element order; record sets
/// are read and written by <see cref="Route53Xml"/>, the server's own code, so every routing field round-trips.
/// </summary>
public sealed partial class Route53RestClient : IRoute53Client, IDisposable
{
    private const string V = Route53Endpoints.Version;
    private readonly Route53Transport _transport;
    private readonly Route53ClientOptions _options;

    /// <param name="credentials">From <see cref="Route53Credentials.Resolve"/>, or any AWSSDK.Core credentials.</param>
    /// <param name="handler">The HTTP handler under the client (tests look at the signed requests); the default one when null.</param>
    public Route53RestClient(AWSCredentials credentials, Route53ClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new Route53ClientOptions();
        _transport = new Route53Transport(credentials, _options, handler);
    }

    public ClientCounters Counters => _transport.Counters;

    public async Task<IReadOnlyList<HostedZoneSummary>> ListHostedZonesAsync(CancellationToken cancellationToken = default)
    {
        var zones = new List<HostedZoneSummary>();
        string? marker = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, V + "/hostedzone" + Query(("marker", marker), ("maxitems", PageSize)), null, "ListHostedZonesResponse", cancellationToken);
            zones.AddRange(Children(page, "HostedZones", "HostedZone").Select(ReadHostedZone));
            marker = NextPage(page, "NextMarker", marker);
        }
        while (marker is not null);
        return zones;
    }

    public async Task<(HostedZoneSummary Zone, IReadOnlyList<VpcAssociation> Vpcs)> GetHostedZoneAsync(string id, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{V}/hostedzone/{Id(id, "/hostedzone/")}", null, "GetHostedZoneResponse", cancellationToken);
        return (ReadHostedZone(Child(answer, "HostedZone") ?? throw NoElement("HostedZone")), Children(answer, "VPCs", "VPC").Select(ReadVpc).ToList());
    }

    public async Task<(HostedZoneSummary Zone, string ChangeId)> CreateHostedZoneAsync(string name, string callerReference, string? comment, VpcAssociation? privateVpc, CancellationToken cancellationToken = default)
    {
        var request = E("CreateHostedZoneRequest",
            E("Name", name),
            privateVpc is null ? null : E("VPC", E("VPCRegion", privateVpc.VpcRegion), E("VPCId", privateVpc.VpcId)),
            E("CallerReference", callerReference),
            comment is null && privateVpc is null ? null : E("HostedZoneConfig", Opt("Comment", comment), privateVpc is null ? null : E("PrivateZone", "true")));
        var answer = await SendAsync(HttpMethod.Post, V + "/hostedzone", request, "CreateHostedZoneResponse", cancellationToken);
        return (ReadHostedZone(Child(answer, "HostedZone") ?? throw NoElement("HostedZone")), ChangeId(answer));
    }

    public async Task<string> AssociateVpcWithHostedZoneAsync(string zoneId, VpcAssociation vpc, CancellationToken cancellationToken = default)
    {
        var request = E("AssociateVPCWithHostedZoneRequest", E("VPC", E("VPCRegion", vpc.VpcRegion), E("VPCId", vpc.VpcId)));
        var answer = await SendAsync(HttpMethod.Post, $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/associatevpc", request, "AssociateVPCWithHostedZoneResponse", cancellationToken);
        return ChangeId(answer);
    }

    /// <summary>All of a zone's record sets, in Route 53's order, following NextRecordName/Type/Identifier.</summary>
    public async Task<IReadOnlyList<ResourceRecordSetJson>> ListResourceRecordSetsAsync(string zoneId, CancellationToken cancellationToken = default)
    {
        var sets = new List<ResourceRecordSetJson>();
        string path = $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/rrset";
        (string? Name, string? Type, string? Identifier) next = (null, null, null);
        while (true)
        {
            var page = await SendAsync(HttpMethod.Get, path + Query(("name", next.Name), ("type", next.Type), ("identifier", next.Identifier), ("maxitems", PageSize)),
                null, "ListResourceRecordSetsResponse", cancellationToken);
            sets.AddRange(Children(page, "ResourceRecordSets", "ResourceRecordSet").Select(ReadRecordSetChecked));
            if (Bool(page, "IsTruncated") != true)
                return sets;
            var following = (Text(page, "NextRecordName"), Text(page, "NextRecordType"), Text(page, "NextRecordIdentifier"));
            if (following.Item1 is null || following == next)
                throw new Route53ClientException("InvalidResponse", $"ListResourceRecordSets of {zoneId} is truncated but does not move on (NextRecordName '{following.Item1}')", 200);
            next = following;
        }
    }

    public async Task<string> ChangeResourceRecordSetsAsync(string zoneId, string? comment, IReadOnlyList<RecordSetChange> changes, CancellationToken cancellationToken = default)
    {
        var request = E("ChangeResourceRecordSetsRequest",
            E("ChangeBatch",
                Opt("Comment", comment),
                E("Changes", changes.Select(c => E("Change", E("Action", c.Action), WriteRecordSet(c.Set))))));
        // The model's URI has the trailing slash.
        var answer = await SendAsync(HttpMethod.Post, $"{V}/hostedzone/{Id(zoneId, "/hostedzone/")}/rrset/", request, "ChangeResourceRecordSetsResponse", cancellationToken);
        return ChangeId(answer);
    }

    public async Task<string> GetChangeAsync(string changeId, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{V}/change/{Id(changeId, "/change/")}", null, "GetChangeResponse", cancellationToken);
        return Required(Child(answer, "ChangeInfo"), "Status");
    }

    public async Task<IReadOnlyList<HealthCheckRecord>> ListHealthChecksAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<HealthCheckRecord>();
        string? marker = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, V + "/healthcheck" + Query(("marker", marker), ("maxitems", PageSize)), null, "ListHealthChecksResponse", cancellationToken);
            checks.AddRange(Children(page, "HealthChecks", "HealthCheck").Select(ReadHealthCheck));
            marker = NextPage(page, "NextMarker", marker);
        }
        while (marker is not null);
        return checks;
    }

    public async Task<HealthCheckRecord> CreateHealthCheckAsync(string callerReference, HealthCheckConfigJson config, CancellationToken cancellationToken = default)
    {
        var request = E("CreateHealthCheckRequest", E("CallerReference", callerReference), WriteConfig(config));
        var answer = await SendAsync(HttpMethod.Post, V + "/healthcheck", request, "CreateHealthCheckResponse", cancellationToken);
        return ReadHealthCheck(Child(answer, "HealthCheck") ?? throw NoElement("HealthCheck"));
    }

    /// <inheritdoc/>
    /// <remarks>Resettable elements (ResourcePath, FullyQualifiedDomainName, Regions, ChildHealthChecks) that <paramref name="config"/> leaves out are reset.</remarks>
    public async Task<HealthCheckRecord> UpdateHealthCheckAsync(string id, long version, HealthCheckConfigJson config, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, $"{V}/healthcheck/{Id(id, "")}", WriteUpdate(version, config), "UpdateHealthCheckResponse", cancellationToken);
        return ReadHealthCheck(Child(answer, "HealthCheck") ?? throw NoElement("HealthCheck"));
    }

    public async Task DeleteHealthCheckAsync(string id, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Delete, $"{V}/healthcheck/{Id(id, "")}", null, "DeleteHealthCheckResponse", cancellationToken);

    public async Task<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceType, string id, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{V}/tags/{Id(resourceType, "")}/{Id(id, "/" + resourceType + "/")}", null, "ListTagsForResourceResponse", cancellationToken);
        return Children(Child(answer, "ResourceTagSet"), "Tags", "Tag")
            .Select(t => new KeyValuePair<string, string>(Required(t, "Key"), Text(t, "Value") ?? "")).ToList();
    }

    public async Task ChangeTagsForResourceAsync(string resourceType, string id, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove, CancellationToken cancellationToken = default)
    {
        var request = E("ChangeTagsForResourceRequest",
            add.Count == 0 ? null : E("AddTags", add.Select(t => E("Tag", E("Key", t.Key), E("Value", t.Value)))),
            remove.Count == 0 ? null : E("RemoveTagKeys", remove.Select(k => E("Key", k))));
        await SendAsync(HttpMethod.Post, $"{V}/tags/{Id(resourceType, "")}/{Id(id, "/" + resourceType + "/")}", request, "ChangeTagsForResourceResponse", cancellationToken);
    }

    public void Dispose() => _transport.Dispose();

    private string? PageSize => _options.PageSize?.ToString(CultureInfo.InvariantCulture);

    private async Task<XElement> SendAsync(HttpMethod method, string pathAndQuery, XElement? body, string response, CancellationToken cancellationToken)
    {
        var answer = await _transport.SendAsync(method, pathAndQuery, body, cancellationToken);
        // Route 53 answers DeleteHealthCheck with an empty element; some servers with no body at all.
        return answer is null && method == HttpMethod.Delete ? E(response) : Root(answer, response);
    }

    /// <summary>A bare id, escaped for the path ("/hostedzone/Z1" and "Z1" are the same zone).</summary>
    private static string Id(string id, string prefix) => Uri.EscapeDataString(prefix.Length > 0 ? Bare(id, prefix) : id);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    /// <summary>The marker of the next page, or null on the last; a marker that does not move on is an error, not a loop.</summary>
    private static string? NextPage(XElement page, string element, string? current)
    {
        if (Bool(page, "IsTruncated") != true)
            return null;
        string? next = Text(page, element);
        if (string.IsNullOrEmpty(next) || next == current)
            throw new Route53ClientException("InvalidResponse", $"{page.Name.LocalName} is truncated but {element} does not move on ('{next}')", 200);
        return next;
    }

    private static string ChangeId(XElement answer) => Bare(Required(Child(answer, "ChangeInfo"), "Id"), "/change/");

    private static ResourceRecordSetJson ReadRecordSetChecked(XElement set)
    {
        try
        {
            return ReadRecordSet(set);
        }
        catch (Route53Exception e)
        {
            throw new Route53ClientException("InvalidResponse", $"a ResourceRecordSet in the answer: {e.Message}", 200, e);
        }
    }

    private static Route53ClientException NoElement(string name) => new("InvalidResponse", $"the answer has no {name}", 200);
}
