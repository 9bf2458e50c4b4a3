namespace DnsHost.Zones.Routing;

/// <summary>Route 53 routing policies; all record sets sharing a name and type use one.</summary>
public enum RoutingPolicy : byte
{
    Simple,
    Weighted,
    Failover,
    Geolocation,
    Geoproximity,
    Latency,
    MultiValue,
    IpBased,
}
