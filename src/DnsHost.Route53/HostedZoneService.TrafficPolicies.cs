using System.Text.Json;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>
/// Traffic policies (Traffic Flow) and their instances. A policy version is kept as sent; an instance is a
/// row plus the one record set it creates in its hosted zone ({Name, Type, TrafficPolicyInstanceId}), written
/// in the zone's transaction. Compiling the zone compiles the instance's policy document onto routing groups
/// (<see cref="TrafficPolicyDocument"/>), so DNS answers as the document says once the API has answered.
/// </summary>
public sealed partial class HostedZoneService
{
    public const int MaxTrafficPolicyVersions = 1000;
    private Dictionary<string, StoredTrafficPolicyInstance>? _instances;

    private Dictionary<string, StoredTrafficPolicyInstance> Instances =>
        _instances ??= _store.TrafficPolicyInstances().ToDictionary(i => i.Id, StringComparer.Ordinal);

    /// <summary>The instances of one zone, with their policy versions parsed, for the zone's compile.</summary>
    private Dictionary<string, TrafficPolicyInstanceSource>? TrafficPolicySources(string zoneId)
    {
        var mine = Instances.Values.Where(i => i.HostedZoneId == zoneId).ToList();
        if (mine.Count == 0)
            return null;
        var policies = _store.TrafficPolicies();
        var sources = new Dictionary<string, TrafficPolicyInstanceSource>(StringComparer.Ordinal);
        foreach (var instance in mine)
        {
            if (policies.FirstOrDefault(p => p.Id == instance.PolicyId && p.Version == instance.PolicyVersion) is { } policy
                && TrafficPolicyDocument.Parse(policy.Document, out _) is { } document)
                sources[instance.Id] = new TrafficPolicyInstanceSource(document, (uint)instance.Ttl);
        }
        return sources;
    }

    public StoredTrafficPolicy CreateTrafficPolicy(string name, string document, string? comment)
    {
        if (name.Length is 0 or > 512)
            throw new Route53Exception("InvalidInput", "Name must be 1 to 512 characters");
        CheckComment(comment);
        var parsed = CheckDocument(document);
        lock (_write)
        {
            var all = _store.TrafficPolicies();
            if (all.Any(p => p.Name == name))
                throw new Route53Exception("TrafficPolicyAlreadyExists", $"A traffic policy that has the same value for Name already exists: {name}", 409);
            int limit = Quotas.AccountLimit("MAX_TRAFFIC_POLICIES_BY_OWNER");
            if (all.Select(p => p.Id).Distinct().Count() >= limit)
                throw new Route53Exception("TooManyTrafficPolicies", $"Limits Exceeded: MAX_TRAFFIC_POLICIES_BY_OWNER ({limit}) - Cannot create more traffic policies (Api:Quotas:TrafficPolicies).");
            var policy = new StoredTrafficPolicy(Guid.NewGuid().ToString(), 1, name, parsed.RecordType, document, comment);
            _store.SaveTrafficPolicy(policy);
            return policy;
        }
    }

    public StoredTrafficPolicy CreateTrafficPolicyVersion(string id, string document, string? comment)
    {
        CheckComment(comment);
        lock (_write)
        {
            var versions = TrafficPolicyVersions(id);
            var parsed = CheckDocument(document);
            if (versions.Count >= MaxTrafficPolicyVersions)
                throw new Route53Exception("TooManyTrafficPolicyVersionsForCurrentPolicy", $"Traffic policy {id} already has {MaxTrafficPolicyVersions} versions; delete some before you create another");
            var policy = new StoredTrafficPolicy(id, versions[^1].Version + 1, versions[0].Name, parsed.RecordType, document, comment);
            _store.SaveTrafficPolicy(policy);
            return policy;
        }
    }

    public StoredTrafficPolicy GetTrafficPolicy(string id, int version) =>
        _store.TrafficPolicies().FirstOrDefault(p => p.Id == id && p.Version == version) ?? throw NoSuchTrafficPolicy(id, version);

    /// <summary>A policy's versions, oldest first; NoSuchTrafficPolicy when it has none.</summary>
    public IReadOnlyList<StoredTrafficPolicy> TrafficPolicyVersions(string id)
    {
        var versions = _store.TrafficPolicies().Where(p => p.Id == id).ToList();
        return versions.Count > 0 ? versions : throw NoSuchTrafficPolicy(id, null);
    }

    /// <summary>ListTrafficPolicies: per policy its latest version and how many versions it has, by id.</summary>
    public IReadOnlyList<(StoredTrafficPolicy Latest, int Count)> ListTrafficPolicies() =>
        _store.TrafficPolicies().GroupBy(p => p.Id).Select(g => (g.Last(), g.Count())).OrderBy(p => p.Item1.Id, StringComparer.Ordinal).ToList();

