using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Dnssec;

/// <summary>A view of RRSIG RDATA (RFC 4034 3.1) in uncompressed form.</summary>
public readonly ref struct RrsigRecord
{
    /// <summary>The fixed fields before the signer's name: type covered to key tag.</summary>
    public const int FixedLength = 18;

    public ReadOnlySpan<byte> RData { get; private init; }
    public ushort TypeCovered { get; private init; }
    public byte Algorithm { get; private init; }
    public byte Labels { get; private init; }
    public uint OriginalTtl { get; private init; }
    public uint Expiration { get; private init; }
    public uint Inception { get; private init; }
    public ushort KeyTag { get; private init; }
    public ReadOnlySpan<byte> SignerName { get; private init; }
    public ReadOnlySpan<byte> Signature { get; private init; }

    /// <summary>The RDATA up to and including the signer's name: what the signature covers first (RFC 4034 3.1.8.1).</summary>
    public ReadOnlySpan<byte> SignedPart => RData[..(FixedLength + SignerName.Length)];

    public static bool TryRead(ReadOnlySpan<byte> rdata, out RrsigRecord rrsig)
    {
        rrsig = default;
        if (rdata.Length < FixedLength + 1)
            return false;
        int nameEnd = RecordTypeInfo.NameEnd(rdata, FixedLength);
        if (nameEnd < 0 || nameEnd == rdata.Length)
            return false;
        rrsig = new RrsigRecord
        {
            RData = rdata,
            TypeCovered = BinaryPrimitives.ReadUInt16BigEndian(rdata),
            Algorithm = rdata[2],
            Labels = rdata[3],
            OriginalTtl = BinaryPrimitives.ReadUInt32BigEndian(rdata[4..]),
            Expiration = BinaryPrimitives.ReadUInt32BigEndian(rdata[8..]),
            Inception = BinaryPrimitives.ReadUInt32BigEndian(rdata[12..]),
            KeyTag = BinaryPrimitives.ReadUInt16BigEndian(rdata[16..]),
            SignerName = rdata[FixedLength..nameEnd],
            Signature = rdata[nameEnd..],
        };
        return true;
    }

    /// <summary>Where <paramref name="now"/> stands against the validity window, allowing <paramref name="skew"/> seconds either side.</summary>
    public SignatureTime CheckTime(DateTimeOffset now, uint skew = 0) => SignatureWindow.Check(Inception, Expiration, now, skew);
}

public enum SignatureTime : byte
{
    Valid,
    Expired,
    NotYetValid,
}

/// <summary>RRSIG inception and expiration are 32-bit serial numbers of seconds (RFC 4034 3.1.5, RFC 1982).</summary>
public static class SignatureWindow
{
    public static SignatureTime Check(uint inception, uint expiration, DateTimeOffset now, uint skew)
    {
        uint t = (uint)now.ToUnixTimeSeconds();
        // RFC 1982 serial comparison: a before b when (b - a) as a signed 32-bit number is positive.
        if ((int)(t - (inception - skew)) < 0)
            return SignatureTime.NotYetValid;
        if ((int)((expiration + skew) - t) < 0)
            return SignatureTime.Expired;
        return SignatureTime.Valid;
    }

    /// <summary>Seconds from <paramref name="now"/> until the signature expires (0 when past), for capping TTLs (RFC 4035 5.3.3).</summary>
    public static uint SecondsLeft(uint expiration, DateTimeOffset now)
    {
        int left = (int)(expiration - (uint)now.ToUnixTimeSeconds());
        return left > 0 ? (uint)left : 0;
    }
}
