using DnsHost.Protocol.Tsig;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>
/// Who may transfer which zone: per zone, a list of entries each naming a network, a key or both
/// (<see cref="ZoneTransferSettings.Allow"/>); zones without a list fall back to <c>Dns:TransferAllow</c>.
/// </summary>
public sealed class TransferAccess
{
    private readonly record struct Rule(IpPrefix? Network, byte[]? Key);

    private readonly NetworkList _default;
    private readonly Dictionary<string, Rule[]> _zones = new(StringComparer.OrdinalIgnoreCase);

    public TransferAccess(IEnumerable<string> defaultNetworks, IEnumerable<ZoneTransferSettings> zones, TsigKeyring keys)
    {
        _default = new NetworkList(defaultNetworks);
        foreach (var zone in zones)
        {
            if (zone.Allow.Count == 0)
                continue;
            _zones[Normalize(zone.Name)] = zone.Allow.Select(entry => ParseRule(zone.Name, entry, keys)).ToArray();
        }
    }

    private static Rule ParseRule(string zone, string entry, TsigKeyring keys)
    {
        IpPrefix? network = null;
        byte[]? key = null;
        foreach (var part in entry.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("key:", StringComparison.OrdinalIgnoreCase))
            {
                var found = keys.Find(part[4..]) ?? throw new FormatException($"Transfers:Zones ({zone}): Allow entry '{entry}' names key {part[4..]}, which is not in Tsig:Keys or Tsig:KeyFiles");
                key = found.Name;
            }
            else
                network = NetworkList.Parse(part);
        }
        if (network is null && key is null)
            throw new FormatException($"Transfers:Zones ({zone}): Allow entry '{entry}' names neither a network nor a key");
        return new Rule(network, key);
    }

    internal static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant() + ".";

    /// <summary>Whether a client at <paramref name="source"/>, signed with <paramref name="key"/> (verified, or null), may transfer the zone.</summary>
    public bool Allows(string origin, in IpPrefix source, TsigKey? key)
    {
        if (!_zones.TryGetValue(origin, out var rules))
            return _default.Contains(source);
        foreach (var rule in rules)
        {
            if (rule.Network is { } network && !network.Contains(source))
                continue;
            if (rule.Key is { } name && (key is null || !key.Name.AsSpan().SequenceEqual(name)))
                continue;
            return true;
        }
        return false;
    }
}
