using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>Where a zone in the <see cref="ZoneRegistry"/> comes from.</summary>
public enum ZoneSourceKind : byte
{
    /// <summary>zones/*.zone or zones/*.json, loaded by the zone folder watcher.</summary>
    File,
    /// <summary>A hosted zone created through the Route 53 API and kept in its store.</summary>
    Api,
    /// <summary>A zone transferred from primaries (Transfers:Secondary): read-only here, served with the primary's serials.</summary>
    Secondary,
}

/// <summary>
/// The set of zones being served, immutable: a change (load, reload, removal) builds a new catalog
/// that <see cref="ZoneRegistry"/> swaps in, so the answer path reads without locks.
/// </summary>
/// <remarks>
/// Precedence, one rule for every source: a public zone is served per name. When a zone file and a
/// Route 53 API hosted zone have the same name, the API zone is served and the file zone is kept
/// aside (<see cref="Shadowed"/>; the zone folder logs a warning) until the API zone is deleted.
/// Between two zone files with the same name, the one added last is served. Between two API hosted
/// zones with the same name (Route 53 allows several public ones), the one created first is served and
/// the later ones are kept aside, as only the zone a registrar delegates to answers on Route 53. A zone configured
/// as a secondary (transferred from primaries) is served over a file or API zone of the same name. Private zones are
/// served per VPC as before: any number per name, each seen only from its own VPCs.
/// </remarks>
public sealed class ZoneCatalog
{
    public static readonly ZoneCatalog Empty = new([]);

    private readonly (Zone Zone, ZoneSourceKind Kind)[] _entries;
    private readonly Dictionary<byte[], Zone> _zones;
    private readonly Dictionary<byte[], Zone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    // Private hosted zones, several per name possible (one per set of VPCs); seen only from their VPCs.
    private readonly Dictionary<byte[], Zone[]> _private;
    private readonly Dictionary<byte[], Zone[]>.AlternateLookup<ReadOnlySpan<byte>> _privateLookup;

