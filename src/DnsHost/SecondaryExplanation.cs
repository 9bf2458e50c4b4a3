using DnsHost.Server;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost;

/// <summary>What <c>dnshost explain</c> says about a zone served as a secondary: where it comes from, its copy, and that it is read-only.</summary>
public static class SecondaryExplanation
{
    public static Explanation Add(Explanation explanation, IServiceProvider services)
    {
        if (explanation.Zone is null || services.GetRequiredService<SecondaryService>().Find(explanation.Zone) is not { } secondary)
            return explanation;
        string copy = secondary.Zone is { } zone
            ? $"the stored copy {zone.Source}, serial {zone.Serial}"
            : "no copy yet (never transferred)";
        string line = $"zone {secondary.OriginText} is a secondary of {string.Join(", ", secondary.Primaries)} (read-only: changed only by transfer from a primary); answered from {copy}";
        return explanation with { Reasons = [line, .. explanation.Reasons] };
    }
}
