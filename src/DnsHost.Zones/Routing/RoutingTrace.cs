namespace DnsHost.Zones.Routing;

/// <summary>Collects the reasons behind a routing decision, for <c>explain</c> and TestDNSAnswer. Never used on the query path.</summary>
public sealed class RoutingTrace
{
    public List<string> Lines { get; } = [];

    public void Note(string line) => Lines.Add(line);
}
