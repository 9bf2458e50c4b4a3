using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// Which zone answers a question: the one function the query path, <c>explain</c> and Route 53's
/// TestDNSAnswer all call, so they cannot drift apart.
/// </summary>
public static class ZoneSelection
{
    /// <summary>
    /// The zone that answers <paramref name="lowerName"/> for a client in the VPCs of <paramref name="vpcMask"/>
    /// (0: no VPC), or null when no zone served here contains the name.
    /// </summary>
    /// <remarks>
    /// Split view: a private zone associated with one of the client's VPCs hides any public zone for
    /// the same or a shorter name (<see cref="ZoneCatalog.FindZone(ReadOnlySpan{byte}, ulong)"/>).
    /// RFC 4035 3.1.4.1: DS at a zone apex belongs to the parent side of the cut, so when this server
    /// also serves the parent (as this client sees it), the parent answers.
    /// </remarks>
    public static Zone? Select(ZoneCatalog catalog, ReadOnlySpan<byte> lowerName, ushort type, ulong vpcMask)
    {
        var zone = Find(catalog, lowerName, vpcMask);
        if (zone is not null && type == (ushort)RecordType.DS && lowerName.Length == zone.Origin.Length && lowerName.Length > 1)
            zone = Find(catalog, DnsName.Parent(lowerName), vpcMask) ?? zone;
        return zone;
    }

    private static Zone? Find(ZoneCatalog catalog, ReadOnlySpan<byte> lowerName, ulong vpcMask) =>
        catalog.HasPrivateZones ? catalog.FindZone(lowerName, vpcMask) : catalog.FindZone(lowerName);
}
