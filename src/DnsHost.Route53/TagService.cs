using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;

namespace DnsHost.Route53;

/// <summary>
/// Tags of hosted zones and health checks (route53-behaviour.md 7.5): at most 10 added and 10 removed
/// per request, 50 per resource, kept in the API's store. Tags never change DNS answers, so zones and
/// checks from files may be tagged too.
/// </summary>
public sealed class TagService(ApiStore store, HostedZoneService zones, HealthCheckService checks)
{
    public const int MaxTagsPerRequest = 10, MaxTagsPerResource = 50;
    private readonly Lock _write = new();

    /// <summary>Checks the type and that the resource exists; returns the id without its "/hostedzone/" or "/healthcheck/" prefix.</summary>
    private string Resolve(string resourceType, string resourceId)
    {
        switch (resourceType)
        {
            case "hostedzone":
                return zones.Get(resourceId).Id;
            case "healthcheck":
                return checks.Get(HostedZoneService.StripPrefix(resourceId, "/healthcheck/")).Id;
            default:
                throw new Route53Exception("InvalidInput", $"ResourceType '{resourceType}' is not hostedzone or healthcheck");
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> List(string resourceType, string resourceId) =>
        store.Tags(resourceType, Resolve(resourceType, resourceId));

    public void Change(string resourceType, string resourceId, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove)
    {
        string id = Resolve(resourceType, resourceId);
        if (add.Count == 0 && remove.Count == 0)
            throw new Route53Exception("InvalidInput", "Give AddTags, RemoveTagKeys or both");
        if (add.Count > MaxTagsPerRequest || remove.Count > MaxTagsPerRequest)
            throw new Route53Exception("InvalidInput", $"A request can add at most {MaxTagsPerRequest} tags and remove at most {MaxTagsPerRequest} keys");
        foreach (var (key, value) in add)
        {
            if (key.Length is < 1 or > 128)
                throw new Route53Exception("InvalidInput", $"Tag key '{key}' must be 1 to 128 characters");
            if (value.Length > 256)
                throw new Route53Exception("InvalidInput", $"The value of tag {key} must be at most 256 characters");
        }
        if (add.GroupBy(t => t.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new Route53Exception("InvalidInput", $"Tag key {twice.Key} is given twice in AddTags");
        lock (_write)
        {
            var after = store.Tags(resourceType, id).Select(t => t.Key).Except(remove, StringComparer.Ordinal).Union(add.Select(t => t.Key), StringComparer.Ordinal).Count();
            if (after > MaxTagsPerResource)
                throw new Route53Exception("InvalidInput", $"A resource can have at most {MaxTagsPerResource} tags; this change would leave {after}");
            store.ChangeTags(resourceType, id, add, remove);
        }
    }
}
