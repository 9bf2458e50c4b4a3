namespace DnsHost.Zones.Routing;

/// <summary>One row of the <c>ClientLocations</c> table: a dev network and where it is.</summary>
public sealed class ClientLocationEntry
{
    public string Cidr { get; set; } = "";
    public string? Continent { get; set; }
    public string? Country { get; set; }
    public string? Subdivision { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
}

/// <summary>One row of <c>Routing:ClientLatencies</c>: measured latency from a client network to AWS Regions.</summary>
public sealed class ClientLatencyEntry
{
    public string Cidr { get; set; } = "";
    /// <summary>Region name to latency in milliseconds.</summary>
    public Dictionary<string, double> Latencies { get; set; } = [];
}

/// <summary>The <c>Routing</c> section: where client locations and health come from.</summary>
public sealed class RoutingOptions
{
    /// <summary>Path to a MaxMind-format (.mmdb) database with country (and optionally city) data.</summary>
    public string? GeoDatabase { get; set; }

    /// <summary>Per client network, the latency to each Region; without a row, latency routing picks the nearest Region.</summary>
    public List<ClientLatencyEntry> ClientLatencies { get; set; } = [];

    /// <summary>Addresses for alias targets outside the local zones (load balancers, CloudFront ...): DNS name to A/AAAA values.</summary>
    public Dictionary<string, List<string>> AliasTargets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TTL of answers from <see cref="AliasTargets"/> (Route 53 uses the service's TTL, 60 s for ELB).</summary>
    public uint AliasTargetTtl { get; set; } = 60;

    /// <summary>Static health: check id to "Healthy" or "Unhealthy" (until real checks run).</summary>
    public Dictionary<string, string> HealthStatus { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The four name servers a JSON zone without NS records gets (Route 53 gives each zone a delegation set of four).</summary>
    /// <remarks>Empty means the defaults below (a list default would be appended to by configuration binding).</remarks>
    public List<string> NameServers { get; set; } = [];

    public IReadOnlyList<string> EffectiveNameServers => NameServers.Count > 0 ? NameServers : DefaultNameServers;

    public static readonly string[] DefaultNameServers = ["ns1.dnshost.test.", "ns2.dnshost.test.", "ns3.dnshost.test.", "ns4.dnshost.test."];
}