    public StoredTrafficPolicy UpdateTrafficPolicyComment(string id, int version, string? comment)
    {
        CheckComment(comment);
        lock (_write)
        {
            var policy = GetTrafficPolicy(id, version) with { Comment = comment };
            _store.SaveTrafficPolicy(policy);
            return policy;
        }
    }

    public void DeleteTrafficPolicy(string id, int version)
    {
        lock (_write)
        {
            GetTrafficPolicy(id, version);
            if (Instances.Values.Any(i => i.PolicyId == id && i.PolicyVersion == version))
                throw new Route53Exception("TrafficPolicyInUse", "One or more traffic policy instances were created by using the specified traffic policy.");
            _store.DeleteTrafficPolicy(id, version);
        }
    }

    public (StoredTrafficPolicyInstance Instance, StoredTrafficPolicy Policy) CreateTrafficPolicyInstance(string hostedZoneId, string name, long ttl, string policyId, int version)
    {
        hostedZoneId = StripPrefix(hostedZoneId, "/hostedzone/");
        CheckTtl(ttl);
        lock (_write)
        {
            var (document, _) = Writable(hostedZoneId);
            if (!Route53Names.TryParse(name, out var wire, out var error))
                throw new Route53Exception("InvalidInput", $"Invalid name '{name}': {error}");
            string text = Route53Names.ToText(wire), apex = document.HostedZone!.Name!;
            if (!string.Equals(text, apex, StringComparison.OrdinalIgnoreCase) && !text.EndsWith("." + apex, StringComparison.OrdinalIgnoreCase))
                throw new Route53Exception("InvalidInput", $"The name {text} is not in hosted zone {apex} ({hostedZoneId})");
            var policy = GetTrafficPolicy(policyId, version);
            if (Instances.Values.Any(i => i.HostedZoneId == hostedZoneId && string.Equals(i.Name, text, StringComparison.OrdinalIgnoreCase) && i.Type == policy.Type))
                throw new Route53Exception("TrafficPolicyInstanceAlreadyExists", $"There is already a traffic policy instance for {text} {policy.Type} in hosted zone {hostedZoneId}", 409);
            int limit = Quotas.AccountLimit("MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER");
            if (Instances.Count >= limit)
                throw new Route53Exception("TooManyTrafficPolicyInstances", $"Limits Exceeded: MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER ({limit}) - Cannot create more traffic policy instances (Api:Quotas:TrafficPolicyInstances).");
            if (document.ResourceRecordSets!.Any(s => string.Equals(s.Name, text, StringComparison.OrdinalIgnoreCase) && s.Type == policy.Type))
                throw new Route53Exception("InvalidInput", $"Hosted zone {hostedZoneId} already has a {policy.Type} resource record set named {text}; a traffic policy instance creates its own");
            var instance = new StoredTrafficPolicyInstance(Guid.NewGuid().ToString(), hostedZoneId, text, policy.Type, ttl, policyId, version);
            var set = new ResourceRecordSetJson { Name = text, Type = policy.Type, TrafficPolicyInstanceId = instance.Id };
            ReplaceInstanceSet(hostedZoneId, instance, null, set);
            return (instance, policy);
        }
    }

    public (StoredTrafficPolicyInstance Instance, StoredTrafficPolicy Policy) UpdateTrafficPolicyInstance(string id, long ttl, string policyId, int version)
    {
        CheckTtl(ttl);
        lock (_write)
        {
            var current = GetTrafficPolicyInstance(id);
            var policy = GetTrafficPolicy(policyId, version);
            if (policy.Type != current.Type)
                throw new Route53Exception("ConflictingTypes", $"Traffic policy {policyId} version {version} creates {policy.Type} records, but instance {id} has {current.Type} records; the DNS type of an instance cannot change");
            var next = current with { Ttl = ttl, PolicyId = policyId, PolicyVersion = version };
            var set = new ResourceRecordSetJson { Name = current.Name, Type = current.Type, TrafficPolicyInstanceId = id };
            ReplaceInstanceSet(current.HostedZoneId, next, current, set);
            return (next, policy);
        }
    }

    public void DeleteTrafficPolicyInstance(string id)
    {
        lock (_write)
        {
            var current = GetTrafficPolicyInstance(id);
            ReplaceInstanceSet(current.HostedZoneId, null, current, null);
        }
    }

