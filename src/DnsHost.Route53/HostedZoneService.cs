using System.Security.Cryptography;
using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Route53;

/// <summary>What the API shows of a hosted zone, from the API's store or from a zone file.</summary>
public sealed record HostedZoneView(string Id, string Name, string CallerReference, string? Comment, bool IsPrivate, long RecordSetCount, bool FromFile, IReadOnlyList<VpcAssociation> Vpcs);

/// <summary>
/// Hosted zones and record sets through the API. A zone created here is kept as a document in the
/// zones/*.json shape: a change batch edits a copy, compiles it with the same loader the zone files
/// use (so the API refuses what a zone file would), writes it to SQLite in one transaction, and only
/// then swaps the compiled zone in. When the API answers, the change is on disk and in DNS.
/// Zones from files are listed too, and are read-only here.
/// </summary>
public sealed partial class HostedZoneService
{
    public const int MaxRecordSetsPerPage = 300, MaxZonesPerPage = 100;
    private readonly ZoneRegistry _registry;
    private readonly ApiStore _store;
    private readonly RoutingEnvironment _routing;
    private readonly RoutingOptions _options;
    private readonly Lock _write = new();
    private readonly Dictionary<string, (HostedZoneDocument Document, Zone Zone)> _zones = new(StringComparer.Ordinal);

    private readonly Func<string, bool> _healthCheckExists;

    /// <param name="healthCheckExists">Whether a HealthCheckId names a check (record sets may only name existing ones).</param>
    public HostedZoneService(ZoneRegistry registry, ApiStore store, RoutingEnvironment routing, RoutingOptions options, Func<string, bool>? healthCheckExists = null)
    {
        _healthCheckExists = healthCheckExists ?? (_ => true);
        _registry = registry;
        _store = store;
        _routing = routing;
        _options = options;
        foreach (var stored in store.CidrCollections())
        {
            try
            {
                _collections[stored.Id] = (stored, Read<CidrCollectionJson>(stored.Document));
            }
            catch (Exception e) when (IsBadRow(e))
            {
                store.ReportBadRow("cidr_collections", stored.Id, e);
            }
        }
        // The log's end first, then the versions, then the zones: a change that lands in between is applied
        // again by the follower (harmless), never missed.
        LoadedSequence = store.LastSequence();
        ServedSequence = LoadedSequence;
        foreach (var (zoneId, version) in store.ZoneVersions())
            _versions[zoneId] = version;
        foreach (var stored in store.Zones())
        {
            try
            {
                Restore(stored);
            }
            catch (Exception e) when (IsBadRow(e))
            {
                store.ReportBadRow("zones", stored.Id, e);
            }
        }
    }

    /// <summary>What a row that does not read back throws: bad JSON, JSON of another shape, a zone that no longer compiles.</summary>
    internal static bool IsBadRow(Exception e) =>
        e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException or ZoneLoadException or Api.Route53Exception or InvalidDataException;

