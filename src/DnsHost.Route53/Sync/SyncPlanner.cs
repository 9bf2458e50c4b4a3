using System.Text.Json;
using System.Text.Json.Nodes;
using DnsHost.Route53.Client;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53.Sync;

/// <summary>What to sync and how.</summary>
public sealed class SyncOptions
{
    /// <summary>Zone names to sync; empty is every zone of the source.</summary>
    public List<string> Include { get; init; } = [];
    public List<string> Exclude { get; init; } = [];
    /// <summary>Delete target record sets the source does not have (otherwise only sets at names and types the source manages are replaced).</summary>
    public bool Prune { get; init; }
    /// <summary>Sync the apex SOA and NS too (they are left alone by default: each side has its own name servers).</summary>
    public bool IncludeApex { get; init; }
}

/// <summary>One record-set change in a plan, with the target's current set (for updates and deletes) and the source's.</summary>
public sealed record PlannedChange(string Action, ResourceRecordSetJson? Old, ResourceRecordSetJson? New)
{
    public ResourceRecordSetJson Set => New ?? Old!;
    public bool IsAlias => Set.AliasTarget is not null;
}

/// <summary>A health check to create or update on the target. <see cref="Existing"/> is null until it exists.</summary>
public sealed record PlannedHealthCheck(string Action, string Key, string SourceId, HealthCheckConfigJson Config, SyncHealthCheck? Existing, string? Problem = null);

/// <summary>The plan for one zone.</summary>
public sealed class ZonePlan
{
    public required SyncZone Source { get; init; }
    public required SyncZone Target { get; init; }
    public bool CreateZone { get; init; }
    public List<PlannedChange> Changes { get; } = [];
    /// <summary>VPCs of a private source zone that the target zone lacks (a new zone gets the first at creation).</summary>
    public List<VpcAssociation> VpcsToAssociate { get; } = [];
    public List<string> Warnings { get; } = [];
    /// <summary>DNSSEC settings to carry (signing status, KSKs), in the order they are applied.</summary>
    public List<DnssecStep> Dnssec { get; } = [];
    /// <summary>The zone's tags to set on the target, and what the target has now (for the plan's text).</summary>
    public TagChanges Tags { get; set; } = TagChanges.None;
    public IReadOnlyDictionary<string, string> TargetTags { get; set; } = new Dictionary<string, string>();
    /// <summary>Traffic policy instances to delete (before the record sets change) and to create or update (after).</summary>
    public List<PlannedTrafficPolicyInstance> TrafficPolicyInstances { get; } = [];
    public bool InSync => !CreateZone && Changes.Count == 0 && VpcsToAssociate.Count == 0 && Dnssec.Count == 0 && Tags.IsEmpty && TrafficPolicyInstances.Count == 0;
}

