namespace DnsHost.Route53.Client;

/// <summary>A CIDR collection as ListCidrCollections gives it. <see cref="Id"/> is the collection's id in its account.</summary>
public sealed record CidrCollectionSummary(string Id, string Name, long Version);

/// <summary>One change of a ChangeCidrCollection request: PUT or DELETE_IF_EXISTS of blocks in a location.</summary>
public sealed record CidrChange(string Location, string Action, IReadOnlyList<string> Cidrs);

/// <summary>
/// Route 53's CIDR collection operations the sync job needs, beside <see cref="IRoute53Client"/> (kept apart
/// so other clients of that interface need not change). Every list follows NextToken to the end.
/// </summary>
public interface IRoute53CidrClient
{
    Task<IReadOnlyList<CidrCollectionSummary>> ListCidrCollectionsAsync(CancellationToken cancellationToken = default);
    /// <summary>Every block of the collection with its location (ListCidrBlocks).</summary>
    Task<IReadOnlyList<(string Location, string Cidr)>> ListCidrBlocksAsync(string collectionId, CancellationToken cancellationToken = default);
    Task<CidrCollectionSummary> CreateCidrCollectionAsync(string name, string callerReference, CancellationToken cancellationToken = default);
    /// <param name="version">The collection's version the changes were planned on (Route 53 refuses them with CidrCollectionVersionMismatchException when it moved on), or null.</param>
    Task ChangeCidrCollectionAsync(string collectionId, long? version, IReadOnlyList<CidrChange> changes, CancellationToken cancellationToken = default);
}
