using System.Buffers.Binary;

namespace DnsHost.Protocol;

public static class EdnsOption
{
    public const ushort ClientSubnet = 8;   // RFC 7871
    public const ushort Cookie = 10;        // RFC 7873
    public const ushort Padding = 12;       // RFC 7830
    public const ushort ExtendedDnsError = 15; // RFC 8914
}

/// <summary>What a query's OPT record said (RFC 6891). Options the server does not use are counted, not copied.</summary>
public struct EdnsInfo
{
    public const ushort DoBit = 0x8000;

    public bool Present;
    public ushort UdpPayloadSize;
    public byte ExtendedRcode;
    public byte Version;
    public ushort Flags;
    public ClientSubnet ClientSubnet;
    /// <summary>Offset of the COOKIE option data in the message, or 0 when absent.</summary>
    public int CookieOffset;
    public int CookieLength;
    public int PaddingLength;
    public int UnknownOptionCount;

    public readonly bool DnssecOk => (Flags & DoBit) != 0;

    /// <summary>The OPT record's own fields with every option forgotten: how a FORMERR for a malformed option answers.</summary>
    public readonly EdnsInfo WithoutOptions() => new()
    {
        Present = Present,
        UdpPayloadSize = UdpPayloadSize,
        ExtendedRcode = ExtendedRcode,
        Version = Version,
        Flags = Flags,
    };
}

/// <summary>EDNS Client Subnet (RFC 7871 6): family, prefix lengths and up to 16 address bytes.</summary>
public struct ClientSubnet
{
    public bool Present;
    public ushort Family;
    public byte SourcePrefixLength;
    public byte ScopePrefixLength;
    public Address16 Address;

    [System.Runtime.CompilerServices.InlineArray(16)]
    public struct Address16
    {
        private byte _element0;
    }

    public bool TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
            return false;
        Family = BinaryPrimitives.ReadUInt16BigEndian(data);
        SourcePrefixLength = data[2];
        ScopePrefixLength = data[3];
        int maxBits = Family switch { 1 => 32, 2 => 128, _ => -1 };
        if (maxBits < 0 || SourcePrefixLength > maxBits)
            return false;
        // RFC 7871 6: ADDRESS holds exactly ceil(SOURCE PREFIX-LENGTH / 8) octets.
        int addressLength = (SourcePrefixLength + 7) / 8;
        if (data.Length - 4 != addressLength)
            return false;
        // RFC 7871 6: address bits beyond SOURCE PREFIX-LENGTH must be zero (else FORMERR); a cache
        // keyed on the prefix would otherwise see two different addresses for one subnet.
        int spareBits = addressLength * 8 - SourcePrefixLength;
        if (spareBits > 0 && (data[^1] & ((1 << spareBits) - 1)) != 0)
            return false;
        data[4..].CopyTo(Address);
        Present = true;
        return true;
    }
}
