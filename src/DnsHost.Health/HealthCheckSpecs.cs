using DnsHost.Zones.HealthChecks;

namespace DnsHost.Health;

public static class HealthCheckSpecs
{
    /// <summary>True when two specs probe the same way (the source and version aside), so a reload keeps the check's state.</summary>
    public static bool SameSettings(HealthCheckSpec a, HealthCheckSpec b) =>
        a.Type == b.Type && Equals(a.IPAddress, b.IPAddress) && a.Port == b.Port && a.ResourcePath == b.ResourcePath
        && a.FullyQualifiedDomainName == b.FullyQualifiedDomainName && a.SearchString == b.SearchString
        && a.RequestInterval == b.RequestInterval && a.FailureThreshold == b.FailureThreshold && a.Inverted == b.Inverted
        && a.Disabled == b.Disabled && a.EnableSni == b.EnableSni && a.HealthThreshold == b.HealthThreshold
        && a.ChildHealthChecks.SequenceEqual(b.ChildHealthChecks, StringComparer.Ordinal);
}