/// <summary>A whole plan: zones in the source's order, then the health checks they need.</summary>
public sealed class SyncPlan
{
    public List<ZonePlan> Zones { get; } = [];
    public List<PlannedHealthCheck> HealthChecks { get; } = [];
    /// <summary>Source health check id to target id, for checks that exist on the target already.</summary>
    public Dictionary<string, string> CheckIds { get; } = new(StringComparer.Ordinal);
    /// <summary>Source zone id to target zone (for alias targets inside synced zones).</summary>
    public Dictionary<string, SyncZone> ZoneIds { get; } = new(StringComparer.Ordinal);
    /// <summary>CIDR collections to create or change, before (and, for removals, after) the record sets.</summary>
    public List<PlannedCidrChanges> CidrCollections { get; } = [];
    /// <summary>Source collection id to target id (or <see cref="CidrCollectionSync.PendingId"/> for one not made yet).</summary>
    public Dictionary<string, string> CollectionIds { get; } = new(StringComparer.Ordinal);
    /// <summary>Any side's collection id to its name, for the plan's text.</summary>
    public Dictionary<string, string> CollectionNames { get; } = new(StringComparer.Ordinal);
    /// <summary>What the plan leaves alone that is not one zone's (a CIDR location on the target only).</summary>
    public List<string> Warnings { get; } = [];
    /// <summary>Health checks' tags to set, for the synced checks.</summary>
    public List<PlannedHealthCheckTags> HealthCheckTags { get; } = [];
    /// <summary>Traffic policy versions to create on the target, before the instances that use them.</summary>
    public List<PlannedTrafficPolicy> TrafficPolicies { get; } = [];
    /// <summary>Source policy id/version (<see cref="TrafficPolicySync.Key"/>) to the target's version with the same document, once it exists.</summary>
    public Dictionary<string, TrafficPolicyVersion> TrafficPolicyVersions { get; } = new(StringComparer.Ordinal);
    /// <summary>Source policy id/version to a planned one with the same name and document (two source versions alike).</summary>
    public Dictionary<string, string> TrafficPolicyAliases { get; } = new(StringComparer.Ordinal);
    /// <summary>Source policy id/version to the policy's name; target policy name to its id.</summary>
    public Dictionary<string, string> TrafficPolicyNames { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> TrafficPolicyIds { get; } = new(StringComparer.Ordinal);
    public bool IsEmpty => HealthChecks.Count == 0 && CidrCollections.Count == 0 && HealthCheckTags.Count == 0 && TrafficPolicies.Count == 0 && Zones.All(z => z.InSync);
    public int ChangeCount => Zones.Sum(z => z.Changes.Count);
}

/// <summary>
/// Compares a source and a target and decides the changes that make the target serve what the source
/// serves: record sets keyed by name, type and set identifier, compared with health check ids and alias
/// zone ids translated to the target's, and values compared as sets. Changes nothing.
/// </summary>
public static class SyncPlanner
{
    public static async Task<SyncPlan> PlanAsync(ISyncSide source, ISyncSide target, SyncOptions options, CancellationToken cancellationToken)
    {
        var plan = new SyncPlan();
        var include = options.Include.Select(SyncNames.Normalize).ToHashSet(StringComparer.Ordinal);
        var exclude = options.Exclude.Select(SyncNames.Normalize).ToHashSet(StringComparer.Ordinal);
        var sourceZones = (await source.ListZonesAsync(cancellationToken))
            .Where(z => (include.Count == 0 || include.Contains(z.Name)) && !exclude.Contains(z.Name)).ToList();
        foreach (string missing in include.Where(n => !sourceZones.Any(z => z.Name == n)))
            throw new InvalidOperationException($"zone {missing} is not in {source.Description}");
        var targetZones = await target.ListZonesAsync(cancellationToken);

        var pairs = new List<(SyncZone Source, SyncZone Target, bool Create)>();
        foreach (var zone in sourceZones)
        {
            var existing = targetZones.Where(t => t.Name == zone.Name && t.IsPrivate == zone.IsPrivate).ToList();
            if (existing.Count > 1)
                throw new InvalidOperationException($"{target.Description} has {existing.Count} {(zone.IsPrivate ? "private" : "public")} zones named {zone.Name}; sync cannot tell which to use");
            var match = existing.FirstOrDefault();
            var pair = (zone, match ?? new SyncZone { Name = zone.Name, IsPrivate = zone.IsPrivate, Vpcs = zone.Vpcs, Comment = zone.Comment }, match is null);
            pairs.Add(pair);
            if (zone.Id is not null)
                plan.ZoneIds[zone.Id] = pair.Item2;
        }

        // Health checks: the ones the synced sets use, matched on the target by caller reference.
        var sourceChecks = (await source.ListHealthChecksAsync(cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var targetChecks = await target.ListHealthChecksAsync(cancellationToken);
        var sourceSets = new Dictionary<SyncZone, List<ResourceRecordSetJson>>();
        var skipped = new Dictionary<SyncZone, int>();
        foreach (var (zone, _, _) in pairs)
            sourceSets[zone] = (await source.ListRecordSetsAsync(zone, cancellationToken)).Where(s => options.IncludeApex || !IsApexSoaOrNs(s, zone)).ToList();
        // CIDR collections belong to the account: synced between two Route 53 sides, matched by name.
        bool syncCidr = source is ICidrSyncSide && target is ICidrSyncSide;
        var sourceCollections = new Dictionary<string, CidrCollectionOnSide>(StringComparer.Ordinal);
        if (syncCidr && sourceSets.Values.Any(sets => sets.Any(s => s.CidrRoutingConfig is not null)))
            sourceCollections = (await ((ICidrSyncSide)source).ListCidrCollectionsAsync(cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var (zone, sets) in sourceSets)
            skipped[zone] = sets.RemoveAll(s => s.CidrRoutingConfig is { } cidr && !(syncCidr && sourceCollections.ContainsKey(cidr.CollectionId ?? "")));
        if (syncCidr)
            await PlanCidrCollectionsAsync(plan, sourceSets.Values.SelectMany(s => s), sourceCollections, (ICidrSyncSide)target, options);
        // Traffic policy instances are synced as policies plus instances between two Route 53 sides; their sets are never copied.
        var policySource = source as ITrafficPolicySyncSide;
        var policyTarget = target as ITrafficPolicySyncSide;
        bool syncPolicies = policySource is not null && policyTarget is not null;
        var sourceInstances = new Dictionary<SyncZone, IReadOnlyList<TrafficPolicyInstanceSummary>>();
        var skippedInstanceSets = new Dictionary<SyncZone, int>();
        foreach (var (zone, sets) in sourceSets)
        {
            skippedInstanceSets[zone] = sets.RemoveAll(s => s.TrafficPolicyInstanceId is not null);
            sourceInstances[zone] = syncPolicies && skippedInstanceSets[zone] > 0 && zone.Id is not null ? await policySource!.ListTrafficPolicyInstancesAsync(zone.Id, cancellationToken) : [];
        }
        if (syncPolicies)
            await TrafficPolicySync.PlanPoliciesAsync(plan, sourceInstances.Values.SelectMany(i => i), policySource!, policyTarget!, cancellationToken);
        var used = new List<string>();
        void Use(string id)
        {
            if (used.Contains(id))
                return;
            if (sourceChecks.TryGetValue(id, out var check))
            {
                foreach (string child in check.Config.ChildHealthChecks ?? [])
                    Use(child);
            }
            used.Add(id);
        }
        foreach (var id in sourceSets.Values.SelectMany(s => s).Select(s => s.HealthCheckId).OfType<string>())
            Use(id);
        foreach (string id in used)
        {
            if (!sourceChecks.TryGetValue(id, out var check))
                throw new InvalidOperationException($"record sets in {source.Description} use health check {id}, which {source.Description} does not have");
            var existing = targetChecks.FirstOrDefault(t => t.Key == check.Key);
            var config = TranslateConfig(check.Config, plan.CheckIds);
            if (existing is null)
                plan.HealthChecks.Add(new PlannedHealthCheck("CREATE", check.Key, id, config, null));
            else
            {
                plan.CheckIds[id] = existing.Id;
                if (!SameConfig(existing.Config, config))
                {
                    string? problem = FixedFields(existing.Config, config);
                    plan.HealthChecks.Add(new PlannedHealthCheck("UPDATE", check.Key, id, config, existing, problem));
                }
            }
        }

        if (source is ITagSyncSide checkTagSource && target is ITagSyncSide checkTagTarget)
        {
            foreach (string id in used)
            {
                var current = plan.CheckIds.TryGetValue(id, out var targetId) ? await checkTagTarget.ListTagsAsync(TagSync.HealthCheck, targetId, cancellationToken) : new Dictionary<string, string>();
                var changes = TagSync.Diff(await checkTagSource.ListTagsAsync(TagSync.HealthCheck, id, cancellationToken), current, options.Prune);
                if (!changes.IsEmpty)
                    plan.HealthCheckTags.Add(new PlannedHealthCheckTags(sourceChecks[id].Key, id, changes, current));
            }
        }

        foreach (var (zone, targetZone, create) in pairs)
        {
            var zonePlan = new ZonePlan { Source = zone, Target = targetZone, CreateZone = create };
            var wanted = sourceSets[zone].Select(s => Translate(s, plan)).ToList();
            var current = create ? [] : (await target.ListRecordSetsAsync(targetZone, cancellationToken))
                .Where(s => (options.IncludeApex || !IsApexSoaOrNs(s, zone)) && (syncCidr || s.CidrRoutingConfig is null) && s.TrafficPolicyInstanceId is null).ToList();
            if (skippedInstanceSets[zone] > 0 && !syncPolicies)
                zonePlan.Warnings.Add($"{skippedInstanceSets[zone]} record set(s) of traffic policy instances left out: traffic policies are synced only between Route 53 sides, not with {(policySource is null ? source : target).Description}");
            if (skipped[zone] > 0)
                zonePlan.Warnings.Add(syncCidr
                    ? $"{skipped[zone]} IP-based (CIDR) record set(s) left out: their CIDR collection is not in {source.Description}'s account (a zone file's own collection)"
                    : $"{skipped[zone]} IP-based (CIDR) record set(s) left out: CIDR collections are synced only between Route 53 sides, not with {(source is ICidrSyncSide ? target : source).Description}");
            if (zone.IsPrivate)
            {
                // Associations are added, never removed: a VPC the target has besides is someone else's decision.
                var have = create ? zone.Vpcs.Take(1) : targetZone.Vpcs;
                zonePlan.VpcsToAssociate.AddRange(zone.Vpcs.Where(v => !have.Contains(v)));
            }
            Diff(zonePlan, wanted, current, options);
            if (syncPolicies)
            {
                var targetInstances = create || targetZone.Id is null ? [] : await policyTarget!.ListTrafficPolicyInstancesAsync(targetZone.Id, cancellationToken);
                TrafficPolicySync.PlanInstances(zonePlan, plan, sourceInstances[zone], targetInstances, wanted, current, options.Prune);
            }
            if (source is ITagSyncSide tagSource && target is ITagSyncSide tagTarget && zone.Id is not null)
            {
                zonePlan.TargetTags = create || targetZone.Id is null ? new Dictionary<string, string>() : await tagTarget.ListTagsAsync(TagSync.HostedZone, targetZone.Id, cancellationToken);
                zonePlan.Tags = TagSync.Diff(await tagSource.ListTagsAsync(TagSync.HostedZone, zone.Id, cancellationToken), zonePlan.TargetTags, options.Prune);
            }
            await DnssecSync.PlanAsync(zonePlan, source, target, options, cancellationToken);
            plan.Zones.Add(zonePlan);
        }
        return plan;
    }

    /// <summary>The collections the synced sets use: matched on the target by name, planned to hold the source's blocks.</summary>
    private static async Task PlanCidrCollectionsAsync(SyncPlan plan, IEnumerable<ResourceRecordSetJson> sets, Dictionary<string, CidrCollectionOnSide> sourceCollections, ICidrSyncSide target, SyncOptions options)
    {
        var used = sets.Select(s => s.CidrRoutingConfig?.CollectionId).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (used.Count == 0)
            return;
        var targetCollections = (await target.ListCidrCollectionsAsync(CancellationToken.None)).ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (string id in used)
        {
            var wanted = sourceCollections[id];
            var existing = targetCollections.GetValueOrDefault(wanted.Name);
            string targetId = existing?.Id ?? CidrCollectionSync.PendingId(wanted.Name);
            plan.CollectionIds[id] = targetId;
            plan.CollectionNames[id] = plan.CollectionNames[targetId] = wanted.Name;
            if (CidrCollectionSync.Plan(wanted, existing, options.Prune, plan.Warnings) is { } planned)
                plan.CidrCollections.Add(planned);
        }
    }

    private static bool IsApexSoaOrNs(ResourceRecordSetJson set, SyncZone zone) =>
        set.Type is "SOA" or "NS" && SyncNames.Normalize(set.Name ?? "") == zone.Name;

    private static void Diff(ZonePlan plan, List<ResourceRecordSetJson> wanted, List<ResourceRecordSetJson> current, SyncOptions options)
    {
        string Key(ResourceRecordSetJson s) => $"{SyncNames.Normalize(s.Name ?? "")}|{s.Type}|{s.SetIdentifier}";
        var currentByKey = current.GroupBy(Key).ToDictionary(g => g.Key, g => g.First());
        var wantedKeys = wanted.Select(Key).ToHashSet(StringComparer.Ordinal);
        // The source manages every name and type it has; a CNAME manages its whole name.
        var managedNameTypes = wanted.Select(s => $"{SyncNames.Normalize(s.Name ?? "")}|{s.Type}").ToHashSet(StringComparer.Ordinal);
        var cnameNames = wanted.Where(s => s.Type == "CNAME").Select(s => SyncNames.Normalize(s.Name ?? "")).ToHashSet(StringComparer.Ordinal);
        var wantedNames = wanted.Select(s => SyncNames.Normalize(s.Name ?? "")).ToHashSet(StringComparer.Ordinal);

        foreach (var set in current)
        {
            if (wantedKeys.Contains(Key(set)))
                continue;
            string name = SyncNames.Normalize(set.Name ?? "");
            bool managed = managedNameTypes.Contains($"{name}|{set.Type}")
                || cnameNames.Contains(name)
                || (set.Type == "CNAME" && wantedNames.Contains(name));
            if (managed || options.Prune)
                plan.Changes.Add(new PlannedChange("DELETE", set, null));
        }
        foreach (var set in wanted)
        {
            if (!currentByKey.TryGetValue(Key(set), out var old))
                plan.Changes.Add(new PlannedChange("CREATE", null, set));
            else if (Canonical(old) != Canonical(set))
                plan.Changes.Add(new PlannedChange("UPSERT", old, set));
        }
    }

    /// <summary>The source set as the target should have it: names normalised, health check and alias zone ids translated.</summary>
    private static ResourceRecordSetJson Translate(ResourceRecordSetJson source, SyncPlan plan)
    {
        var set = SyncNames.Copy(source);
        set.Name = SyncNames.Normalize(set.Name ?? "");
        if (set.HealthCheckId is { } check && plan.CheckIds.TryGetValue(check, out var targetCheck))
            set.HealthCheckId = targetCheck;
        if (set.CidrRoutingConfig is { CollectionId: { } collection } cidr && plan.CollectionIds.TryGetValue(collection, out var targetCollection))
            cidr.CollectionId = targetCollection;
        if (set.AliasTarget is { HostedZoneId: { } zoneId } alias)
        {
            alias.DNSName = SyncNames.Normalize(alias.DNSName ?? "");
            if (plan.ZoneIds.TryGetValue(HostedZoneService.StripPrefix(zoneId, "/hostedzone/"), out var targetZone))
                alias.HostedZoneId = targetZone.Id ?? SyncApplier.PendingZoneId(targetZone);
        }
        return set;
    }

    /// <summary>A set as text for comparison: values and lists in a fixed order, names in Route 53's form.</summary>
    public static string Canonical(ResourceRecordSetJson set)
    {
        var copy = SyncNames.Copy(set);
        copy.Name = SyncNames.Normalize(copy.Name ?? "");
        copy.ResourceRecords = copy.ResourceRecords?.OrderBy(r => r.Value, StringComparer.Ordinal).ToList();
        if (copy.AliasTarget is { } alias)
        {
            alias.DNSName = SyncNames.Normalize(alias.DNSName ?? "");
            alias.HostedZoneId = alias.HostedZoneId is null ? null : HostedZoneService.StripPrefix(alias.HostedZoneId, "/hostedzone/");
        }
        if (copy.MultiValueAnswer == false)
            copy.MultiValueAnswer = null;
        return JsonSerializer.Serialize(copy, CompactJson);
    }

    private static readonly JsonSerializerOptions CompactJson = new(HostedZoneDocument.Options) { WriteIndented = false };

    private static HealthCheckConfigJson TranslateConfig(HealthCheckConfigJson config, Dictionary<string, string> ids)
    {
        var copy = JsonSerializer.Deserialize<HealthCheckConfigJson>(JsonSerializer.Serialize(config, HostedZoneDocument.Options), HostedZoneDocument.Options)!;
        copy.ChildHealthChecks = copy.ChildHealthChecks?.Select(c => ids.GetValueOrDefault(c, c)).ToList();
        return copy;
    }

    /// <summary>Configs compared on what a user sets; defaults Route 53 fills in (port, interval, threshold) count as equal to absent.</summary>
    public static bool SameConfig(HealthCheckConfigJson a, HealthCheckConfigJson b) => CanonicalConfig(a) == CanonicalConfig(b);

    private static string CanonicalConfig(HealthCheckConfigJson config)
    {
        var node = JsonSerializer.SerializeToNode(config, HostedZoneDocument.Options)!.AsObject();
        void Default(string name, JsonNode value)
        {
            if (node[name] is null)
                node[name] = value;
        }
        string type = config.Type ?? "";
        if (type != "CALCULATED")
        {
            Default("Port", type.StartsWith("HTTPS", StringComparison.Ordinal) ? 443 : 80);
            Default("RequestInterval", 30);
            Default("FailureThreshold", 3);
        }
        else
        {
            // A calculated check probes nothing: services differ in whether they echo an interval and threshold for it.
            node.Remove("RequestInterval");
            node.Remove("FailureThreshold");
            node.Remove("Port");
        }
        Default("MeasureLatency", false);
        Default("Inverted", false);
        Default("Disabled", false);
        Default("EnableSNI", type.StartsWith("HTTPS", StringComparison.Ordinal));
        if (node["ChildHealthChecks"] is JsonArray children)
            node["ChildHealthChecks"] = new JsonArray(children.Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal).Select(c => (JsonNode)c).ToArray());
        if (node["Regions"] is JsonArray regions)
            node["Regions"] = new JsonArray(regions.Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal).Select(c => (JsonNode)c).ToArray());
        return new JsonObject(node.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();
    }

    /// <summary>UpdateHealthCheck cannot change the type, interval or latency measuring: say so instead of failing mid-apply.</summary>
    private static string? FixedFields(HealthCheckConfigJson current, HealthCheckConfigJson wanted)
    {
        var fixedFields = new List<string>();
        if (current.Type != wanted.Type)
            fixedFields.Add($"Type {current.Type} -> {wanted.Type}");
        if ((current.RequestInterval ?? 30) != (wanted.RequestInterval ?? 30))
            fixedFields.Add($"RequestInterval {current.RequestInterval} -> {wanted.RequestInterval}");
        if ((current.MeasureLatency ?? false) != (wanted.MeasureLatency ?? false))
            fixedFields.Add("MeasureLatency");
        return fixedFields.Count == 0 ? null : "Route 53 cannot update " + string.Join(", ", fixedFields) + " in place; delete the target's check (and the sets using it) to recreate it";
    }

    /// <summary>One line per set: name, type, routing fields, TTL and values.</summary>
    /// <param name="collectionNames">Collection ids to names, so that a CIDR set shows its collection's name.</param>
    public static string Describe(ResourceRecordSetJson set, IReadOnlyDictionary<string, string>? collectionNames = null)
    {
        var parts = new List<string> { SyncNames.Normalize(set.Name ?? ""), set.Type ?? "" };
        if (set.SetIdentifier is not null) parts.Add($"id={set.SetIdentifier}");
        if (set.Weight is not null) parts.Add($"weight={set.Weight}");
        if (set.Region is not null) parts.Add($"region={set.Region}");
        if (set.GeoLocation is { } geo) parts.Add($"geo={geo.ContinentCode ?? geo.CountryCode}{(geo.SubdivisionCode is null ? "" : "-" + geo.SubdivisionCode)}");
        if (set.GeoProximityLocation is { } gp) parts.Add($"geoproximity={gp.AWSRegion ?? gp.LocalZoneGroup ?? $"{gp.Coordinates?.Latitude},{gp.Coordinates?.Longitude}"}{(gp.Bias is null ? "" : $" bias={gp.Bias}")}");
        if (set.Failover is not null) parts.Add($"failover={set.Failover}");
        if (set.MultiValueAnswer == true) parts.Add("multivalue");
        if (set.CidrRoutingConfig is { } cidr) parts.Add($"cidr={(cidr.CollectionId is { } c && collectionNames?.GetValueOrDefault(c) is { } named ? named : cidr.CollectionId)}/{cidr.LocationName}");
        if (set.HealthCheckId is not null) parts.Add($"health={set.HealthCheckId}");
        if (set.TTL is not null) parts.Add($"ttl={set.TTL}");
        if (set.AliasTarget is { } alias) parts.Add($"alias={alias.DNSName}@{alias.HostedZoneId}{(alias.EvaluateTargetHealth == true ? " evaluate" : "")}");
        if (set.ResourceRecords is { Count: > 0 } records) parts.Add(string.Join(",", records.Select(r => r.Value)));
        return string.Join(' ', parts);
    }

    /// <summary>The plan as people read it: per zone, + create, ~ update (old and new), - delete.</summary>
    public static void Write(SyncPlan plan, TextWriter output)
    {
        foreach (var check in plan.HealthChecks)
        {
            string target = check.Config.IPAddress ?? check.Config.FullyQualifiedDomainName ?? $"{check.Config.ChildHealthChecks?.Count ?? 0} children";
            output.WriteLine($"health check {(check.Action == "CREATE" ? "+" : "~")} {check.Key} ({check.Config.Type} {target}{(check.Config.Port is null ? "" : ":" + check.Config.Port)}{check.Config.ResourcePath})");
            if (check.Problem is not null)
                output.WriteLine($"  ! {check.Problem}");
        }
        foreach (var tags in plan.HealthCheckTags)
        {
            output.WriteLine($"health check tags ~ {tags.Key}");
            foreach (string line in tags.Changes.Describe(tags.Current))
                output.WriteLine($"  {line}");
        }
        foreach (var collection in plan.CidrCollections)
        {
            foreach (string line in CidrCollectionSync.Describe(collection))
                output.WriteLine(line);
        }
        foreach (var policy in plan.TrafficPolicies)
            output.WriteLine(TrafficPolicySync.Describe(policy));
        foreach (string warning in plan.Warnings)
            output.WriteLine($"! {warning}");
        foreach (var zone in plan.Zones)
        {
            if (zone.InSync)
            {
                output.WriteLine($"zone {zone.Source}: in sync");
                // What the sync leaves alone is said even when nothing is to change (a KSK on the target only, say).
                foreach (string warning in zone.Warnings)
                    output.WriteLine($"  ! {warning}");
                continue;
            }
            int creates = zone.Changes.Count(c => c.Action == "CREATE"), updates = zone.Changes.Count(c => c.Action == "UPSERT"), deletes = zone.Changes.Count(c => c.Action == "DELETE");
            output.WriteLine($"zone {zone.Source}:{(zone.CreateZone ? " create the zone;" : "")} {creates} to create, {updates} to update, {deletes} to delete");
            foreach (string warning in zone.Warnings)
                output.WriteLine($"  ! {warning}");
            foreach (var vpc in zone.VpcsToAssociate)
                output.WriteLine($"  + VPC {vpc.VpcId} ({vpc.VpcRegion})");
            foreach (string line in zone.Tags.Describe(zone.TargetTags))
                output.WriteLine($"  {line}");
            foreach (var step in zone.Dnssec)
                output.WriteLine($"  {step}");
            foreach (var instance in zone.TrafficPolicyInstances)
                output.WriteLine($"  {TrafficPolicySync.Describe(instance, plan)}");
            if (zone.Dnssec.Count > 0)
                output.WriteLine($"  ({DnssecSync.Note})");
            foreach (var change in zone.Changes.OrderBy(c => SyncNames.Normalize(c.Set.Name ?? ""), StringComparer.Ordinal).ThenBy(c => c.Set.Type))
            {
                switch (change.Action)
                {
                    case "CREATE":
                        output.WriteLine($"  + {Describe(change.New!, plan.CollectionNames)}");
                        break;
                    case "DELETE":
                        output.WriteLine($"  - {Describe(change.Old!, plan.CollectionNames)}");
                        break;
                    default:
                        output.WriteLine($"  ~ {Describe(change.Old!, plan.CollectionNames)}");
                        output.WriteLine($"    {Describe(change.New!, plan.CollectionNames)}");
                        break;
                }
            }
        }
    }

    /// <summary>The plan for machines: zones with their changes (old and new sets as the API shapes them) and health checks.</summary>
    public static string ToJson(SyncPlan plan) => JsonSerializer.Serialize(new
    {
        HasChanges = !plan.IsEmpty,
        HealthChecks = plan.HealthChecks.Select(c => new { c.Action, c.Key, c.SourceId, TargetId = c.Existing?.Id, c.Config, c.Problem }),
        HealthCheckTags = plan.HealthCheckTags.Select(t => new { t.Key, t.SourceId, t.Changes.Add, t.Changes.Remove }),
        CidrCollections = plan.CidrCollections.Select(c => new { c.Name, c.Create, c.SourceId, TargetId = c.Existing?.Id, Changes = c.Before.Concat(c.After) }),
        TrafficPolicies = plan.TrafficPolicies.Select(p => new { p.Name, p.NewPolicy, Source = p.SourceKey, p.Document }),
        plan.Warnings,
        Zones = plan.Zones.Select(z => new
        {
            z.Source.Name,
            Private = z.Source.IsPrivate,
            SourceId = z.Source.Id,
            TargetId = z.Target.Id,
            z.CreateZone,
            VpcsToAssociate = z.VpcsToAssociate.Select(v => new { VPCId = v.VpcId, VPCRegion = v.VpcRegion }),
            z.Warnings,
            Changes = z.Changes.Select(c => new { c.Action, c.Old, c.New }),
            Dnssec = z.Dnssec.Select(d => new { d.Action, d.KeyName, d.KmsArn, d.Status }),
            Tags = new { z.Tags.Add, z.Tags.Remove },
            TrafficPolicyInstances = z.TrafficPolicyInstances.Select(i => new { i.Action, i.Name, i.Type, i.Ttl, Policy = i.PolicyName, Source = i.SourceKey, TargetId = i.Existing?.Id }),
        }),
    }, HostedZoneDocument.Options);
}
