using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Route53.Dnssec;

/// <summary>
/// What Route 53 checks in the parent zone before a DNSSEC change (KeySigningKeyInParentDSRecord,
/// HostedZonePartiallyDelegated). DnsHost can look only at parents it serves itself; a parent
/// elsewhere is not checked.
/// </summary>
internal static class ParentZoneChecks
{
    /// <summary>The parent zone's name when it is served here and holds a DS at the zone's apex matching <paramref name="dnskey"/>; else null.</summary>
    public static string? ParentHasDsFor(ZoneCatalog catalog, Zone zone, byte[] origin, byte[] dnskey)
    {
        if (Parent(catalog, zone) is not { } parent || parent.Find(origin) is not { } node || node.Find((ushort)RecordType.DS) is not { } ds)
            return null;
        foreach (var rdata in ds.RData)
        {
            // RFC 4035 5.2: a DS names a key by tag, algorithm and digest.
            if (DsDigest.Matches(rdata, origin, dnskey))
                return parent.OriginText;
        }
        return null;
    }

    /// <summary>
    /// The parent zone's name when it is served here and delegates the zone to name servers other than
    /// the zone's own apex NS set (Route 53's HostedZonePartiallyDelegated); else null.
    /// </summary>
    public static string? DelegationMismatch(ZoneCatalog catalog, Zone zone)
    {
        if (Parent(catalog, zone) is not { } parent || parent.Find(zone.Origin) is not { } node || node.Find((ushort)RecordType.NS) is not { } delegated)
            return null;
        if (zone.Apex.Find((ushort)RecordType.NS) is not { } own)
            return parent.OriginText;
        return Names(delegated).SetEquals(Names(own)) ? null : parent.OriginText;
    }

    private static HashSet<string> Names(RecordSet ns)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rdata in ns.RData)
            names.Add(DnsName.ToText(rdata).ToLowerInvariant());
        return names;
    }

    private static Zone? Parent(ZoneCatalog catalog, Zone zone)
    {
        if (zone.Origin.Length <= 1)
            return null;
        var parent = catalog.FindZone(DnsName.Parent(zone.Origin));
        return parent is null || ReferenceEquals(parent.Identity, zone.Identity) ? null : parent;
    }
}
