namespace DnsHost.Route53.Sync;

/// <summary>A sync side whose hosted zones and health checks have Route 53 tags (a Route 53 account or a DnsHost; not a folder).</summary>
public interface ITagSyncSide
{
    /// <param name="resourceType">"hostedzone" or "healthcheck".</param>
    Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string resourceType, string id, CancellationToken cancellationToken);
    Task ChangeTagsAsync(string resourceType, string id, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove, CancellationToken cancellationToken);
}

/// <summary>Tags to set on one target resource: keys added or given another value, and (with --prune) keys the source lacks.</summary>
public sealed record TagChanges(IReadOnlyList<KeyValuePair<string, string>> Add, IReadOnlyList<string> Remove)
{
    public static readonly TagChanges None = new([], []);
    public bool IsEmpty => Add.Count == 0 && Remove.Count == 0;

    /// <summary>The plan's lines: <c>+ tag key=value</c>, <c>~ tag key=old -> new</c>, <c>- tag key</c>.</summary>
    public IEnumerable<string> Describe(IReadOnlyDictionary<string, string> current) =>
        Add.Select(t => current.TryGetValue(t.Key, out var old) ? $"~ tag {t.Key}={old} -> {t.Value}" : $"+ tag {t.Key}={t.Value}")
            .Concat(Remove.Select(k => $"- tag {k}"));
}

/// <summary>A health check's tags to set once the check exists on the target.</summary>
public sealed record PlannedHealthCheckTags(string Key, string SourceId, TagChanges Changes, IReadOnlyDictionary<string, string> Current);

/// <summary>
/// The tag part of a sync: hosted zones' and health checks' tags go from source to target
/// (ChangeTagsForResource). A key the target has besides is removed only with --prune.
/// </summary>
public static class TagSync
{
    public const string HostedZone = "hostedzone", HealthCheck = "healthcheck";

    public static TagChanges Diff(IReadOnlyDictionary<string, string> wanted, IReadOnlyDictionary<string, string> current, bool prune) => new(
        wanted.Where(t => !current.TryGetValue(t.Key, out var value) || value != t.Value).OrderBy(t => t.Key, StringComparer.Ordinal).ToList(),
        prune ? current.Keys.Where(k => !wanted.ContainsKey(k)).Order(StringComparer.Ordinal).ToList() : []);

    /// <summary>Route 53 takes at most 10 tags to add and 10 keys to remove per ChangeTagsForResource.</summary>
    public static async Task<int> ApplyAsync(ITagSyncSide target, string resourceType, string id, TagChanges changes, CancellationToken cancellationToken)
    {
        int requests = 0;
        for (int i = 0; i < Math.Max(changes.Add.Count, changes.Remove.Count); i += 10)
        {
            await target.ChangeTagsAsync(resourceType, id, changes.Add.Skip(i).Take(10).ToList(), changes.Remove.Skip(i).Take(10).ToList(), cancellationToken);
            requests++;
        }
        return requests;
    }
}
