using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost;

/// <summary>What <c>dnshost explain</c> says about a zone served as a secondary: where it comes from, its copy, and that it is read-only.</summary>
public static class SecondaryExplanation
{
    public static Explanation Add(Explanation explanation, IServiceProvider services)
    {
        var secondaries = services.GetRequiredService<SecondaryService>();
        if (WithoutCopy(explanation, secondaries) is { } untransferred)
            return untransferred;
        if (explanation.Zone is null || secondaries.Find(explanation.Zone) is not { } secondary)
            return explanation;
        string copy = secondary.Zone is { } zone
            ? $"the stored copy {zone.Source}, serial {zone.Serial}"
            : "no copy yet (never transferred)";
        string line = $"zone {secondary.OriginText} is a secondary of {string.Join(", ", secondary.Primaries)} (read-only: changed only by transfer from a primary); answered from {copy}";
        return explanation with { Reasons = [line, .. explanation.Reasons] };
    }

    /// <summary>A name in a secondary zone never transferred (closer than the zone chosen, if any): SERVFAIL, as the query path answers.</summary>
    private static Explanation? WithoutCopy(Explanation explanation, SecondaryService secondaries)
    {
        if (!secondaries.HasZones)
            return null;
        var name = DnsName.Parse(explanation.RecordName.EndsWith('.') ? explanation.RecordName : explanation.RecordName + ".");
        DnsName.ToLower(name, name);
        ushort type = RecordTypeInfo.TryGet(explanation.RecordType, out var info) ? info.Type : (ushort)0;
        if (secondaries.WithoutCopy(name, type, null) is not { } zone
            || explanation.Zone is { } chosen && chosen.TrimEnd('.').Length >= zone.OriginText.TrimEnd('.').Length)
            return null;
        string line = $"zone {zone.OriginText} is a secondary of {string.Join(", ", zone.Primaries)} with no copy yet (never transferred, nothing stored): "
            + "answered SERVFAIL (Extended DNS Error 24, Invalid Data) until a primary answers";
        return explanation with { Zone = zone.OriginText, ResponseCode = ResponseCode.ServFail, RecordData = [], Answer = [], Reasons = [line] };
    }
}
