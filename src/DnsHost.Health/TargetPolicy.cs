using System.Net;
using DnsHost.Zones.Routing;

namespace DnsHost.Health;

/// <summary>
/// The targets Route 53 refuses to check: local, private, shared, reserved, documentation and
/// multicast ranges (RFC 5735, RFC 6598, RFC 5156).
/// </summary>
public static class TargetPolicy
{
    private static readonly IpPrefix[] NonPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
        }.Select(IpPrefix.Parse),
    ];

    public static bool IsNonPublic(IPAddress address)
    {
        var prefix = IpPrefix.FromAddress(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        foreach (var range in NonPublic)
        {
            if (range.Contains(prefix))
                return true;
        }
        return false;
    }
}
