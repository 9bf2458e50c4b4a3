using System.Text.Json;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;

namespace DnsHost.Route53;

/// <summary>A reusable delegation set: its id (no "/delegationset/" prefix) and four name servers (fully qualified).</summary>
public sealed record DelegationSetView(string Id, string CallerReference, IReadOnlyList<string> NameServers);

/// <summary>
/// Reusable delegation sets (CreateReusableDelegationSet and the rest). DnsHost itself answers for
/// every zone, so a set is a list of names: copied from a hosted zone's delegation (HostedZoneId), or
/// made from the configured name servers with the set's id in the first label, so zones on different
/// sets list different name servers, as on Route 53. A zone created with DelegationSetId serves the
/// set's names in its apex NS set and SOA MNAME.
/// </summary>
public sealed partial class HostedZoneService
{
    private readonly Dictionary<string, DelegationSetView> _delegationSets = new(StringComparer.Ordinal);
    private bool _delegationSetsLoaded;

    private void LoadDelegationSets()
    {
        if (_delegationSetsLoaded)
            return;
        foreach (var stored in _store.DelegationSets())
            _delegationSets[stored.Id] = new DelegationSetView(stored.Id, stored.CallerReference, JsonSerializer.Deserialize<List<string>>(stored.NameServers)!);
        _delegationSetsLoaded = true;
    }

    public DelegationSetView CreateDelegationSet(string callerReference, string? hostedZoneId)
    {
        if (callerReference.Length is 0 or > 128)
            throw new Route53Exception("InvalidInput", "CallerReference must be 1 to 128 characters");
        lock (_write)
        {
            LoadDelegationSets();
            if (_delegationSets.Values.Any(s => s.CallerReference == callerReference) || _store.CallerReferenceUsed("delegationset:" + callerReference))
                throw new Route53Exception("DelegationSetAlreadyCreated", $"A delegation set with the caller reference {callerReference} has already been created.", 400);
            if (_delegationSets.Count >= Quotas.AccountLimit("MAX_REUSABLE_DELEGATION_SETS_BY_OWNER"))
                throw new Route53Exception("LimitsExceeded", $"Limits Exceeded: MAX_REUSABLE_DELEGATION_SETS_BY_OWNER ({Quotas.AccountLimit("MAX_REUSABLE_DELEGATION_SETS_BY_OWNER")}) - Cannot create more reusable delegation sets.");
            string id = NewId('N');
            IReadOnlyList<string> names;
            if (hostedZoneId is not null)
            {
                string zoneId = StripPrefix(hostedZoneId, "/hostedzone/");
                if (!_zones.TryGetValue(zoneId, out var entry))
                    throw new Route53Exception("HostedZoneNotFound", $"The specified hosted zone {zoneId} can't be found.", 400);
                if (entry.Document.HostedZone!.Config?.PrivateZone == true)
                    throw new Route53Exception("InvalidInput", $"Hosted zone {zoneId} is private; only a public hosted zone has a delegation set");
                if (DelegationSetIdOf(entry.Document) is { } already)
                    throw new Route53Exception("DelegationSetAlreadyReusable", $"The delegation set of hosted zone {zoneId} is already the reusable delegation set {already}.", 400);
                names = ZoneNameServers(entry.Document);
            }
            else
            {
                // ns1.dnshost.test. -> ns1-<id>.dnshost.test.: distinct per set, under the configured servers' names.
                names = NameServers.Select(ns => ns.TrimEnd('.')).Select(ns => ns.IndexOf('.') is var dot and > 0
                    ? $"{ns[..dot]}-{id.ToLowerInvariant()}{ns[dot..]}." : $"{ns}-{id.ToLowerInvariant()}.").ToList();
            }
            var set = new DelegationSetView(id, callerReference, names);
            _store.SaveDelegationSet(new StoredDelegationSet(id, callerReference, JsonSerializer.Serialize(names)));
            _delegationSets[id] = set;
            if (hostedZoneId is not null)
            {
                // The zone's own delegation becomes the reusable set: it is now listed with the set's id.
                string zoneId = StripPrefix(hostedZoneId, "/hostedzone/");
                var (document, zone) = _zones[zoneId];
                document.DelegationSet = DelegationSetJson(set);
                Save(zoneId, document, null);
            }
            return set;
        }
    }

    public DelegationSetView GetDelegationSet(string id)
    {
        id = StripPrefix(id, "/delegationset/");
        lock (_write)
        {
            LoadDelegationSets();
            return _delegationSets.TryGetValue(id, out var set) ? set : throw NoSuchDelegationSet(id);
        }
    }

    public IReadOnlyList<DelegationSetView> ListDelegationSets()
    {
        lock (_write)
        {
            LoadDelegationSets();
            return _delegationSets.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        }
    }

