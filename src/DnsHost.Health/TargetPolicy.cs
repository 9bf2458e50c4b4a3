using System.Net;
using DnsHost.Zones.Routing;

namespace DnsHost.Health;

/// <summary>
/// The targets Route 53 refuses to check: local, private, shared, reserved, documentation and
/// multicast ranges (RFC 5735, RFC 6598, RFC 5156), in any IPv6 form that carries an IPv4 address
/// (issue 16: NAT64, IPv4-compatible, IPv4-mapped and -translated, 6to4 and Teredo addresses reach
/// the same private hosts through a translator or a tunnel).
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
            // RFC 3879: site-local, deprecated but still routed inside some sites. RFC 8215: local-use NAT64.
            "fec0::/10", "64:ff9b:1::/48",
        }.Select(IpPrefix.Parse),
    ];

    public static bool IsNonPublic(IPAddress address)
    {
        if (InRanges(address))
            return true;
        foreach (var embedded in EmbeddedIPv4(address))
        {
            if (InRanges(embedded))
                return true;
        }
        return false;
    }

    private static bool InRanges(IPAddress address)
    {
        var prefix = IpPrefix.FromAddress(address);
        foreach (var range in NonPublic)
        {
            if (range.Contains(prefix))
                return true;
        }
        return false;
    }

    /// <summary>The IPv4 addresses an IPv6 address stands for or tunnels to.</summary>
    private static IPAddress[] EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return [];
        var b = address.GetAddressBytes();
        var span = b.AsSpan();
        var last = new IPAddress(span[12..]);
        if (span[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xFF && b[11] == 0xFF)
            return [last]; // ::ffff:a.b.c.d, IPv4-mapped (RFC 4291 2.5.5.2)
        if (span[..12].IndexOfAnyExcept((byte)0) < 0)
            return [last]; // ::a.b.c.d, IPv4-compatible (RFC 4291 2.5.5.1)
        if (span[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)
            return [last]; // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765)
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && span[4..12].IndexOfAnyExcept((byte)0) < 0)
            return [last]; // 64:ff9b::/96, NAT64 well-known prefix (RFC 6052)
        if (b[0] == 0x20 && b[1] == 0x02)
            return [new IPAddress(span[2..6])]; // 2002::/16, 6to4 (RFC 3056)
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            // 2001::/32, Teredo (RFC 4380 4): the server's address, and the client's with every bit flipped.
            var client = span[12..].ToArray();
            for (int i = 0; i < client.Length; i++)
                client[i] ^= 0xFF;
            return [new IPAddress(span[4..8]), new IPAddress(client)];
        }
        return [];
    }
}