    private ZoneCatalog((Zone Zone, ZoneSourceKind Kind)[] entries)
    {
        _entries = entries;
        _zones = new Dictionary<byte[], Zone>(WireNameComparer.Instance);
        _private = new Dictionary<byte[], Zone[]>(WireNameComparer.Instance);
        var kinds = new Dictionary<byte[], ZoneSourceKind>(WireNameComparer.Instance);
        foreach (var (zone, kind) in entries)
        {
            if (zone.IsPrivate)
                _private[zone.Origin] = _private.TryGetValue(zone.Origin, out var list) ? [.. list, zone] : [zone];
            else if (!kinds.TryGetValue(zone.Origin, out var served) || kind > served || (kind == served && kind == ZoneSourceKind.File))
            {
                // API over file; the later of two files; the first of two API zones (entries keep creation order).
                _zones[zone.Origin] = zone;
                kinds[zone.Origin] = kind;
            }
        }
        _lookup = _zones.GetAlternateLookup<ReadOnlySpan<byte>>();
        _privateLookup = _private.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Public zones and zones from master files.</summary>
    public int Count => _zones.Count;
    public IEnumerable<Zone> Zones => _zones.Values;
    public IEnumerable<Zone> PrivateZones => _private.Values.SelectMany(z => z);
    /// <summary>Every zone served (public and private); not the <see cref="Shadowed"/> ones.</summary>
    public IEnumerable<Zone> AllZones => Zones.Concat(PrivateZones);
    public bool HasPrivateZones => _private.Count > 0;

    /// <summary>Public zones kept but not served, because a zone of higher precedence has their name.</summary>
    public IEnumerable<Zone> Shadowed => _entries.Where(e => !e.Zone.IsPrivate && !ReferenceEquals(GetExact(e.Zone.Origin), e.Zone)).Select(e => e.Zone);

    /// <summary>Where a zone in this catalog came from (null: not in it).</summary>
    public ZoneSourceKind? KindOf(Zone zone)
    {
        foreach (var (z, kind) in _entries)
        {
            if (ReferenceEquals(z.Identity, zone.Identity))
                return kind;
        }
        return null;
    }

    /// <summary>A catalog of file zones.</summary>
    public static ZoneCatalog Create(IEnumerable<Zone> zones) => new(zones.Select(z => (z, ZoneSourceKind.File)).ToArray());

    public static ZoneCatalog Create(IEnumerable<(Zone Zone, ZoneSourceKind Kind)> zones) => new(zones.ToArray());

    /// <summary>Adds a zone, replacing the one of the same source in its slot (public: its name; private: its hosted zone id).</summary>
    public ZoneCatalog With(Zone zone, ZoneSourceKind kind = ZoneSourceKind.File) =>
        new(_entries.Where(e => !SameSlot(e, (zone, kind))).Append((zone, kind)).ToArray());

    /// <summary>
    /// Puts <paramref name="next"/> where <paramref name="old"/> was (by reference, or a copy standing
    /// for it: <see cref="Zone.Identity"/>), keeping its place and so its precedence.
    /// </summary>
    public ZoneCatalog Replace(Zone old, Zone next, ZoneSourceKind kind) =>
        new(_entries.Select(e => ReferenceEquals(e.Zone.Identity, old.Identity) ? (next, kind) : e).ToArray());

    /// <summary>Removes this zone (by reference, or a copy standing for it: <see cref="Zone.Identity"/>), served or shadowed.</summary>
    public ZoneCatalog Without(Zone zone) => new(_entries.Where(e => !ReferenceEquals(e.Zone.Identity, zone.Identity)).ToArray());

    // API zones are per hosted zone id (several public ones may share a name); file zones per name.
    private static bool SameSlot((Zone Zone, ZoneSourceKind Kind) a, (Zone Zone, ZoneSourceKind Kind) b) =>
        a.Kind == b.Kind && a.Zone.IsPrivate == b.Zone.IsPrivate
        && (a.Zone.IsPrivate || a.Kind == ZoneSourceKind.Api ? a.Zone.HostedZone?.Id == b.Zone.HostedZone?.Id : a.Zone.Origin.AsSpan().SequenceEqual(b.Zone.Origin));
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

/// <summary>
/// The one registry of served zones, whatever their source (zone files, the Route 53 API); readers
/// take a snapshot with <see cref="Current"/> and never lock. See <see cref="ZoneCatalog"/> for the
/// precedence between sources.
/// </summary>
public sealed class ZoneRegistry
{
    private ZoneCatalog _current = ZoneCatalog.Empty;
    private readonly Lock _writeLock = new();
    private readonly Lock _deliveryLock = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<ZoneCatalog> _undelivered = new();

    public ZoneCatalog Current => Volatile.Read(ref _current);

    /// <summary>
    /// Raised after a new catalog is in place, once per change and in the order the changes were made,
    /// on the writer's thread (off the query path: health checks follow zone changes).
    /// </summary>
    public event Action<ZoneCatalog>? Changed;

    public void Replace(ZoneCatalog catalog) => Update(_ => catalog);

    /// <summary>
    /// Sees every change before it is published, under the write lock, and may replace zones in it (the
    /// transfer journal gives new versions their serial here). Arguments: the catalog served, the next one.
    /// </summary>
    public Func<ZoneCatalog, ZoneCatalog, ZoneCatalog>? Publishing { get; set; }

    /// <summary>Applies a change to the catalog; writers are serialised, readers never wait.</summary>
    public void Update(Func<ZoneCatalog, ZoneCatalog> change)
    {
        lock (_writeLock)
        {
            var next = change(_current);
            if (Publishing is { } publishing)
                next = publishing(_current, next);
            Interlocked.Exchange(ref _current, next);
            // Queued in publication order while still serialised with the other writers...
            _undelivered.Enqueue(next);
        }
        // ...and delivered in that order by whichever writer gets here first, without holding the
        // write lock while handlers run (a handler may read Current or even change the registry).
        lock (_deliveryLock)
        {
            while (_undelivered.TryDequeue(out var catalog))
                Changed?.Invoke(catalog);
        }
    }
}