    internal static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, HostedZoneDocument.Options) ?? throw new InvalidDataException("the row holds JSON null");

    private void Restore(StoredZone stored)
    {
        var document = Read<HostedZoneDocument>(stored.Document);
        if (document.ResourceRecordSets is { } legacy)
        {
            // A store from before record sets had rows of their own: move them there once.
            _store.SaveZone(Meta(stored.Id, document), null, legacy.Select(s => KeyValuePair.Create(SetKey(s), JsonSerializer.Serialize(s, HostedZoneDocument.Options))).ToList());
        }
        else
        {
            var sets = new List<ResourceRecordSetJson>();
            for (int i = 0; i < stored.RecordSets.Count; i++)
            {
                try
                {
                    sets.Add(Read<ResourceRecordSetJson>(stored.RecordSets[i]));
                }
                catch (Exception e) when (IsBadRow(e))
                {
                    // One bad record set costs that set, not the zone.
                    _store.ReportBadRow("record_sets", $"{stored.Id} #{i + 1}", e);
                }
            }
            document.ResourceRecordSets = sets;
        }
        var zone = Compile(document, stored.Id);
        if (_zones.TryGetValue(stored.Id, out var old))
            _registry.Update(c => c.Replace(old.Zone, zone, ZoneSourceKind.Api));
        else
            _registry.Update(c => c.With(zone, ZoneSourceKind.Api));
        _zones[stored.Id] = (document, zone);
    }

    public IReadOnlyList<string> NameServers => _options.EffectiveNameServers;

    /// <summary>Compiles an API zone with the account's CIDR collections (they belong to the account, not to a zone).</summary>
    private Zone Compile(HostedZoneDocument document, string id, IEnumerable<CidrCollectionJson>? collections = null)
    {
        var own = document.CidrCollections;
        document.CidrCollections = (collections ?? _collections.Values.Select(c => c.Json)).ToList();
        document.TrafficPolicyInstances = TrafficPolicySources(id);
        try
        {
            return HostedZoneLoader.Build(document, $"API zone {id}", null, _routing, _options);
        }
        finally
        {
            document.CidrCollections = own;
        }
    }

    internal static string NewId(char prefix)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        Span<char> id = stackalloc char[21];
        id[0] = prefix;
        for (int i = 1; i < id.Length; i++)
            id[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        return new string(id);
    }

    public static string StripPrefix(string id, string prefix) => id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id;

    /// <summary>Route 53's quotas, enforced here (zones, record sets per zone, delegation sets).</summary>
    public AccountQuotas Quotas { get; init; } = new();

    public (HostedZoneView Zone, ApiChange Change) Create(string name, string callerReference, string? comment, bool isPrivate, VpcAssociation? vpc, string? delegationSetId = null)
    {
        if (isPrivate && delegationSetId is not null)
            throw new Route53Exception("InvalidInput", "A private hosted zone cannot have a reusable delegation set (DelegationSetId)");
        if (!Route53Names.TryParse(name, out var origin, out var error))
            throw new Route53Exception("InvalidDomainName", $"{name} is not a valid domain name: {error}");
        if (DnsName.LabelCount(origin) < 2)
            throw new Route53Exception("InvalidDomainName", $"{name} is a top-level domain; a hosted zone cannot be created for it");
        if (callerReference.Length is 0 or > 128)
            throw new Route53Exception("InvalidInput", "CallerReference must be 1 to 128 characters");
        if (isPrivate && vpc is null)
            throw new Route53Exception("InvalidVPCId", "A private hosted zone needs a VPC");
        if (!isPrivate && vpc is not null)
            throw new Route53Exception("InvalidInput", "A VPC can be given only for a private hosted zone (HostedZoneConfig.PrivateZone=true)");
        string text = Route53Names.ToText(origin);
        lock (_write)
        {
            // A reference once used is refused, for the same name too: Route 53 is not idempotent here
            // (unlike CreateHealthCheck). A second public zone with an existing name is allowed, as on
            // Route 53; DNS keeps answering from the first (ZoneCatalog).
            if (_zones.Values.Any(e => e.Document.HostedZone!.CallerReference == callerReference) || _store.CallerReferenceUsed(callerReference))
                throw new Route53Exception("HostedZoneAlreadyExists", $"A hosted zone has already been created with the specified caller reference: {callerReference}", 409);
            if (vpc is not null)
            {
                CheckVpc(vpc);
                CheckNoPrivateZoneFor(text, vpc, except: null);
            }
            if (List().Count >= Quotas.AccountLimit("MAX_HOSTED_ZONES_BY_OWNER"))
                throw new Route53Exception("TooManyHostedZones", $"Limits Exceeded: MAX_HOSTED_ZONES_BY_OWNER ({Quotas.AccountLimit("MAX_HOSTED_ZONES_BY_OWNER")}) - Cannot create more hosted zones (Api:Quotas:HostedZones).");
            var delegationSet = ResolveDelegationSet(delegationSetId, text);
            var nameServers = delegationSet?.NameServers ?? NameServers;

            string zoneId = NewId('Z');
            var document = new HostedZoneDocument
            {
                HostedZone = new HostedZoneJson
                {
                    Id = "/hostedzone/" + zoneId,
                    Name = text,
                    CallerReference = callerReference,
                    Config = new HostedZoneConfigJson { Comment = comment, PrivateZone = isPrivate },
                },
                VPCs = vpc is null ? null : [new VpcJson { VPCId = vpc.VpcId, VPCRegion = vpc.VpcRegion }],
                DelegationSet = delegationSet is null ? null : DelegationSetJson(delegationSet),
                ResourceRecordSets =
                [
                    new ResourceRecordSetJson
                    {
                        Name = text, Type = "NS", TTL = HostedZoneLoader.DefaultNsTtl,
                        ResourceRecords = nameServers.Select(ns => new ResourceRecordJson { Value = ns.EndsWith('.') ? ns : ns + "." }).ToList(),
                    },
                    new ResourceRecordSetJson
                    {
                        Name = text, Type = "SOA", TTL = HostedZoneLoader.DefaultSoaTtl,
                        ResourceRecords = [new ResourceRecordJson { Value = $"{nameServers[0].TrimEnd('.')}. {HostedZoneLoader.DefaultSoaContact} 1 7200 900 1209600 86400" }],
                    },
                ],
            };
            var zone = CompileForApi(document, zoneId);
            var change = new ApiChange(NewId('C'), Time.GetUtcNow(), null);
            Save(zoneId, document, change, document.ResourceRecordSets.Select(s => KeyValuePair.Create(SetKey(s), JsonSerializer.Serialize(s, HostedZoneDocument.Options))).ToList());
            _zones[zoneId] = (document, zone);
            _registry.Update(c => c.With(zone, ZoneSourceKind.Api));
            return (View(zoneId, document, zone), change);
        }
    }

    private Zone? ApplyAsDiff(Zone zone, HostedZoneDocument next, List<ResourceRecordSetJson> upserted, List<(string Name, string Type)> deleted)
    {
        try
        {
            return HostedZoneDiff.TryApply(zone, next, upserted, deleted, _routing, _options);
        }
        catch (ZoneLoadException e)
        {
            var messages = e.Problems.Select(p => p.Message).ToList();
            throw new Route53Exception("InvalidChangeBatch", "[" + string.Join(", ", messages) + "]", 400, messages);
        }
    }

    private Zone CompileForApi(HostedZoneDocument document, string id)
    {
        try
        {
            return Compile(document, id);
        }
        catch (ZoneLoadException e)
        {
            var messages = e.Problems.Select(p => p.Message).ToList();
            throw new Route53Exception("InvalidChangeBatch", "[" + string.Join(", ", messages) + "]", 400, messages);
        }
    }

    private static HostedZoneView View(string id, HostedZoneDocument document, Zone zone) =>
        new(id, document.HostedZone!.Name!, document.HostedZone.CallerReference!, document.HostedZone.Config?.Comment,
            document.HostedZone.Config?.PrivateZone ?? false, document.ResourceRecordSets?.Count ?? 0, false, zone.HostedZone?.Vpcs ?? []);

    /// <summary>The id the API gives a zone from a file: the JSON zone's own, or a stable one from its name.</summary>
    private static string FileId(Zone zone) => zone.HostedZone?.Id ?? HostedZoneLoader.StableId(zone.OriginText, false);

    private HostedZoneView FileView(Zone zone)
    {
        var info = zone.HostedZone;
        string id = FileId(zone);
        // The count is of the sets ListResourceRecordSets lists, routed and alias sets included.
        long sets = _fileSorted.GetValue(zone, z => Sort(FileRecordSets(z).ToList())).Length;
        string comment = _registry.Current.KindOf(zone) == ZoneSourceKind.Secondary
            ? $"secondary zone, transferred from its primaries (copy in {zone.Source}; read-only through the API)"
            : $"from {zone.Source} (read-only through the API)";
        return new HostedZoneView(id, zone.OriginText, info?.CallerReference ?? "file:" + zone.Source, info?.Comment ?? comment,
            zone.IsPrivate, sets, true, info?.Vpcs ?? []);
    }

    public IReadOnlyList<HostedZoneView> List()
    {
        lock (_write)
        {
            var api = _zones.Select(z => View(z.Key, z.Value.Document, z.Value.Zone));
            var files = _registry.Current.AllZones.Where(z => !_zones.Values.Any(a => ReferenceEquals(a.Zone, z.Identity))).Select(FileView);
            return api.Concat(files).OrderBy(z => z.Id, StringComparer.Ordinal).ToList();
        }
    }

    public HostedZoneView Get(string id)
    {
        id = StripPrefix(id, "/hostedzone/");
        return List().FirstOrDefault(z => z.Id == id) ?? throw Route53Exception.NoSuchHostedZone(id);
    }

    /// <summary>The compiled zone of a hosted zone id (API or file), served or not.</summary>
    public Zone ZoneOf(string id)
    {
        id = StripPrefix(id, "/hostedzone/");
        lock (_write)
        {
            if (_zones.TryGetValue(id, out var entry))
                return entry.Zone;
        }
        return _registry.Current.AllZones.FirstOrDefault(z => FileId(z) == id) ?? throw Route53Exception.NoSuchHostedZone(id);
    }

    /// <summary>For a public zone DNS does not answer from (another has its name and came first): the id of the one it does; else null.</summary>
    public string? ServedInstead(string id)
    {
        var zone = ZoneOf(id);
        var served = _registry.Current.GetExact(zone.Origin);
        return served is null || ReferenceEquals(served, zone) ? null : FileId(served);
    }

    private (HostedZoneDocument Document, Zone Zone) Writable(string id)
    {
        if (_zones.TryGetValue(id, out var entry))
            return entry;
        var view = List().FirstOrDefault(z => z.Id == id) ?? throw Route53Exception.NoSuchHostedZone(id);
        if (_registry.Current.AllZones.FirstOrDefault(z => FileId(z) == id) is { } served && _registry.Current.KindOf(served) == ZoneSourceKind.Secondary)
            throw new Route53Exception("InvalidInput", $"Hosted zone {view.Name} ({id}) is a secondary zone transferred from its primary servers; it is read-only here, change it on the primary");
        throw new Route53Exception("InvalidInput", $"Hosted zone {view.Name} ({id}) comes from a zone file ({view.Comment}); change the file instead");
    }

    public ApiChange Delete(string id)
    {
        id = StripPrefix(id, "/hostedzone/");
        return Retrying(id, () =>
        {
            var (document, zone) = Writable(id);
            string apex = document.HostedZone!.Name!;
            if (document.ResourceRecordSets!.Any(s => !(s.Name == apex && s.Type is "SOA" or "NS")))
                throw new Route53Exception("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.");
            // Route 53: a zone is deleted only with DNSSEC signing disabled (DeleteHostedZone).
            if (IsSigning?.Invoke(id) == true)
                throw new Route53Exception("HostedZoneNotEmpty", $"The specified hosted zone {id} has DNSSEC signing enabled and so cannot be deleted; disable it first (DisableHostedZoneDNSSEC).");
            var change = new ApiChange(NewId('C'), Time.GetUtcNow(), null);
            _store.DeleteZone(id, change, _versions.GetValueOrDefault(id));
            _versions.Remove(id);
            _store.DeleteTags("hostedzone", id);
            _zones.Remove(id);
            _registry.Update(c => c.Without(zone));
            return change;
        });
    }

    /// <summary>Applies a change batch, all or nothing (route53-behaviour.md 3): each change is checked against the zone as the earlier ones left it.</summary>
    public ApiChange Change(string id, string? comment, IReadOnlyList<(string Action, ResourceRecordSetJson Set)> changes)
    {
        id = StripPrefix(id, "/hostedzone/");
        if (changes.Count == 0)
            throw new Route53Exception("InvalidInput", "ChangeBatch must contain at least one Change");
        ChangeBatchRules.CheckShape(changes);
        ChangeBatchRules.CheckLimits(changes);
        return Retrying(id, () =>
        {
            var (document, _) = Writable(id);
            string apex = document.HostedZone!.Name!;
            // Sets by key, so that each change costs a lookup and not a scan of the zone; the order is rebuilt below.
            var byKey = new Dictionary<string, ResourceRecordSetJson>(document.ResourceRecordSets!.Count, StringComparer.Ordinal);
            foreach (var existing in document.ResourceRecordSets)
                byKey[SetKey(existing)] = existing;
            var added = new List<string>();
            var problems = new List<string>();
            foreach (var (action, set) in changes)
            {
                if (set.Name is null || set.Type is null)
                {
                    problems.Add("A ResourceRecordSet needs Name and Type");
                    continue;
                }
                if (!Route53Names.TryParse(set.Name, out var wire, out var nameError))
                {
                    problems.Add($"Invalid name '{set.Name}': {nameError}");
                    continue;
                }
                set.Name = Route53Names.ToText(wire);
                // Route 53 keeps an alias target's DNSName fully qualified (and lists it so).
                if (set.AliasTarget is { DNSName: { Length: > 0 } target } alias && !target.EndsWith('.'))
                    alias.DNSName = target + ".";
                if (action != "DELETE")
                {
                    foreach (var record in set.ResourceRecords ?? [])
                    {
                        if (record.Value is { } value && ChangeBatchRules.ValueProblem(set.Type, value) is { } valueProblem)
                            problems.Add(valueProblem);
                    }
                }
                if (set.HealthCheckId is { } check && action != "DELETE" && !_healthCheckExists(check))
                    throw new Route53Exception("NoSuchHealthCheck", $"No health check exists with the specified ID {check}", 404);
                if (action != "DELETE")
                    CheckCidrReference(set);
                string describe = $"[name='{set.Name}', type='{set.Type}'{(set.SetIdentifier is null ? "" : $", set-identifier='{set.SetIdentifier}'")}]";
                string key = SetKey(set);
                bool exists = byKey.TryGetValue(key, out var current);
                if (TrafficPolicyProblem(action, set, exists ? current : null, describe) is { } instanceProblem)
                {
                    problems.Add(instanceProblem);
                    continue;
                }
                switch (action)
                {
                    case "CREATE" when exists:
                        problems.Add($"Tried to create resource record set {describe} but it already exists");
                        break;
                    case "CREATE" or "UPSERT":
                        if (!exists)
                            added.Add(key);
                        byKey[key] = set;
                        break;
                    case "DELETE" when !exists:
                        problems.Add($"Tried to delete resource record set {describe} but it was not found");
                        break;
                    case "DELETE" when JsonSerializer.Serialize(current, HostedZoneDocument.Options) != JsonSerializer.Serialize(set, HostedZoneDocument.Options):
                        problems.Add($"Tried to delete resource record set {describe} but the values provided do not match the current values");
                        break;
                    case "DELETE" when set.Name == apex && set.Type is "SOA":
                        problems.Add("A HostedZone must contain exactly one SOA record.");
                        break;
                    case "DELETE" when set.Name == apex && set.Type is "NS":
                        problems.Add("A HostedZone must contain at least one NS record for the zone itself.");
                        break;
                    case "DELETE":
                        byKey.Remove(key);
                        break;
                    default:
                        problems.Add($"Action '{action}' is not CREATE, DELETE or UPSERT");
                        break;
                }
            }
            if (problems.Count == 0)
                problems.AddRange(CnameProblems(apex, changes, byKey));
            // Route 53's MAX_RRSETS_BY_ZONE (10,000 by default, Api:Quotas:RecordSetsPerZone), SOA and NS included.
            if (problems.Count == 0 && added.Count > 0 && byKey.Count > Quotas.HostedZoneLimit("MAX_RRSETS_BY_ZONE"))
                problems.Add($"Exceeded limit MAX_RRSETS_BY_ZONE for zone: {id}");
            if (problems.Count > 0)
                throw new Route53Exception("InvalidChangeBatch", "[" + string.Join(", ", problems) + "]", 400, problems);

            // The zone's order: sets that stay keep their place (with their new values), new ones follow in the batch's order.
            var emitted = new HashSet<string>(StringComparer.Ordinal);
            var sets = new List<ResourceRecordSetJson>(byKey.Count);
            foreach (string key in document.ResourceRecordSets.Select(SetKey).Concat(added))
            {
                if (byKey.TryGetValue(key, out var set) && emitted.Add(key))
                    sets.Add(set);
            }

            // The new document shares everything but the set list with the old one; only the sets the batch touched are written.
            var next = document.ShallowCopy();
            next.ResourceRecordSets = sets;
            var touched = changes.Select(c => SetKey(c.Set)).ToHashSet(StringComparer.Ordinal);
            var final = sets.Where(s => touched.Contains(SetKey(s))).ToDictionary(SetKey, s => s, StringComparer.Ordinal);
            // A batch of plain sets is applied to the served zone as a diff; anything else compiles the zone again.
            var zone = ApplyAsDiff(_zones[id].Zone, next, final.Values.ToList(), changes.Where(c => !final.ContainsKey(SetKey(c.Set))).Select(c => (c.Set.Name ?? "", c.Set.Type ?? "")).ToList())
                ?? CompileForApi(next, id);
            var change = new ApiChange(NewId('C'), Time.GetUtcNow(), comment);
            Save(id, next, change,
                final.Select(f => KeyValuePair.Create(f.Key, JsonSerializer.Serialize(f.Value, HostedZoneDocument.Options))).ToList(),
                touched.Where(k => !final.ContainsKey(k)).ToList());
            var old = _zones[id].Zone;
            _zones[id] = (next, zone);
            _registry.Update(c => c.Replace(old, zone, ZoneSourceKind.Api));
            return change;
        });
    }

    /// <summary>
    /// RFC 1034 3.6.2 in Route 53's words, which name the set the batch adds: a CNAME added beside other
    /// sets, another type added beside a CNAME, or a CNAME at the apex (that message alone).
    /// </summary>
    private static List<string> CnameProblems(string apex, IReadOnlyList<(string Action, ResourceRecordSetJson Set)> changes, Dictionary<string, ResourceRecordSetJson> final)
    {
        var problems = new List<string>();
        if (!changes.Any(c => c.Action != "DELETE" && c.Set.Type == "CNAME") && !final.Values.Any(s => s.Type == "CNAME"))
            return problems;
        var types = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var set in final.Values)
        {
            if (!types.TryGetValue(set.Name!, out var at))
                types[set.Name!] = at = new HashSet<string>(StringComparer.Ordinal);
            at.Add(set.Type!);
        }
        var addedCnames = changes.Where(c => c.Action != "DELETE" && c.Set.Type == "CNAME").Select(c => c.Set.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (action, set) in changes)
        {
            if (action == "DELETE" || !types.TryGetValue(set.Name!, out var at) || !at.Contains("CNAME") || !reported.Add(set.Name + "|" + set.Type))
                continue;
            if (set.Type == "CNAME")
            {
                if (string.Equals(set.Name, apex, StringComparison.OrdinalIgnoreCase))
                    problems.Add(Route53Texts.CnameAtApex(apex));
                else if (at.Count > 1)
                    problems.Add(Route53Texts.CnameConflicts(set.Name!, apex));
            }
            else if (!addedCnames.Contains(set.Name!))
                problems.Add(Route53Texts.ConflictsWithCname(set.Type!, set.Name!, apex));
        }
        return problems;
    }

    /// <summary>A record set's row key: name (lower case), type and set identifier.</summary>
    private static string SetKey(ResourceRecordSetJson set) => $"{set.Name?.ToLowerInvariant()}|{set.Type}|{set.SetIdentifier}";

    /// <summary>The zone's stored document: everything but the record sets, which are rows of their own.</summary>
    private static StoredZone Meta(string id, HostedZoneDocument document)
    {
        var meta = document.ShallowCopy();
        meta.ResourceRecordSets = null;
        meta.CidrCollections = null;
        return new StoredZone(id, document.HostedZone!.Name!, document.HostedZone.CallerReference!, JsonSerializer.Serialize(meta, HostedZoneDocument.Options));
    }

    /// <summary>
    /// One page of record sets in Route 53's order (names compared label by label from the right, then
    /// type, then set identifier), starting at the given name, type and identifier.
    /// </summary>
    public (List<ResourceRecordSetJson> Page, ResourceRecordSetJson? Next) ListRecordSets(string id, string? startName, string? startType, string? startIdentifier, int maxItems)
    {
        id = StripPrefix(id, "/hostedzone/");
        if (startType is not null && startName is null)
            throw new Route53Exception("InvalidInput", "StartRecordType can be given only with StartRecordName");
        if (startIdentifier is not null && startType is null)
            throw new Route53Exception("InvalidInput", "StartRecordIdentifier can be given only with StartRecordType");
        (string Key, ResourceRecordSetJson Set)[] all;
        lock (_write)
        {
            all = _zones.TryGetValue(id, out var entry)
                ? _sorted.GetValue(entry.Document.ResourceRecordSets!, Sort)
                : SortedFileRecordSets(id);
        }
        int start = 0;
        if (startName is not null)
        {
            if (!Route53Names.TryParse(startName, out var wire, out var error))
                throw new Route53Exception("InvalidInput", $"StartRecordName '{startName}': {error}");
            string key = OrderKey(Route53Names.ToText(wire), startType ?? "", startIdentifier);
            // The first set at or after the key: a binary search over the sorted keys.
            int low = 0, high = all.Length;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (string.CompareOrdinal(all[middle].Key, key) < 0)
                    low = middle + 1;
                else
                    high = middle;
            }
            start = low;
        }
        var page = all.Skip(start).Take(maxItems).Select(e => e.Set).ToList();
        var next = start + maxItems < all.Length ? all[start + maxItems].Set : null;
        return (page, next);
    }

    /// <summary>Each zone's sets in Route 53's order, computed once per version of the zone (a change makes a new list).</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<List<ResourceRecordSetJson>, (string Key, ResourceRecordSetJson Set)[]> _sorted = new();

    private static (string Key, ResourceRecordSetJson Set)[] Sort(List<ResourceRecordSetJson> sets) =>
        sets.Select(s => (OrderKey(s.Name, s.Type ?? "", s.SetIdentifier), s)).OrderBy(e => e.Item1, StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Route 53's order as one ordinal string: the name's labels from the right (lower case), then the
    /// type, then the set identifier, joined by NUL, which sorts before every character of a name.
    /// </summary>
    private static string OrderKey(string? name, string type, string? identifier) =>
        ReversedName(name ?? "") + "\0" + type + "\0" + identifier;

    /// <summary>UpdateHostedZoneComment: the comment is part of the stored zone.</summary>
    public HostedZoneView UpdateComment(string id, string? comment)
    {
        id = StripPrefix(id, "/hostedzone/");
        if (comment is { Length: > 256 })
            throw new Route53Exception("InvalidInput", "Comment must be at most 256 characters");
        return Retrying(id, () =>
        {
            var (document, zone) = Writable(id);
            document.HostedZone!.Config ??= new HostedZoneConfigJson();
            string? before = document.HostedZone.Config.Comment;
            document.HostedZone.Config.Comment = comment;
            try
            {
                Save(id, document, new ApiChange(NewId('C'), Time.GetUtcNow(), null));
            }
            catch
            {
                // A write the store refused (another node's change, the store unreachable) leaves the zone as it was.
                document.HostedZone.Config.Comment = before;
                throw;
            }
            return View(id, document, zone);
        });
    }

    /// <summary>Zones in ListHostedZonesByName order: names compared label by label from the right, then id.</summary>
    public IReadOnlyList<HostedZoneView> ListByName() =>
        List().OrderBy(z => ReversedName(z.Name), StringComparer.Ordinal).ThenBy(z => z.Id, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Route 53's sort key for names: the labels reversed, each followed by its dot, compared as text, so
    /// <c>a-b.example.com.</c> ('-' is below '.') comes before <c>a.example.com.</c> (route53-behaviour.md 1.3).
    /// </summary>
    public static string ReversedName(string name) => name.TrimEnd('.') is { Length: 0 } ? "" : string.Join('.', name.TrimEnd('.').ToLowerInvariant().Split('.').Reverse()) + ".";

    /// <summary>Whether an API zone is signed through the DNSSEC API (set by <see cref="Dnssec.HostedZoneDnssec"/>); such a zone is not deleted.</summary>
    internal Func<string, bool>? IsSigning { get; set; }

    public ZoneRegistry Registry => _registry;
    public RoutingEnvironment Routing => _routing;

    /// <summary>How long a change reports PENDING before INSYNC (Api:PendingSeconds). The change is served at once either way; the delay only lets clients' waiters be tested.</summary>
    public TimeSpan PendingFor { get; init; }

    /// <summary>The clock of changes' submission times and of <see cref="PendingFor"/>; tests move a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A change and its status: INSYNC once it is in the served snapshot (always, when the API has answered) and <see cref="PendingFor"/> has passed.</summary>
    public (ApiChange Change, string Status)? GetChange(string id)
    {
        var change = _store.GetChange(StripPrefix(id, "/change/"));
        if (change is null)
            return null;
        if (Time.GetUtcNow() - change.SubmittedAt < PendingFor)
            return (change, "PENDING");
        return (change, ClusterStatus(change.Id) ?? "INSYNC");
    }
}
