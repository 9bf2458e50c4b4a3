using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DnsHost.Zones.Routing;

/// <summary>
/// An IPv4 or IPv6 address with a prefix length, as a value: the client's address (/32, /128),
/// its EDNS Client Subnet, or a CIDR block. IPv4 sits in the low 32 bits.
/// </summary>
public readonly record struct IpPrefix(bool IsV6, UInt128 Bits, byte Length)
{
    public int MaxLength => IsV6 ? 128 : 32;

    public static IpPrefix FromAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        return length == 4
            ? new(false, BinaryPrimitives.ReadUInt32BigEndian(bytes), 32)
            : new(true, BinaryPrimitives.ReadUInt128BigEndian(bytes), 128);
    }

    /// <summary>Reads a native Linux sockaddr (sockaddr_in / sockaddr_in6) without allocating.</summary>
    public static bool TryFromSockaddr(ReadOnlySpan<byte> sockaddr, out IpPrefix prefix)
    {
        prefix = default;
        if (sockaddr.Length < 8)
            return false;
        ushort family = BitConverter.ToUInt16(sockaddr);
        if (family == (ushort)AddressFamily.InterNetwork || family == 2)
        {
            prefix = new(false, BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..]), 32);
            return true;
        }
        if ((family == 10 || family == (ushort)AddressFamily.InterNetworkV6) && sockaddr.Length >= 24)
        {
            var bits = BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..]);
            // ::ffff:a.b.c.d from a dual-stack socket is the IPv4 client.
            if (bits >> 32 == 0xFFFF)
                prefix = new(false, (uint)bits, 32);
            else
                prefix = new(true, bits, 128);
            return true;
        }
        return false;
    }

    /// <summary>The network of an EDNS Client Subnet option (RFC 7871 6).</summary>
    public static bool TryFromClientSubnet(in DnsHost.Protocol.ClientSubnet ecs, out IpPrefix prefix)
    {
        prefix = default;
        if (!ecs.Present)
            return false;
        ReadOnlySpan<byte> address = ecs.Address;
        if (ecs.Family == 1)
        {
            prefix = new(false, BinaryPrimitives.ReadUInt32BigEndian(address), ecs.SourcePrefixLength);
            prefix = prefix.Masked(ecs.SourcePrefixLength);
            return true;
        }
        if (ecs.Family == 2)
        {
            prefix = new IpPrefix(true, BinaryPrimitives.ReadUInt128BigEndian(address), ecs.SourcePrefixLength).Masked(ecs.SourcePrefixLength);
            return true;
        }
        return false;
    }

    public static IpPrefix Parse(string cidr) =>
        TryParse(cidr, out var prefix) ? prefix : throw new FormatException($"'{cidr}' is not a CIDR block (expected for example 198.51.100.0/24 or 2001:db8::/32)");

    public static bool TryParse(string cidr, out IpPrefix prefix)
    {
        prefix = default;
        var slash = cidr.IndexOf('/');
        var addressText = slash < 0 ? cidr : cidr[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
            return false;
        var host = FromAddress(address);
        int length = host.MaxLength;
        if (slash >= 0 && (!int.TryParse(cidr.AsSpan(slash + 1), out length) || length < 0 || length > host.MaxLength))
            return false;
        prefix = new IpPrefix(host.IsV6, host.Bits, (byte)length).Masked(length);
        return true;
    }

    /// <summary>The first <paramref name="length"/> bits of this address, the rest zero.</summary>
    public IpPrefix Masked(int length)
    {
        if (length <= 0)
            return new(IsV6, UInt128.Zero, 0);
        var bits = IsV6 ? Bits & (UInt128.MaxValue << (128 - length)) : (UInt128)((uint)Bits & (uint.MaxValue << (32 - length)));
        return new(IsV6, bits, (byte)length);
    }

    /// <summary>Whether <paramref name="other"/> lies wholly inside this network.</summary>
    public bool Contains(in IpPrefix other) => other.IsV6 == IsV6 && other.Length >= Length && other.Masked(Length).Bits == Bits;

    public IPAddress ToAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
            return new IPAddress(bytes);
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Bits);
        return new IPAddress(bytes[..4]);
    }

    public override string ToString() => $"{ToAddress()}/{Length}";
}
