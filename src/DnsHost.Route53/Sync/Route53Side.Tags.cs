namespace DnsHost.Route53.Sync;

/// <summary>Tags through ListTagsForResource and ChangeTagsForResource.</summary>
public sealed partial class Route53Side : ITagSyncSide
{
    public async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string resourceType, string id, CancellationToken cancellationToken) =>
        (await client.ListTagsForResourceAsync(resourceType, id, cancellationToken)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    public Task ChangeTagsAsync(string resourceType, string id, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove, CancellationToken cancellationToken) =>
        client.ChangeTagsForResourceAsync(resourceType, id, add, remove, cancellationToken);
}
