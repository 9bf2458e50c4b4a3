using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// The set of zones being served, immutable: a change (load, reload, removal) builds a new catalog
/// that <see cref="ZoneRegistry"/> swaps in, so the answer path reads without locks.
/// </summary>
public sealed class ZoneCatalog
{
    public static readonly ZoneCatalog Empty = new(new Dictionary<byte[], Zone>(WireNameComparer.Instance));

    private readonly Dictionary<byte[], Zone> _zones;
    private readonly Dictionary<byte[], Zone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    private ZoneCatalog(Dictionary<byte[], Zone> zones)
    {
        _zones = zones;
        _lookup = zones.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _zones.Count;
    public IEnumerable<Zone> Zones => _zones.Values;

    public static ZoneCatalog Create(IEnumerable<Zone> zones)
    {
        var map = new Dictionary<byte[], Zone>(WireNameComparer.Instance);
        foreach (var zone in zones)
            map[zone.Origin] = zone;
        return new ZoneCatalog(map);
    }

    public ZoneCatalog With(Zone zone)
    {
        var map = new Dictionary<byte[], Zone>(_zones, WireNameComparer.Instance) { [zone.Origin] = zone };
        return new ZoneCatalog(map);
    }

    public ZoneCatalog Without(ReadOnlySpan<byte> origin)
    {
        var map = new Dictionary<byte[], Zone>(_zones, WireNameComparer.Instance);
        map.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(origin);
        return new ZoneCatalog(map);
    }

    /// <summary>The zone with the longest origin that contains the lower-cased wire name, or null.</summary>
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

    public Zone? GetExact(ReadOnlySpan<byte> lowerOrigin) => _lookup.TryGetValue(lowerOrigin, out var zone) ? zone : null;
}

/// <summary>Holds the current <see cref="ZoneCatalog"/>; readers take a snapshot with <see cref="Current"/>.</summary>
public sealed class ZoneRegistry
{
    private ZoneCatalog _current = ZoneCatalog.Empty;
    private readonly Lock _writeLock = new();

    public ZoneCatalog Current => Volatile.Read(ref _current);

    public void Replace(ZoneCatalog catalog) => Interlocked.Exchange(ref _current, catalog);

    /// <summary>Applies a change to the catalog; writers are serialised, readers never wait.</summary>
    public void Update(Func<ZoneCatalog, ZoneCatalog> change)
    {
        lock (_writeLock)
            Interlocked.Exchange(ref _current, change(_current));
    }
}
