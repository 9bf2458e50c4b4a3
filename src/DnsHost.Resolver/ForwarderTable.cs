using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>Conditional forwarders: domain to upstream servers, the longest matching suffix wins.</summary>
public sealed class ForwarderTable
{
    private readonly Dictionary<byte[], UpstreamServer[]> _domains = new(CacheKeyComparer.Instance);
    private readonly Dictionary<byte[], UpstreamServer[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ForwarderTable(IReadOnlyDictionary<string, List<string>> domains, ResolverMetrics metrics)
    {
        foreach (var (domain, servers) in domains)
        {
            if (!DnsName.TryParse(domain.EndsWith('.') ? domain : domain + ".", default, out var wire, out var error))
                throw new FormatException($"Resolver:ConditionalForwarders: '{domain}' is not a domain name: {error}");
            DnsName.ToLower(wire, wire);
            if (servers.Count == 0)
                throw new FormatException($"Resolver:ConditionalForwarders:{domain}: needs at least one server (IP[:PORT])");
            _domains[wire] = servers.Select(s => metrics.Server(ResolverOptions.ParseServer(s, $"Resolver:ConditionalForwarders:{domain}"))).ToArray();
        }
        _lookup = _domains.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _domains.Count;

    /// <summary>The servers for the longest configured domain that contains <paramref name="lowerName"/>, or null.</summary>
    public UpstreamServer[]? Find(ReadOnlySpan<byte> lowerName)
    {
        if (_domains.Count == 0)
            return null;
        var suffix = lowerName;
        while (true)
        {
            if (_lookup.TryGetValue(suffix, out var servers))
                return servers;
            if (suffix.Length <= 1)
                return null;
            suffix = DnsName.Parent(suffix);
        }
    }
}
