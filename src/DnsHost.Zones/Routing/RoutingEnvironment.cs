namespace DnsHost.Zones.Routing;

/// <summary>Everything routing decisions read besides the zone: client locations, latencies, VPCs and health.</summary>
public sealed class RoutingEnvironment(ClientLocator locator, LatencyTable latencies, VpcDirectory vpcs, HealthStates health)
{
    public static RoutingEnvironment Default { get; } = new(ClientLocator.None, LatencyTable.Empty, VpcDirectory.Empty, new HealthStates());

    public ClientLocator Locator { get; } = locator;
    public LatencyTable Latencies { get; } = latencies;
    public VpcDirectory Vpcs { get; } = vpcs;
    public HealthStates Health { get; } = health;

    public static RoutingEnvironment Create(RoutingOptions options, IEnumerable<ClientLocationEntry> clientLocations, IReadOnlyDictionary<string, List<string>> vpcs, HealthStates? health = null)
    {
        health ??= new HealthStates();
        foreach (var (id, state) in options.HealthStatus)
        {
            bool healthy = state.Equals("Healthy", StringComparison.OrdinalIgnoreCase) ? true
                : state.Equals("Unhealthy", StringComparison.OrdinalIgnoreCase) ? false
                : throw new FormatException($"Routing:HealthStatus:{id}: '{state}' must be Healthy or Unhealthy");
            health.Set(id, healthy);
        }
        return new RoutingEnvironment(ClientLocator.Create(clientLocations, options.GeoDatabase), LatencyTable.Create(options.ClientLatencies), new VpcDirectory(vpcs), health);
    }
}
