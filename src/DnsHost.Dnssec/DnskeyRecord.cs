using System.Buffers.Binary;

namespace DnsHost.Dnssec;

/// <summary>A view of DNSKEY RDATA (RFC 4034 2.1): flags, protocol 3, algorithm, public key.</summary>
public readonly ref struct DnskeyRecord
{
    public const ushort ZoneKeyFlag = 0x0100;   // RFC 4034 2.1.1 bit 7
    public const ushort RevokeFlag = 0x0080;    // RFC 5011 7 bit 8

    private DnskeyRecord(ReadOnlySpan<byte> rdata)
    {
        RData = rdata;
        Flags = BinaryPrimitives.ReadUInt16BigEndian(rdata);
        Protocol = rdata[2];
        Algorithm = rdata[3];
        PublicKey = rdata[4..];
    }

    public ReadOnlySpan<byte> RData { get; }
    public ushort Flags { get; }
    public byte Protocol { get; }
    public byte Algorithm { get; }
    public ReadOnlySpan<byte> PublicKey { get; }

    public bool IsZoneKey => (Flags & ZoneKeyFlag) != 0;
    public bool IsRevoked => (Flags & RevokeFlag) != 0;

    public static bool TryRead(ReadOnlySpan<byte> rdata, out DnskeyRecord key)
    {
        if (rdata.Length < 5)
        {
            key = default;
            return false;
        }
        key = new DnskeyRecord(rdata);
        return true;
    }
}

/// <summary>A view of DS RDATA (RFC 4034 5.1): key tag, algorithm, digest type, digest.</summary>
public readonly ref struct DsRecord
{
    private DsRecord(ReadOnlySpan<byte> rdata)
    {
        KeyTag = BinaryPrimitives.ReadUInt16BigEndian(rdata);
        Algorithm = rdata[2];
        DigestType = rdata[3];
        Digest = rdata[4..];
    }

    public ushort KeyTag { get; }
    public byte Algorithm { get; }
    public byte DigestType { get; }
    public ReadOnlySpan<byte> Digest { get; }

    public static bool TryRead(ReadOnlySpan<byte> rdata, out DsRecord ds)
    {
        if (rdata.Length < 5)
        {
            ds = default;
            return false;
        }
        ds = new DsRecord(rdata);
        return true;
    }
}
