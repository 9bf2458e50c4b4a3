using System.Globalization;
using System.Text;
using DnsHost.Zones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;
using static DnsHost.Route53.Api.Route53Endpoints;

namespace DnsHost.Route53.Api;

/// <summary>
/// The REST-XML operations around zones and records: VPC associations, CIDR collections and tags.
/// Shapes and element names follow the botocore model (lists without a member name use "member").
/// </summary>
public static class AccountEndpoints
{
    /// <summary>The account that owns every zone here (HostedZoneOwner.OwningAccount); AWS's documentation example account.</summary>
    public const string AccountId = "123456789012";
    private const string Version = Route53Endpoints.Version;

    public static void MapRoute53Vpcs(this IEndpointRouteBuilder app, HostedZoneService zones)
    {
        app.MapPost(Version + "/hostedzone/{id}/associatevpc", async (string id, HttpContext context) =>
        {
            var request = await ReadBody(context, "AssociateVPCWithHostedZoneRequest");
            var change = zones.AssociateVpc(id, ReadVpc(request), Text(request, "Comment"));
            return Xml(E("AssociateVPCWithHostedZoneResponse", ChangeInfo(change, "PENDING")));
        });
        app.MapPost(Version + "/hostedzone/{id}/disassociatevpc", async (string id, HttpContext context) =>
        {
            var request = await ReadBody(context, "DisassociateVPCFromHostedZoneRequest");
            var change = zones.DisassociateVpc(id, ReadVpc(request), Text(request, "Comment"));
            return Xml(E("DisassociateVPCFromHostedZoneResponse", ChangeInfo(change, "PENDING")));
        });
        app.MapGet(Version + "/hostedzonesbyvpc", (HttpContext context) =>
        {
            var query = context.Request.Query;
            string vpcId = query["vpcid"].ToString() is { Length: > 0 } v ? v : throw Missing("VPCId");
            string region = query["vpcregion"].ToString() is { Length: > 0 } r ? r : throw Missing("VPCRegion");
            int max = MaxItems(context, HostedZoneService.MaxZonesPerPage);
            var all = zones.ListByVpc(new VpcAssociation(vpcId, region));
            int start = Start(query["nexttoken"], all.Select(z => z.Id).ToList(), "InvalidPaginationToken");
            var page = all.Skip(start).Take(max).ToList();
            bool more = start + max < all.Count;
            return Xml(E("ListHostedZonesByVPCResponse",
                E("HostedZoneSummaries", page.Select(z => E("HostedZoneSummary",
                    E("HostedZoneId", z.Id), E("Name", z.Name), E("Owner", E("OwningAccount", AccountId))))),
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture)),
                more ? E("NextToken", Token(all[start + max].Id)) : null));
        });
    }

    private static VpcAssociation ReadVpc(System.Xml.Linq.XElement request)
    {
        var vpc = Child(request, "VPC") ?? throw Missing("VPC");
        return new VpcAssociation(Text(vpc, "VPCId") ?? throw Missing("VPC.VPCId"), Text(vpc, "VPCRegion") ?? throw Missing("VPC.VPCRegion"));
    }

    public static void MapRoute53CidrCollections(this IEndpointRouteBuilder app, HostedZoneService zones)
    {
        const string collections = Version + "/cidrcollection";
        app.MapPost(collections, async (HttpContext context) =>
        {
            var request = await ReadBody(context, "CreateCidrCollectionRequest");
            var (collection, _) = zones.CreateCidrCollection(Text(request, "Name") ?? throw Missing("Name"), Text(request, "CallerReference") ?? throw Missing("CallerReference"));
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{collections}/{collection.Id}";
            return Xml(E("CreateCidrCollectionResponse", E("Collection", Summary(collection))), 201);
        });
        app.MapGet(collections, (HttpContext context) =>
        {
            var all = zones.ListCidrCollections();
            var (page, next) = Page(context, all, c => c.Id);
            return Xml(E("ListCidrCollectionsResponse",
                next is null ? null : E("NextToken", next),
                E("CidrCollections", page.Select(c => E("member", Summary(c))))));
        });
        app.MapGet(collections + "/{id}", (string id, HttpContext context) =>
        {
            var collection = zones.GetCidrCollection(id);
            var (page, next) = Page(context, collection.Locations.Select(l => l.Location).ToList(), l => l);
            return Xml(E("ListCidrLocationsResponse",
                next is null ? null : E("NextToken", next),
                E("CidrLocations", page.Select(l => E("member", E("LocationName", l))))));
        });
        app.MapGet(collections + "/{id}/cidrblocks", (string id, HttpContext context) =>
        {
            var collection = zones.GetCidrCollection(id);
            string? location = context.Request.Query["location"];
            if (location is not null && !collection.Locations.Any(l => l.Location == location))
                throw new Route53Exception("NoSuchCidrLocationException", $"The CIDR collection location {location} doesn't match any locations in collection {collection.Name}.", 404);
            var blocks = collection.Locations.Where(l => location is null || l.Location == location)
                .SelectMany(l => l.Blocks.Select(b => (Location: l.Location, Block: b))).ToList();
            var (page, next) = Page(context, blocks, b => b.Location + " " + b.Block);
            return Xml(E("ListCidrBlocksResponse",
                next is null ? null : E("NextToken", next),
                E("CidrBlocks", page.Select(b => E("member", E("CidrBlock", b.Block), E("LocationName", b.Location))))));
        });
        app.MapPost(collections + "/{id}", async (string id, HttpContext context) =>
        {
            var request = await ReadBody(context, "ChangeCidrCollectionRequest");
            var changes = Children(request, "Changes", "member").Select(c => (
                Location: Text(c, "LocationName") ?? throw Missing("Changes.member.LocationName"),
                Action: Text(c, "Action") ?? throw Missing("Changes.member.Action"),
                Cidrs: (IReadOnlyList<string>)Children(c, "CidrList", "Cidr").Select(b => b.Value.Trim()).ToList())).ToList();
            var collection = zones.ChangeCidrCollection(id, Long(request, "CollectionVersion"), changes);
            return Xml(E("ChangeCidrCollectionResponse", E("Id", collection.Id)));
        });
        app.MapDelete(collections + "/{id}", (string id) =>
        {
            zones.DeleteCidrCollection(id);
            return Xml(E("DeleteCidrCollectionResponse"));
        });
    }

    private static object[] Summary(CidrCollectionView c) =>
        [E("Arn", c.Arn), E("Id", c.Id), E("Name", c.Name), E("Version", c.Version.ToString(CultureInfo.InvariantCulture))];

    /// <summary>One page, in order of <paramref name="key"/>, by maxresults (100 by default, at most 1,000) and an opaque nexttoken naming the first key of the next page.</summary>
    private static (List<T> Page, string? Next) Page<T>(HttpContext context, IReadOnlyList<T> all, Func<T, string> key)
    {
        int max = 100;
        if (context.Request.Query["maxresults"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1))
            throw new Route53Exception("InvalidInput", $"MaxResults '{text}' must be a positive number");
        max = Math.Min(max, 1000);
        all = all.OrderBy(key, StringComparer.Ordinal).ToList();
        int start = Start(context.Request.Query["nexttoken"], all.Select(key).ToList(), "InvalidInput");
        var page = all.Skip(start).Take(max).ToList();
        return (page, start + max < all.Count ? Token(key(all[start + max])) : null);
    }

    private static string Token(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static int Start(string? token, List<string> keys, string errorCode)
    {
        if (string.IsNullOrEmpty(token))
            return 0;
        string key;
        try
        {
            key = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new Route53Exception(errorCode, $"The pagination token '{token}' is not valid");
        }
        // The item the token names may be gone by now: continue at the next key in order.
        int index = keys.ToList().FindIndex(k => string.CompareOrdinal(k, key) >= 0);
        return index < 0 ? keys.Count : index;
    }

    public static void MapRoute53Tags(this IEndpointRouteBuilder app, TagService tags)
    {
        app.MapPost(Version + "/tags/{type}/{id}", async (string type, string id, HttpContext context) =>
        {
            var request = await ReadBody(context, "ChangeTagsForResourceRequest");
            var add = Children(request, "AddTags", "Tag")
                .Select(t => new KeyValuePair<string, string>(Text(t, "Key") ?? throw Missing("AddTags.Tag.Key"), Text(t, "Value") ?? "")).ToList();
            var remove = Children(request, "RemoveTagKeys", "Key").Select(k => k.Value).ToList();
            tags.Change(type, id, add, remove);
            return Xml(E("ChangeTagsForResourceResponse"));
        });
        app.MapGet(Version + "/tags/{type}/{id}", (string type, string id) =>
            Xml(E("ListTagsForResourceResponse", TagSet(type, id, tags.List(type, id)))));
        app.MapPost(Version + "/tags/{type}", async (string type, HttpContext context) =>
        {
            var request = await ReadBody(context, "ListTagsForResourcesRequest");
            var ids = Children(request, "ResourceIds", "ResourceId").Select(e => e.Value).ToList();
            if (ids.Count is 0 or > TagService.MaxTagsPerRequest)
                throw new Route53Exception("InvalidInput", $"ResourceIds must hold 1 to {TagService.MaxTagsPerRequest} ids");
            return Xml(E("ListTagsForResourcesResponse", E("ResourceTagSets", ids.Select(id => TagSet(type, id, tags.List(type, id))))));
        });
    }

    private static System.Xml.Linq.XElement TagSet(string type, string id, IReadOnlyList<KeyValuePair<string, string>> list) =>
        E("ResourceTagSet", E("ResourceType", type), E("ResourceId", id),
            E("Tags", list.Select(t => E("Tag", E("Key", t.Key), E("Value", t.Value)))));
}
