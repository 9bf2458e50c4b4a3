using System.Globalization;
using static DnsHost.Route53.Api.Route53Xml;
using static DnsHost.Route53.Client.Route53ClientXml;

namespace DnsHost.Route53.Client;

/// <summary>ListCidrCollections, ListCidrBlocks, CreateCidrCollection and ChangeCidrCollection (element order from the botocore model).</summary>
public sealed partial class Route53RestClient : IRoute53CidrClient
{
    public async Task<IReadOnlyList<CidrCollectionSummary>> ListCidrCollectionsAsync(CancellationToken cancellationToken = default)
    {
        var collections = new List<CidrCollectionSummary>();
        string? token = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, V + "/cidrcollection" + Query(("nexttoken", token), ("maxresults", PageSize)), null, "ListCidrCollectionsResponse", cancellationToken);
            collections.AddRange(Children(page, "CidrCollections", "member").Select(ReadCollection));
            token = NextToken(page, token);
        }
        while (token is not null);
        return collections;
    }

    public async Task<IReadOnlyList<(string Location, string Cidr)>> ListCidrBlocksAsync(string collectionId, CancellationToken cancellationToken = default)
    {
        var blocks = new List<(string, string)>();
        string? token = null;
        do
        {
            var page = await SendAsync(HttpMethod.Get, $"{V}/cidrcollection/{Id(collectionId, "")}/cidrblocks" + Query(("nexttoken", token), ("maxresults", PageSize)), null, "ListCidrBlocksResponse", cancellationToken);
            blocks.AddRange(Children(page, "CidrBlocks", "member").Select(b => (Required(b, "LocationName"), Required(b, "CidrBlock"))));
            token = NextToken(page, token);
        }
        while (token is not null);
        return blocks;
    }

    public async Task<CidrCollectionSummary> CreateCidrCollectionAsync(string name, string callerReference, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, V + "/cidrcollection", E("CreateCidrCollectionRequest", E("Name", name), E("CallerReference", callerReference)), "CreateCidrCollectionResponse", cancellationToken);
        return ReadCollection(Child(answer, "Collection") ?? throw NoElement("Collection"));
    }

    public async Task ChangeCidrCollectionAsync(string collectionId, long? version, IReadOnlyList<CidrChange> changes, CancellationToken cancellationToken = default)
    {
        var request = E("ChangeCidrCollectionRequest",
            version is null ? null : E("CollectionVersion", version.Value.ToString(CultureInfo.InvariantCulture)),
            E("Changes", changes.Select(c => E("member", E("LocationName", c.Location), E("Action", c.Action), E("CidrList", c.Cidrs.Select(b => E("Cidr", b)))))));
        await SendAsync(HttpMethod.Post, $"{V}/cidrcollection/{Id(collectionId, "")}", request, "ChangeCidrCollectionResponse", cancellationToken);
    }

    private static CidrCollectionSummary ReadCollection(System.Xml.Linq.XElement c) =>
        new(Required(c, "Id"), Required(c, "Name"), Long(c, "Version") ?? 1);

    /// <summary>The next page's token, or null on the last; a token that does not move on is an error, not a loop.</summary>
    private static string? NextToken(System.Xml.Linq.XElement page, string? current)
    {
        string? next = Text(page, "NextToken");
        if (string.IsNullOrEmpty(next))
            return null;
        if (next == current)
            throw new Route53ClientException("InvalidResponse", $"{page.Name.LocalName}'s NextToken does not move on ('{next}')", 200);
        return next;
    }
}
