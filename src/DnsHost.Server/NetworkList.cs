using System.Net;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>A list of networks in CIDR notation (an access list).</summary>
public sealed class NetworkList
{
    private readonly IpPrefix[] _networks;

    public NetworkList(IEnumerable<string> cidrs)
    {
        _networks = cidrs.Select(Parse).ToArray();
    }

    public static IpPrefix Parse(string cidr) =>
        IpPrefix.TryParse(cidr, out var network)
            ? network
            : throw new FormatException(IPAddress.TryParse(cidr.Split('/')[0], out _)
                ? $"'{cidr}' has a bad prefix length"
                : $"'{cidr}' is not an address or network (expected for example 127.0.0.0/8 or ::1)");

    public bool Contains(IPAddress address) => Contains(IpPrefix.FromAddress(address));

    /// <summary>Whether a host address lies in one of the networks; allocation-free.</summary>
    public bool Contains(in IpPrefix host)
    {
        foreach (var network in _networks)
        {
            if (network.Contains(host))
                return true;
        }
        return false;
    }
}
