namespace DnsHost.Zones.Routing;

/// <summary>
/// Latency from client networks to AWS Regions (<c>Routing:ClientLatencies</c>). Latency routing uses
/// a matching row when there is one; without it, the Region nearest to the client's coordinates.
/// </summary>
public sealed class LatencyTable
{
    private readonly PrefixTable<Dictionary<string, double>> _table;

    public static readonly LatencyTable Empty = new(PrefixTable<Dictionary<string, double>>.Empty);

    private LatencyTable(PrefixTable<Dictionary<string, double>> table) => _table = table;

    public static LatencyTable Create(IEnumerable<ClientLatencyEntry> entries)
    {
        var builder = new PrefixTable<Dictionary<string, double>>.Builder();
        int row = 0;
        foreach (var entry in entries)
        {
            string where = $"Routing:ClientLatencies:{row++}";
            if (!IpPrefix.TryParse(entry.Cidr, out var block))
                throw new FormatException($"{where}:Cidr: '{entry.Cidr}' is not a CIDR block");
            foreach (var region in entry.Latencies.Keys)
            {
                if (AwsRegions.Find(region) is null)
                    throw new FormatException($"{where}:Latencies: '{region}' is not an AWS Region");
            }
            if (!builder.TryAdd(block, new Dictionary<string, double>(entry.Latencies, StringComparer.Ordinal)))
                throw new FormatException($"{where}:Cidr: {entry.Cidr} is listed twice");
        }
        return new LatencyTable(builder.Build());
    }

    public Dictionary<string, double>? Find(in IpPrefix client, out int matchedLength) => _table.Find(client, out matchedLength);
}
