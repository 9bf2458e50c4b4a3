using System.Text.Json.Nodes;
using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>A sync side that has Route 53's traffic policies and their instances (a Route 53 account or a DnsHost; not a folder).</summary>
public interface ITrafficPolicySyncSide
{
    /// <summary>Every version of every policy, with its document.</summary>
    Task<IReadOnlyList<TrafficPolicyVersion>> ListTrafficPoliciesAsync(CancellationToken cancellationToken);
    Task<IReadOnlyList<TrafficPolicyInstanceSummary>> ListTrafficPolicyInstancesAsync(string zoneId, CancellationToken cancellationToken);
    Task<TrafficPolicyVersion> CreateTrafficPolicyAsync(string name, string document, CancellationToken cancellationToken);
    Task<TrafficPolicyVersion> CreateTrafficPolicyVersionAsync(string policyId, string document, CancellationToken cancellationToken);
    Task CreateTrafficPolicyInstanceAsync(string zoneId, string name, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken);
    Task UpdateTrafficPolicyInstanceAsync(string id, long ttl, string policyId, int policyVersion, CancellationToken cancellationToken);
    Task DeleteTrafficPolicyInstanceAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// A policy version the target lacks: <see cref="NewPolicy"/> creates the policy (by its name), otherwise
/// a new version of the target's policy of that name is created. <see cref="SourceKey"/> is the source's id and version.
/// </summary>
public sealed record PlannedTrafficPolicy(string Name, string SourceKey, int SourceVersion, string Document, bool NewPolicy);

/// <summary>An instance to create (Existing null), update (UPDATE) or delete (DELETE, Source null) on the target.</summary>
public sealed record PlannedTrafficPolicyInstance(string Action, string Name, string Type, long Ttl, string? SourceKey, string? PolicyName, TrafficPolicyInstanceSummary? Existing);

/// <summary>
/// The traffic policy part of a sync between two Route 53 sides: a record set a traffic policy instance made is
/// not copied as a record set; its policy version is matched on the target by the policy's name and an equal
/// document (created, or a new version created, when the target has none), and the instance (name, type,
/// TTL, policy version) is created or updated on the target; with --prune an instance only the target has is deleted.
/// </summary>
public static class TrafficPolicySync
{
    public static string Key(string policyId, int version) => $"{policyId}/{version}";

    private static string InstanceKey(string name, string type) => $"{SyncNames.Normalize(name)}|{type}";

