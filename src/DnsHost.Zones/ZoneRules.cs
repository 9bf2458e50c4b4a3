using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// The per-name rules a zone must keep (the checks Knot DNS and NSD make mandatory), worded once for
/// <see cref="ZoneBuilder"/> and for changes applied as diffs.
/// </summary>
internal static class ZoneRules
{
    /// <summary>
    /// What is wrong with an RRset of <paramref name="type"/> holding <paramref name="count"/> records at
    /// <paramref name="name"/>, or null; <paramref name="record"/> is which of its records the problem is about.
    /// </summary>
    public static string? SetProblem(ReadOnlySpan<byte> name, string text, string originText, bool isApex, ushort type, int count, out int record)
    {
        record = count > 1 ? 1 : 0;
        switch (type)
        {
            case (ushort)RecordType.CNAME when count > 1:
                return $"{text} has more than one CNAME record";
            // RFC 6672 2.4: one DNAME per owner.
            case (ushort)RecordType.DNAME when count > 1:
                return $"{text} has more than one DNAME record (RFC 6672 2.4)";
            case (ushort)RecordType.SOA when !isApex:
                record = 0;
                return $"SOA record at {text}, which is not the zone apex {originText}";
            case (ushort)RecordType.SOA when count > 1:
                return $"more than one SOA record at {originText}";
            case (ushort)RecordType.NS when DnsName.IsWildcard(name):
                record = 0;
                return $"{text}: NS records on a wildcard name are not allowed (RFC 4592 4.2)";
            default:
                return null;
        }
    }

    /// <summary>RFC 1034 3.6.2 / RFC 2181 10.1: a CNAME stands alone, DNSSEC types aside.</summary>
    public static bool MayStandBesideCname(ushort type) =>
        type is (ushort)RecordType.CNAME or (ushort)RecordType.RRSIG or (ushort)RecordType.NSEC;

    public static string CnameAndOtherData(string text, ushort other) => $"{text} has a CNAME and other data ({RecordData.TypeToText(other)})";
}
