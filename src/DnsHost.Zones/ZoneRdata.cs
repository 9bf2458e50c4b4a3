using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>Where the names the engine follows sit in RDATA, read from the per-type table in Protocol.</summary>
internal static class ZoneRdata
{
    /// <summary>NS (RFC 1035 3.3.11), MX (3.3.9), SRV (RFC 2782), SVCB/HTTPS (RFC 9460 4.1): types whose target's addresses go in the additional section.</summary>
    public static bool HasAdditionalTargets(ushort type) => RecordTypeInfo.Get(type) is { AdditionalTargetField: >= 0 };

    /// <summary>The additional-section target of one RDATA, or empty when it has none or is malformed.</summary>
    public static ReadOnlySpan<byte> AdditionalTarget(ushort type, ReadOnlySpan<byte> rdata) =>
        RecordTypeInfo.TryGetAdditionalTarget(type, rdata, out int offset, out int length) ? rdata.Slice(offset, length) : default;
}