    // The instance cache is a plain dictionary: readers take the write lock too (reads are rare and short).
    public StoredTrafficPolicyInstance GetTrafficPolicyInstance(string id)
    {
        lock (_write)
            return Instances.GetValueOrDefault(id) ?? throw new Route53Exception("NoSuchTrafficPolicyInstance", $"No traffic policy instance exists with the specified ID: {id}", 404);
    }

    /// <summary>Every instance in Route 53's listing order: hosted zone id, then name (labels from the right), then type.</summary>
    public IReadOnlyList<StoredTrafficPolicyInstance> ListTrafficPolicyInstances()
    {
        lock (_write)
            return Instances.Values.OrderBy(i => i.HostedZoneId, StringComparer.Ordinal).ThenBy(i => ReversedName(i.Name), StringComparer.Ordinal).ThenBy(i => i.Type, StringComparer.Ordinal).ToList();
    }

    public int TrafficPolicyInstanceCount
    {
        get
        {
            lock (_write)
                return Instances.Count;
        }
    }

    /// <summary>
    /// Writes an instance's change: its record set (added, recompiled or removed) and its row, in the zone's
    /// transaction, then serves the zone compiled with the instance as it now is.
    /// </summary>
    private void ReplaceInstanceSet(string zoneId, StoredTrafficPolicyInstance? next, StoredTrafficPolicyInstance? previous, ResourceRecordSetJson? set)
    {
        var (document, _) = Writable(zoneId);
        var instance = next ?? previous!;
        string key = $"{instance.Name.ToLowerInvariant()}|{instance.Type}|";
        var sets = document.ResourceRecordSets!.Where(s => SetKey(s) != key).ToList();
        if (set is not null)
            sets.Add(set);
        var nextDocument = document.ShallowCopy();
        nextDocument.ResourceRecordSets = sets;
        // The compile reads the instance from the cache: put it there for the compile, and back if anything fails.
        if (next is not null)
            Instances[next.Id] = next;
        else
            Instances.Remove(previous!.Id);
        try
        {
            var zone = CompileForApi(nextDocument, zoneId);
            var change = new ApiChange(NewId('C'), Time.GetUtcNow(), null);
            _versions[zoneId] = _store.SaveZone(Meta(zoneId, nextDocument), change,
                set is null ? null : [KeyValuePair.Create(key, JsonSerializer.Serialize(set, HostedZoneDocument.Options))],
                set is null ? [key] : null,
                expectedVersion: _versions.GetValueOrDefault(zoneId),
                alsoInTransaction: _store.TrafficPolicyInstanceWrite(next, previous?.Id));
            var old = _zones[zoneId].Zone;
            _zones[zoneId] = (nextDocument, zone);
            _registry.Update(c => c.Replace(old, zone, Zones.ZoneSourceKind.Api));
        }
        catch
        {
            if (previous is not null)
                Instances[previous.Id] = previous;
            else
                Instances.Remove(next!.Id);
            throw;
        }
    }

    /// <summary>Route 53 refuses a change batch that touches a set a traffic policy instance created.</summary>
    private static string? TrafficPolicyProblem(string action, ResourceRecordSetJson set, ResourceRecordSetJson? current, string describe)
    {
        string? instance = current?.TrafficPolicyInstanceId ?? set.TrafficPolicyInstanceId;
        return instance is null ? null
            : $"Tried to {action.ToLowerInvariant()} resource record set {describe} but it was created by traffic policy instance {instance}; use UpdateTrafficPolicyInstance or DeleteTrafficPolicyInstance";
    }

    private TrafficPolicyDocument CheckDocument(string document)
    {
        if (document.Length > 102400)
            throw new Route53Exception("InvalidTrafficPolicyDocument", "The traffic policy document is longer than 102,400 characters");
        var parsed = TrafficPolicyDocument.Parse(document, out string error)
            ?? throw new Route53Exception("InvalidTrafficPolicyDocument", error);
        foreach (string check in parsed.HealthChecks)
        {
            if (!_healthCheckExists(check))
                throw new Route53Exception("InvalidTrafficPolicyDocument", $"The health check {check} named in the document does not exist");
        }
        return parsed;
    }

    private static void CheckComment(string? comment)
    {
        if (comment is { Length: > 1024 })
            throw new Route53Exception("InvalidInput", "Comment must be at most 1024 characters");
    }

    private static void CheckTtl(long ttl)
    {
        if (ttl is < 0 or > 2147483647)
            throw new Route53Exception("InvalidInput", $"TTL {ttl} is outside 0-2147483647");
    }

    private static Route53Exception NoSuchTrafficPolicy(string id, int? version) =>
        new("NoSuchTrafficPolicy", version is null ? $"No traffic policy exists with the specified ID: {id}" : $"No traffic policy exists with the specified ID and version: {id} version {version}", 404);
}
