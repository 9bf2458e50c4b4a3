using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>Where names sit in the RDATA the engine follows (additional-section targets, CNAME and DNAME targets).</summary>
internal static class ZoneRdata
{
    public static bool HasAdditionalTargets(ushort type) => AdditionalTargetOffset(type) >= 0;

    /// <summary>
    /// Offset of the name whose addresses belong in the additional section: NS (RFC 1035 3.3.11), MX
    /// (3.3.9), SRV (RFC 2782), SVCB/HTTPS TargetName (RFC 9460 4.1); -1 for other types.
    /// </summary>
    public static int AdditionalTargetOffset(ushort type) => type switch
    {
        (ushort)RecordType.NS => 0,
        (ushort)RecordType.MX => 2,
        (ushort)RecordType.SRV => 6,
        (ushort)RecordType.SVCB or (ushort)RecordType.HTTPS => 2,
        _ => -1,
    };

    /// <summary>The name at <paramref name="offset"/> in uncompressed RDATA, or empty when malformed.</summary>
    public static ReadOnlySpan<byte> NameAt(ReadOnlySpan<byte> rdata, int offset)
    {
        int pos = offset;
        while (pos < rdata.Length)
        {
            int len = rdata[pos];
            if (len == 0)
                return rdata[offset..(pos + 1)];
            if (len > 63)
                break;
            pos += len + 1;
        }
        return default;
    }
}