    public void DeleteDelegationSet(string id)
    {
        id = StripPrefix(id, "/delegationset/");
        lock (_write)
        {
            LoadDelegationSets();
            if (!_delegationSets.ContainsKey(id))
                throw NoSuchDelegationSet(id);
            if (ZonesUsingLocked(id) is var used and > 0)
                throw new Route53Exception("DelegationSetInUse", $"The reusable delegation set {id} is used by {used} hosted zone(s); delete them first.", 400);
            _store.DeleteDelegationSet(id);
            _delegationSets.Remove(id);
        }
    }

    /// <summary>How many hosted zones use the set (GetReusableDelegationSetLimit's Count).</summary>
    public int ZonesUsing(string id)
    {
        id = StripPrefix(id, "/delegationset/");
        lock (_write)
            return _zones.Values.Count(z => DelegationSetIdOf(z.Document) == id);
    }

    /// <summary>The reusable delegation set a zone was created with (or whose delegation became one), or null.</summary>
    public string? DelegationSetIdOf(string zoneId)
    {
        zoneId = StripPrefix(zoneId, "/hostedzone/");
        lock (_write)
            return _zones.TryGetValue(zoneId, out var entry) ? DelegationSetIdOf(entry.Document) : null;
    }

    // The property of a stored DelegationSet (Route 53's JSON), not this service's NameServers.
    private const string NameServersProperty = "NameServers";

    /// <summary>The name servers GetHostedZone lists for a zone: its reusable set's, else the configured ones.</summary>
    public IReadOnlyList<string> DelegationOf(string zoneId)
    {
        zoneId = StripPrefix(zoneId, "/hostedzone/");
        lock (_write)
        {
            if (_zones.TryGetValue(zoneId, out var entry) && entry.Document.DelegationSet is { } json && json.TryGetProperty(NameServersProperty, out var list))
                return list.EnumerateArray().Select(n => n.GetString()!).ToList();
        }
        return NameServers;
    }

    private static string? DelegationSetIdOf(Zones.HostedZones.HostedZoneDocument document) =>
        document.DelegationSet is { } json && json.TryGetProperty("Id", out var id) && id.GetString() is { } text ? StripPrefix(text, "/delegationset/") : null;

    private List<string> ZoneNameServers(Zones.HostedZones.HostedZoneDocument document)
    {
        if (document.DelegationSet is { } json && json.TryGetProperty(NameServersProperty, out var list))
            return list.EnumerateArray().Select(n => n.GetString()!).ToList();
        var apexNs = document.ResourceRecordSets?.FirstOrDefault(s => s.Name == document.HostedZone!.Name && s.Type == "NS" && s.SetIdentifier is null);
        return apexNs?.ResourceRecords?.Select(r => r.Value!.EndsWith('.') ? r.Value : r.Value + ".").ToList() ?? [.. NameServers];
    }

    private static JsonElement DelegationSetJson(DelegationSetView set) =>
        JsonSerializer.SerializeToElement(new { Id = "/delegationset/" + set.Id, NameServers = set.NameServers });

    /// <summary>The set a new zone is created with: null for the default one.</summary>
    private DelegationSetView? ResolveDelegationSet(string? delegationSetId, string name)
    {
        if (delegationSetId is null)
            return null;
        LoadDelegationSets();
        var set = _delegationSets.GetValueOrDefault(StripPrefix(delegationSetId, "/delegationset/"))
            ?? throw NoSuchDelegationSet(delegationSetId);
        // Route 53: two zones of one name cannot share a delegation set.
        if (_zones.Values.Any(z => DelegationSetIdOf(z.Document) == set.Id && z.Document.HostedZone!.Name == name))
            throw new Route53Exception("ConflictingDomainExists", $"The reusable delegation set {set.Id} already has a hosted zone named {name}.", 400);
        if (ZonesUsingLocked(set.Id) >= Quotas.DelegationSetLimit("MAX_ZONES_BY_REUSABLE_DELEGATION_SET"))
            throw new Route53Exception("LimitsExceeded", $"Limits Exceeded: MAX_ZONES_BY_REUSABLE_DELEGATION_SET ({Quotas.DelegationSetLimit("MAX_ZONES_BY_REUSABLE_DELEGATION_SET")}) - Cannot create more hosted zones with the reusable delegation set {set.Id}.");
        return set;
    }

    private int ZonesUsingLocked(string id) => _zones.Values.Count(z => DelegationSetIdOf(z.Document) == id);

    private static Route53Exception NoSuchDelegationSet(string id) =>
        new("NoSuchDelegationSet", $"A reusable delegation set with the specified ID does not exist: {id}", 400);
}
