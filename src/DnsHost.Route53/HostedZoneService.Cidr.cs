using System.Text.Json;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>A CIDR collection as the API shows it: its summary and its locations with their blocks.</summary>
public sealed record CidrCollectionView(string Id, string Name, string CallerReference, long Version, IReadOnlyList<(string Location, IReadOnlyList<string> Blocks)> Locations)
{
    public string Arn => "arn:aws:route53:::cidrcollection/" + Id;
}

// CIDR collections (route53-behaviour.md 4.9): they belong to the account, every API zone is compiled
// with all of them, and a change to one recompiles the zones whose record sets use it before it is
// acknowledged, so IP-based answers follow the collection from the next query.
public sealed partial class HostedZoneService
{
    public const int MaxCidrBlocksPerCollection = 1000, MaxCidrChangesPerRequest = 1000;
    private readonly Dictionary<string, (StoredCidrCollection Stored, CidrCollectionJson Json)> _collections = new(StringComparer.Ordinal);

    private static CidrCollectionView View(StoredCidrCollection stored, CidrCollectionJson json) =>
        new(stored.Id, stored.Name, stored.CallerReference, stored.Version,
            (json.Locations ?? []).OrderBy(l => l.LocationName, StringComparer.Ordinal)
                .Select(l => (l.LocationName!, (IReadOnlyList<string>)(l.CidrList ?? []))).ToList());

    public IReadOnlyList<CidrCollectionView> ListCidrCollections()
    {
        lock (_write)
            return _collections.Values.Select(c => View(c.Stored, c.Json)).OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
    }

    public CidrCollectionView GetCidrCollection(string id)
    {
        lock (_write)
            return _collections.TryGetValue(id, out var c) ? View(c.Stored, c.Json) : throw NoSuchCollection(id);
    }

    private static Route53Exception NoSuchCollection(string id) =>
        new("NoSuchCidrCollectionException", $"The CIDR collection you specified, {id}, doesn't exist.", 404);

