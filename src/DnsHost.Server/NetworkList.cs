using System.Net;
using System.Net.Sockets;

namespace DnsHost.Server;

/// <summary>A list of networks in CIDR notation (an access list).</summary>
public sealed class NetworkList
{
    private readonly (byte[] Prefix, int Bits)[] _networks;

    public NetworkList(IEnumerable<string> cidrs)
    {
        _networks = cidrs.Select(Parse).ToArray();
    }

    public static (byte[] Prefix, int Bits) Parse(string cidr)
    {
        var parts = cidr.Split('/');
        if (!IPAddress.TryParse(parts[0], out var address))
            throw new FormatException($"'{cidr}' is not an address or network (expected for example 127.0.0.0/8 or ::1)");
        var bytes = address.GetAddressBytes();
        int bits = bytes.Length * 8;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out bits) || bits < 0 || bits > bytes.Length * 8))
            throw new FormatException($"'{cidr}' has a bad prefix length");
        return (bytes, bits);
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        foreach (var (prefix, bits) in _networks)
        {
            if (prefix.Length != length)
                continue;
            int full = bits / 8, rest = bits % 8;
            if (!bytes[..full].SequenceEqual(prefix.AsSpan(0, full)))
                continue;
            if (rest == 0 || ((bytes[full] ^ prefix[full]) & (0xFF << (8 - rest)) & 0xFF) == 0)
                return true;
        }
        return false;
    }

    public static bool IsIPv6(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6;
}