    /// <summary>Documents compared as JSON values: spacing and the order of an object's members do not count.</summary>
    public static bool SameDocument(string a, string b)
    {
        try
        {
            return JsonNode.DeepEquals(Sorted(JsonNode.Parse(a)), Sorted(JsonNode.Parse(b)));
        }
        catch (System.Text.Json.JsonException)
        {
            return a == b;
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(e => Sorted(e?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>The policy versions the source's instances use, each mapped to a target version with an equal document or planned.</summary>
    public static async Task PlanPoliciesAsync(SyncPlan plan, IEnumerable<TrafficPolicyInstanceSummary> sourceInstances, ITrafficPolicySyncSide source, ITrafficPolicySyncSide target, CancellationToken cancellationToken)
    {
        var used = sourceInstances.Select(i => (i.PolicyId, i.PolicyVersion)).Distinct().OrderBy(u => u.PolicyId, StringComparer.Ordinal).ThenBy(u => u.PolicyVersion).ToList();
        if (used.Count == 0)
            return;
        var sourcePolicies = (await source.ListTrafficPoliciesAsync(cancellationToken)).ToDictionary(p => Key(p.Id, p.Version), StringComparer.Ordinal);
        var targetPolicies = await target.ListTrafficPoliciesAsync(cancellationToken);
        foreach (var policy in targetPolicies)
            plan.TrafficPolicyIds[policy.Name] = policy.Id;
        foreach (var (id, version) in used)
        {
            string key = Key(id, version);
            var wanted = sourcePolicies.GetValueOrDefault(key)
                ?? throw new InvalidOperationException($"a traffic policy instance uses policy {id} version {version}, which the source does not list");
            plan.TrafficPolicyNames[key] = wanted.Name;
            var match = targetPolicies.Where(p => p.Name == wanted.Name && SameDocument(p.Document, wanted.Document)).MaxBy(p => p.Version);
            if (match is not null)
            {
                plan.TrafficPolicyVersions[key] = match;
                continue;
            }
            if (plan.TrafficPolicies.FirstOrDefault(p => p.Name == wanted.Name && SameDocument(p.Document, wanted.Document)) is { } same)
            {
                plan.TrafficPolicyAliases[key] = same.SourceKey;
                continue;
            }
            bool exists = plan.TrafficPolicyIds.ContainsKey(wanted.Name) || plan.TrafficPolicies.Any(p => p.Name == wanted.Name);
            plan.TrafficPolicies.Add(new PlannedTrafficPolicy(wanted.Name, key, version, wanted.Document, NewPolicy: !exists));
        }
    }

    /// <summary>
    /// The zone's instances: created or updated where the source has one, deleted where only the target has one and
    /// --prune is given or the source has record sets at its name and type. Plain target sets where the source has an
    /// instance are deleted first (an instance's sets cannot share their name and type).
    /// </summary>
    public static void PlanInstances(ZonePlan zonePlan, SyncPlan plan, IReadOnlyList<TrafficPolicyInstanceSummary> sourceInstances, IReadOnlyList<TrafficPolicyInstanceSummary> targetInstances,
        IReadOnlyList<Zones.HostedZones.ResourceRecordSetJson> wantedSets, IReadOnlyList<Zones.HostedZones.ResourceRecordSetJson> currentSets, bool prune)
    {
        var targetByKey = targetInstances.GroupBy(i => InstanceKey(i.Name, i.Type)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var sourceKeys = sourceInstances.Select(i => InstanceKey(i.Name, i.Type)).ToHashSet(StringComparer.Ordinal);
        var wantedKeys = wantedSets.Select(s => InstanceKey(s.Name ?? "", s.Type ?? "")).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, existing) in targetByKey.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!sourceKeys.Contains(key) && (prune || wantedKeys.Contains(key)))
                zonePlan.TrafficPolicyInstances.Add(new PlannedTrafficPolicyInstance("DELETE", existing.Name, existing.Type, existing.Ttl, null, null, existing));
        }
        foreach (var instance in sourceInstances.OrderBy(i => InstanceKey(i.Name, i.Type), StringComparer.Ordinal))
        {
            string key = InstanceKey(instance.Name, instance.Type);
            string policyKey = Key(instance.PolicyId, instance.PolicyVersion);
            var existing = targetByKey.GetValueOrDefault(key);
            var mapped = plan.TrafficPolicyVersions.GetValueOrDefault(policyKey);
            if (existing is not null && mapped is not null && existing.Ttl == instance.Ttl && existing.PolicyId == mapped.Id && existing.PolicyVersion == mapped.Version)
                continue;
            zonePlan.TrafficPolicyInstances.Add(new PlannedTrafficPolicyInstance(existing is null ? "CREATE" : "UPDATE", instance.Name, instance.Type, instance.Ttl, policyKey, plan.TrafficPolicyNames[policyKey], existing));
            foreach (var set in currentSets.Where(s => SyncNames.Normalize(s.Name ?? "") == SyncNames.Normalize(instance.Name) && (s.Type == instance.Type || s.Type == "CNAME")))
            {
                if (!zonePlan.Changes.Any(c => c.Action == "DELETE" && ReferenceEquals(c.Old, set)))
                    zonePlan.Changes.Add(new PlannedChange("DELETE", set, null));
            }
        }
    }

    /// <summary>Creates the planned policies and versions; afterwards every source key the plan uses maps to a target version.</summary>
    public static async Task<int> ApplyPoliciesAsync(ITrafficPolicySyncSide target, SyncPlan plan, CancellationToken cancellationToken)
    {
        int made = 0;
        foreach (var planned in plan.TrafficPolicies)
        {
            var created = planned.NewPolicy
                ? await target.CreateTrafficPolicyAsync(planned.Name, planned.Document, cancellationToken)
                : await target.CreateTrafficPolicyVersionAsync(plan.TrafficPolicyIds[planned.Name], planned.Document, cancellationToken);
            plan.TrafficPolicyIds[planned.Name] = created.Id;
            plan.TrafficPolicyVersions[planned.SourceKey] = created;
            made++;
        }
        foreach (var (key, same) in plan.TrafficPolicyAliases)
            plan.TrafficPolicyVersions[key] = plan.TrafficPolicyVersions[same];
        return made;
    }

    /// <summary>One zone's instance deletes (<paramref name="writes"/> false, before its record sets change) or creates and updates (after).</summary>
    public static async Task<int> ApplyInstancesAsync(ITrafficPolicySyncSide target, ZonePlan zone, SyncPlan plan, bool writes, CancellationToken cancellationToken)
    {
        int done = 0;
        foreach (var instance in zone.TrafficPolicyInstances.Where(i => (i.Action != "DELETE") == writes))
        {
            if (instance.Action == "DELETE")
                await target.DeleteTrafficPolicyInstanceAsync(instance.Existing!.Id, cancellationToken);
            else
            {
                var version = plan.TrafficPolicyVersions[instance.SourceKey!];
                if (instance.Existing is null)
                    await target.CreateTrafficPolicyInstanceAsync(zone.Target.Id!, instance.Name, instance.Ttl, version.Id, version.Version, cancellationToken);
                else
                    await target.UpdateTrafficPolicyInstanceAsync(instance.Existing.Id, instance.Ttl, version.Id, version.Version, cancellationToken);
            }
            done++;
        }
        return done;
    }

    /// <summary>The plan's line for a policy version to create.</summary>
    public static string Describe(PlannedTrafficPolicy planned) =>
        planned.NewPolicy ? $"traffic policy + {planned.Name} (source version {planned.SourceVersion})" : $"traffic policy ~ {planned.Name}: new version (source version {planned.SourceVersion})";

    /// <summary>The plan's line for an instance: + created, ~ updated, - deleted.</summary>
    public static string Describe(PlannedTrafficPolicyInstance instance, SyncPlan plan)
    {
        string sign = instance.Action switch { "CREATE" => "+", "UPDATE" => "~", _ => "-" };
        string policy = instance.SourceKey is null
            ? $"policy {instance.Existing!.PolicyId} v{instance.Existing.PolicyVersion}"
            : plan.TrafficPolicyVersions.GetValueOrDefault(instance.SourceKey) is { } version ? $"policy {instance.PolicyName} v{version.Version}" : $"policy {instance.PolicyName} (new version)";
        return $"{sign} traffic policy instance {instance.Name} {instance.Type} ttl={instance.Ttl} {policy}";
    }
}
