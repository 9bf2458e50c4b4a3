using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// The set of zones being served, immutable: a change (load, reload, removal) builds a new catalog
/// that <see cref="ZoneRegistry"/> swaps in, so the answer path reads without locks.
/// </summary>
public sealed class ZoneCatalog
{
    public static readonly ZoneCatalog Empty = new(new Dictionary<byte[], Zone>(WireNameComparer.Instance), new Dictionary<byte[], Zone[]>(WireNameComparer.Instance));

    private readonly Dictionary<byte[], Zone> _zones;
    private readonly Dictionary<byte[], Zone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    // Private hosted zones, several per name possible (one per set of VPCs); seen only from their VPCs.
    private readonly Dictionary<byte[], Zone[]> _private;
    private readonly Dictionary<byte[], Zone[]>.AlternateLookup<ReadOnlySpan<byte>> _privateLookup;

    private ZoneCatalog(Dictionary<byte[], Zone> zones, Dictionary<byte[], Zone[]> privateZones)
    {
        _zones = zones;
        _lookup = zones.GetAlternateLookup<ReadOnlySpan<byte>>();
        _private = privateZones;
        _privateLookup = privateZones.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Public zones and zones from master files.</summary>
    public int Count => _zones.Count;
    public IEnumerable<Zone> Zones => _zones.Values;
    public IEnumerable<Zone> PrivateZones => _private.Values.SelectMany(z => z);
    public IEnumerable<Zone> AllZones => Zones.Concat(PrivateZones);
    public bool HasPrivateZones => _private.Count > 0;

    public static ZoneCatalog Create(IEnumerable<Zone> zones)
    {
        var map = new Dictionary<byte[], Zone>(WireNameComparer.Instance);
        var privateMap = new Dictionary<byte[], Zone[]>(WireNameComparer.Instance);
        foreach (var zone in zones)
        {
            if (zone.IsPrivate)
                privateMap[zone.Origin] = privateMap.TryGetValue(zone.Origin, out var list) ? [.. list, zone] : [zone];
            else
                map[zone.Origin] = zone;
        }
        return new ZoneCatalog(map, privateMap);
    }

    public ZoneCatalog With(Zone zone) => Create(AllZones.Where(z => !SameSlot(z, zone)).Append(zone));

    /// <summary>Removes this zone, if it is the one being served for its name (public) or id (private).</summary>
    public ZoneCatalog Without(Zone zone) => Create(AllZones.Where(z => !ReferenceEquals(z, zone)));

    private static bool SameSlot(Zone a, Zone b) =>
        a.IsPrivate == b.IsPrivate && (a.IsPrivate ? a.HostedZone!.Id == b.HostedZone!.Id : a.Origin.AsSpan().SequenceEqual(b.Origin));

    /// <summary>The public zone with the longest origin that contains the lower-cased wire name, or null.</summary>
    public Zone? FindZone(ReadOnlySpan<byte> lowerName)
    {
        var name = lowerName;
        while (true)
        {
            if (_lookup.TryGetValue(name, out var zone))
                return zone;
            if (name.Length <= 1)
                return null;
            name = DnsName.Parent(name);
        }
    }

    /// <summary>
    /// The zone a client in the given VPCs sees: the most specific private zone associated with one of
    /// them wins over any public zone (split view; no fall-through to public data), else the public zone.
    /// </summary>
    public Zone? FindZone(ReadOnlySpan<byte> lowerName, ulong vpcMask)
    {
        if (vpcMask != 0 && _private.Count > 0)
        {
            var name = lowerName;
            while (true)
            {
                if (_privateLookup.TryGetValue(name, out var candidates))
                {
                    foreach (var zone in candidates)
                    {
                        if ((zone.HostedZone!.VpcMask & vpcMask) != 0)
                            return zone;
                    }
                }
                if (name.Length <= 1)
                    break;
                name = DnsName.Parent(name);
            }
        }
        return FindZone(lowerName);
    }

    public Zone? GetExact(ReadOnlySpan<byte> lowerOrigin) => _lookup.TryGetValue(lowerOrigin, out var zone) ? zone : null;
}

/// <summary>Holds the current <see cref="ZoneCatalog"/>; readers take a snapshot with <see cref="Current"/>.</summary>
public sealed class ZoneRegistry
{
    private ZoneCatalog _current = ZoneCatalog.Empty;
    private readonly Lock _writeLock = new();

    public ZoneCatalog Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new catalog is in place (off the query path: health checks follow zone changes).</summary>
    public event Action<ZoneCatalog>? Changed;

    public void Replace(ZoneCatalog catalog)
    {
        Interlocked.Exchange(ref _current, catalog);
        Changed?.Invoke(catalog);
    }

    /// <summary>Applies a change to the catalog; writers are serialised, readers never wait.</summary>
    public void Update(Func<ZoneCatalog, ZoneCatalog> change)
    {
        ZoneCatalog next;
        lock (_writeLock)
        {
            next = change(_current);
            Interlocked.Exchange(ref _current, next);
        }
        Changed?.Invoke(next);
    }
}
