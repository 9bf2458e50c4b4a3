using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>CIDR collections through the client's CIDR operations.</summary>
public sealed partial class Route53Side : ICidrSyncSide
{
    private IRoute53CidrClient Cidr => client as IRoute53CidrClient
        ?? throw new NotSupportedException($"the client of {description} has no CIDR collection operations");

    public async Task<IReadOnlyList<CidrCollectionOnSide>> ListCidrCollectionsAsync(CancellationToken cancellationToken)
    {
        var collections = new List<CidrCollectionOnSide>();
        foreach (var summary in await Cidr.ListCidrCollectionsAsync(cancellationToken))
        {
            var blocks = await Cidr.ListCidrBlocksAsync(summary.Id, cancellationToken);
            collections.Add(new CidrCollectionOnSide(summary.Id, summary.Name, summary.Version, CidrCollectionSync.ByLocation(blocks)));
        }
        return collections;
    }

    public async Task<CidrCollectionOnSide> CreateCidrCollectionAsync(string name, CancellationToken cancellationToken)
    {
        // CreateCidrCollection returns the collection again for the same name and reference, so a retry is safe.
        string reference = $"dnshost-sync:{name}";
        var created = await Cidr.CreateCidrCollectionAsync(name, reference[..Math.Min(reference.Length, 64)], cancellationToken);
        return new CidrCollectionOnSide(created.Id, created.Name, created.Version, new Dictionary<string, IReadOnlyList<string>>());
    }

    public Task ChangeCidrCollectionAsync(string id, long? version, IReadOnlyList<CidrChange> changes, CancellationToken cancellationToken) =>
        Cidr.ChangeCidrCollectionAsync(id, version, changes, cancellationToken);
}