    /// <summary>CreateCidrCollection: the same name and caller reference again returns the collection; another reference for the name is refused.</summary>
    public (CidrCollectionView Collection, bool Created) CreateCidrCollection(string name, string callerReference)
    {
        if (name.Length is < 1 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            throw new Route53Exception("InvalidInput", $"Name '{name}' must be 1 to 64 characters of [0-9A-Za-z_-]");
        if (callerReference.Length is < 1 or > 64 || !callerReference.All(char.IsAscii))
            throw new Route53Exception("InvalidInput", "CallerReference must be 1 to 64 ASCII characters");
        lock (_write)
        {
            foreach (var (stored, json) in _collections.Values)
            {
                if (stored.Name != name)
                    continue;
                if (stored.CallerReference == callerReference)
                    return (View(stored, json), false);
                throw new Route53Exception("CidrCollectionAlreadyExistsException", $"A CIDR collection with the name {name} and a different caller reference already exists in this account.");
            }
            var collection = new StoredCidrCollection(Guid.NewGuid().ToString(), name, callerReference, 1, "{}");
            var document = new CidrCollectionJson { Id = collection.Id, Name = name, Locations = [] };
            collection = collection with { Document = JsonSerializer.Serialize(document, HostedZoneDocument.Options) };
            _store.SaveCidrCollection(collection);
            _collections[collection.Id] = (collection, document);
            return (View(collection, document), true);
        }
    }

    /// <summary>
    /// ChangeCidrCollection: PUT adds blocks to a location (creating it), DELETE_IF_EXISTS removes them
    /// (a location without blocks is gone). Changes apply in order, so a block can move between locations
    /// in one request. All or nothing; the version goes up by one.
    /// </summary>
    public CidrCollectionView ChangeCidrCollection(string id, long? expectedVersion, IReadOnlyList<(string Location, string Action, IReadOnlyList<string> Cidrs)> changes)
    {
        if (changes.Count == 0)
            throw new Route53Exception("InvalidInput", "Changes must contain at least one change");
        if (changes.Sum(c => c.Cidrs.Count) > MaxCidrChangesPerRequest)
            throw new Route53Exception("InvalidInput", $"A request can change at most {MaxCidrChangesPerRequest} CIDR blocks");
        lock (_write)
        {
            if (!_collections.TryGetValue(id, out var current))
                throw NoSuchCollection(id);
            if (expectedVersion is { } version && version != current.Stored.Version)
                throw new Route53Exception("CidrCollectionVersionMismatchException",
                    $"The CIDR collection version you provided, {version}, doesn't match the current version {current.Stored.Version}.", 409);
            var locations = (current.Json.Locations ?? []).ToDictionary(l => l.LocationName!, l => new List<string>(l.CidrList ?? []), StringComparer.Ordinal);
            foreach (var (location, action, cidrs) in changes)
            {
                if (!HostedZoneLoader.IsCidrLocationName(location))
                    throw new Route53Exception("InvalidInput", $"LocationName '{location}' must be 1 to 16 characters of [0-9A-Za-z_-]");
                if (cidrs.Count is 0 or > MaxCidrChangesPerRequest)
                    throw new Route53Exception("InvalidInput", $"CidrList for location {location} must hold 1 to {MaxCidrChangesPerRequest} blocks");
                foreach (string cidr in cidrs)
                {
                    if (HostedZoneLoader.CheckCidrBlock(cidr, out _) is { } problem)
                        throw new Route53Exception("InvalidInput", $"Location {location}: {problem}");
                }
                switch (action)
                {
                    case "PUT":
                        var list = locations.TryGetValue(location, out var existing) ? existing : locations[location] = [];
                        foreach (string cidr in cidrs)
                        {
                            if (!list.Contains(cidr, StringComparer.OrdinalIgnoreCase))
                                list.Add(cidr);
                        }
                        break;
                    case "DELETE_IF_EXISTS":
                        if (locations.TryGetValue(location, out var blocks))
                        {
                            blocks.RemoveAll(b => cidrs.Contains(b, StringComparer.OrdinalIgnoreCase));
                            if (blocks.Count == 0)
                                locations.Remove(location);
                        }
                        break;
                    default:
                        throw new Route53Exception("InvalidInput", $"Action '{action}' is not PUT or DELETE_IF_EXISTS");
                }
            }
            var duplicate = locations.SelectMany(l => l.Value.Select(b => (Block: b, Location: l.Key)))
                .GroupBy(b => b.Block, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new Route53Exception("InvalidInput", $"CIDR block {duplicate.Key} would be in more than one location ({string.Join(", ", duplicate.Select(d => d.Location))})");
            if (locations.Values.Sum(l => l.Count) > MaxCidrBlocksPerCollection)
                throw new Route53Exception("LimitsExceeded", $"A CIDR collection holds at most {MaxCidrBlocksPerCollection} CIDR blocks");
            foreach (var (location, sets) in LocationsInUse(id))
            {
                if (!locations.ContainsKey(location))
                    throw new Route53Exception("CidrBlockInUseException",
                        $"This CIDR block is already in use: location {location} would lose its last block while record sets use it ({string.Join(", ", sets)})");
            }

            var json = new CidrCollectionJson
            {
                Id = id,
                Name = current.Stored.Name,
                Locations = locations.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => new CidrLocationJson { LocationName = l.Key, CidrList = l.Value }).ToList(),
            };
            var stored = current.Stored with { Version = current.Stored.Version + 1, Document = JsonSerializer.Serialize(json, HostedZoneDocument.Options) };
            // Compile every zone that uses the collection before anything is stored: a failure changes nothing.
            var all = _collections.Where(c => c.Key != id).Select(c => c.Value.Json).Append(json).ToList();
            var recompiled = _zones.Where(z => UsesCollection(z.Value.Document, id))
                .Select(z => (Id: z.Key, z.Value.Document, Old: z.Value.Zone, New: CompileCollections(z.Value.Document, z.Key, all)))
                .ToList();
            _store.SaveCidrCollection(stored);
            _collections[id] = (stored, json);
            foreach (var (zoneId, document, old, zone) in recompiled)
            {
                _zones[zoneId] = (document, zone);
                _registry.Update(c => c.Replace(old, zone, ZoneSourceKind.Api));
            }
            return View(stored, json);
        }
    }

    private DnsHost.Zones.Zone CompileCollections(HostedZoneDocument document, string id, List<CidrCollectionJson> collections)
    {
        try
        {
            return Compile(document, id, collections);
        }
        catch (DnsHost.Zones.ZoneLoadException e)
        {
            throw new Route53Exception("InvalidInput", "The change would leave record sets invalid: " + string.Join("; ", e.Problems.Select(p => p.Message)));
        }
    }

    /// <summary>DeleteCidrCollection: only an empty collection that no record set uses.</summary>
    public void DeleteCidrCollection(string id)
    {
        lock (_write)
        {
            if (!_collections.TryGetValue(id, out var current))
                throw NoSuchCollection(id);
            if (current.Json.Locations is { Count: > 0 } || _zones.Values.Any(z => UsesCollection(z.Document, id)))
                throw new Route53Exception("CidrCollectionInUseException", $"This CIDR collection ({current.Stored.Name}) is in use, and isn't empty.");
            _store.DeleteCidrCollection(id);
            _collections.Remove(id);
        }
    }

    /// <summary>
    /// Serves CIDR collection <paramref name="id"/> as the store has it now (another node changed or deleted
    /// it), and compiles again the zones whose record sets use it. A collection that would leave a zone
    /// invalid is reported as a bad row and the zone keeps its answers.
    /// </summary>
    public void ReloadCidrCollection(string id)
    {
        lock (_write)
        {
            var stored = _store.CidrCollection(id);
            if (stored is null)
            {
                _collections.Remove(id);
                return;
            }
            if (_collections.TryGetValue(id, out var held) && held.Stored.Version >= stored.Version)
                return;
            CidrCollectionJson json;
            try
            {
                json = Read<CidrCollectionJson>(stored.Document);
            }
            catch (Exception e) when (IsBadRow(e))
            {
                _store.ReportBadRow("cidr_collections", id, e);
                return;
            }
            _collections[id] = (stored, json);
            var all = _collections.Values.Select(c => c.Json).ToList();
            foreach (var (zoneId, (document, old)) in _zones.Where(z => UsesCollection(z.Value.Document, id)).ToList())
            {
                try
                {
                    var zone = Compile(document, zoneId, all);
                    _zones[zoneId] = (document, zone);
                    _registry.Update(c => c.Replace(old, zone, ZoneSourceKind.Api));
                }
                catch (DnsHost.Zones.ZoneLoadException e)
                {
                    _store.ReportBadRow("zones", zoneId, e);
                }
            }
        }
    }

    private static bool UsesCollection(HostedZoneDocument document, string id) =>
        document.ResourceRecordSets?.Any(s => s.CidrRoutingConfig?.CollectionId == id) == true;

    /// <summary>The locations of a collection that record sets name (other than the default "*"), with the sets that name them.</summary>
    private IEnumerable<(string Location, List<string> Sets)> LocationsInUse(string id) =>
        _zones.Values.SelectMany(z => z.Document.ResourceRecordSets ?? [])
            .Where(s => s.CidrRoutingConfig?.CollectionId == id && s.CidrRoutingConfig.LocationName is { } l && l != "*")
            .GroupBy(s => s.CidrRoutingConfig!.LocationName!, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Select(s => $"{s.Name} {s.Type} {s.SetIdentifier}").ToList()));

    /// <summary>Record sets that name a collection or location that does not exist get Route 53's own errors, before the batch is compiled.</summary>
    private void CheckCidrReference(ResourceRecordSetJson set)
    {
        if (set.CidrRoutingConfig is not { } cidr)
            return;
        if (cidr.CollectionId is null || !_collections.TryGetValue(cidr.CollectionId, out var collection))
            throw new Route53Exception("NoSuchCidrCollectionException", $"The CIDR collection you specified, {cidr.CollectionId}, doesn't exist.", 404);
        if (cidr.LocationName != "*" && collection.Json.Locations?.Any(l => l.LocationName == cidr.LocationName) != true)
            throw new Route53Exception("NoSuchCidrLocationException", $"The CIDR collection location {cidr.LocationName} doesn't match any locations in collection {collection.Stored.Name}.", 404);
    }
}
