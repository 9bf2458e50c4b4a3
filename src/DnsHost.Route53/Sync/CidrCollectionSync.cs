using DnsHost.Route53.Client;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53.Sync;

/// <summary>A CIDR collection on one side: its id there, its name (how sides match it), and its blocks by location, sorted.</summary>
public sealed record CidrCollectionOnSide(string Id, string Name, long Version, IReadOnlyDictionary<string, IReadOnlyList<string>> Locations);

/// <summary>A sync side that has Route 53's account-wide CIDR collections (a Route 53 account or a DnsHost; not a folder).</summary>
public interface ICidrSyncSide
{
    Task<IReadOnlyList<CidrCollectionOnSide>> ListCidrCollectionsAsync(CancellationToken cancellationToken);
    Task<CidrCollectionOnSide> CreateCidrCollectionAsync(string name, CancellationToken cancellationToken);
    Task ChangeCidrCollectionAsync(string id, long? version, IReadOnlyList<CidrChange> changes, CancellationToken cancellationToken);
}

/// <summary>
/// A collection to create or change on the target. <see cref="Before"/> runs before the record sets
/// change (new locations and blocks, blocks leaving a location that stays), <see cref="After"/> after them
/// (locations the source no longer has, with --prune: Route 53 refuses to empty a location record sets use).
/// </summary>
public sealed record PlannedCidrChanges(string Name, string SourceId, CidrCollectionOnSide? Existing, List<CidrChange> Before, List<CidrChange> After)
{
    public bool Create => Existing is null;
}

/// <summary>
/// The CIDR part of a sync: the collections the synced IP-based record sets use are matched on the target
/// by name, created when missing, and their locations and blocks made the source's; the sets then name
/// the target's collection id.
/// </summary>
public static class CidrCollectionSync
{
    /// <summary>Route 53 takes at most 1,000 blocks per ChangeCidrCollection request.</summary>
    public const int MaxBlocksPerRequest = 1000;

    /// <summary>Stands for the id of a collection the apply has not created yet.</summary>
    public static string PendingId(string name) => "pending-cidr-collection:" + name;

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByLocation(IEnumerable<(string Location, string Cidr)> blocks) =>
        blocks.GroupBy(b => b.Location, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(b => b.Cidr).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

    /// <summary>The changes that make <paramref name="current"/> (null: a new collection) hold the blocks of <paramref name="wanted"/>.</summary>
    public static PlannedCidrChanges? Plan(CidrCollectionOnSide wanted, CidrCollectionOnSide? current, bool prune, List<string> warnings)
    {
        var before = new List<CidrChange>();
        var after = new List<CidrChange>();
        var have = current?.Locations ?? new Dictionary<string, IReadOnlyList<string>>();
        // Removals first: a block may move between locations in one request, and it can be in only one.
        foreach (var (location, blocks) in wanted.Locations.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var gone = have.GetValueOrDefault(location, []).Except(blocks, StringComparer.Ordinal).ToList();
            if (gone.Count > 0)
                before.Add(new CidrChange(location, "DELETE_IF_EXISTS", gone));
        }
        foreach (var (location, blocks) in wanted.Locations.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var added = blocks.Except(have.GetValueOrDefault(location, []), StringComparer.Ordinal).ToList();
            if (added.Count > 0)
                before.Add(new CidrChange(location, "PUT", added));
        }
        foreach (var (location, blocks) in have.Where(l => !wanted.Locations.ContainsKey(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (prune)
                after.Add(new CidrChange(location, "DELETE_IF_EXISTS", blocks));
            else
                warnings.Add($"CIDR collection {wanted.Name}: location {location} is on the target only; left as it is (--prune deletes it)");
        }
        return current is not null && before.Count == 0 && after.Count == 0 ? null : new PlannedCidrChanges(wanted.Name, wanted.Id, current, before, after);
    }

    /// <summary>Changes in requests of at most <see cref="MaxBlocksPerRequest"/> blocks, a location's list split where it must be.</summary>
    public static List<List<CidrChange>> Requests(IReadOnlyList<CidrChange> changes)
    {
        var requests = new List<List<CidrChange>>();
        var current = new List<CidrChange>();
        int count = 0;
        foreach (var change in changes)
        {
            for (int start = 0; start < change.Cidrs.Count;)
            {
                if (count == MaxBlocksPerRequest)
                {
                    requests.Add(current);
                    current = [];
                    count = 0;
                }
                int take = Math.Min(change.Cidrs.Count - start, MaxBlocksPerRequest - count);
                current.Add(change with { Cidrs = change.Cidrs.Skip(start).Take(take).ToList() });
                count += take;
                start += take;
            }
        }
        if (current.Count > 0)
            requests.Add(current);
        return requests;
    }

    /// <summary>Carries out one phase of a planned collection; the collection's version moves on by one per request.</summary>
    public static async Task<int> ApplyAsync(ICidrSyncSide target, PlannedCidrChanges planned, Dictionary<string, string> collectionIds, bool after, CancellationToken cancellationToken)
    {
        string id;
        long? version;
        if (!after && planned.Existing is null)
        {
            var created = await target.CreateCidrCollectionAsync(planned.Name, cancellationToken);
            collectionIds[PendingId(planned.Name)] = created.Id;
            collectionIds[planned.SourceId] = created.Id;
            (id, version) = (created.Id, created.Version);
        }
        else
        {
            id = planned.Existing?.Id ?? collectionIds[PendingId(planned.Name)];
            // The removals after the record sets go without a version: the requests before moved it on.
            version = after ? null : planned.Existing?.Version;
        }
        int requests = 0;
        foreach (var request in Requests(after ? planned.After : planned.Before))
        {
            await target.ChangeCidrCollectionAsync(id, version, request, cancellationToken);
            version++;
            requests++;
        }
        return requests;
    }

    /// <summary>The plan's lines for one collection: + a new one, ~ a changed one, then each location's blocks added and removed.</summary>
    public static IEnumerable<string> Describe(PlannedCidrChanges planned)
    {
        yield return $"cidr collection {(planned.Create ? "+" : "~")} {planned.Name}";
        foreach (var change in planned.Before.Concat(planned.After))
            yield return $"  {(change.Action == "PUT" ? "+" : "-")} {change.Location} {string.Join(",", change.Cidrs)}";
    }

    /// <summary>The collection a set's CidrRoutingConfig names, by its id on the source.</summary>
    public static string? CollectionId(ResourceRecordSetJson set) => set.CidrRoutingConfig?.CollectionId;
}
