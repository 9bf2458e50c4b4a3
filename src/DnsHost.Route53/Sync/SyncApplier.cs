using System.Diagnostics;
using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>How an apply went, for the closing summary.</summary>
public sealed class SyncSummary
{
    public int Zones { get; set; }
    public int ZonesCreated { get; set; }
    public int Changes { get; set; }
    public int Batches { get; set; }
    public int HealthChecksCreated { get; set; }
    public int HealthChecksUpdated { get; set; }
    public int VpcsAssociated { get; set; }
    public int DnssecChanges { get; set; }
    public int TagRequests { get; set; }
    public int CidrCollectionsCreated { get; set; }
    public int CidrCollectionRequests { get; set; }
    public int TrafficPolicyVersionsCreated { get; set; }
    public int TrafficPolicyInstanceChanges { get; set; }
    public long ApiCalls { get; set; }
    public long Retries { get; set; }
    public TimeSpan Elapsed { get; set; }
    public List<string> Warnings { get; } = [];

    public override string ToString() =>
        $"{Zones} zone(s) ({ZonesCreated} created), {Changes} change(s) in {Batches} batch(es), {HealthChecksCreated} health check(s) created, " +
        $"{HealthChecksUpdated} updated, {VpcsAssociated} VPC association(s), {(DnssecChanges > 0 ? $"{DnssecChanges} DNSSEC change(s), " : "")}{(TagRequests > 0 ? $"{TagRequests} tag change request(s), " : "")}{(CidrCollectionsCreated + CidrCollectionRequests > 0 ? $"{CidrCollectionsCreated} CIDR collection(s) created, {CidrCollectionRequests} CIDR change request(s), " : "")}{(TrafficPolicyVersionsCreated + TrafficPolicyInstanceChanges > 0 ? $"{TrafficPolicyVersionsCreated} traffic policy version(s) created, {TrafficPolicyInstanceChanges} traffic policy instance change(s), " : "")}{ApiCalls} API call(s), {Retries} retr{(Retries == 1 ? "y" : "ies")}, {Elapsed.TotalSeconds:0.0} s";
}

/// <summary>Progress of a long apply: batches done out of all.</summary>
public readonly record struct SyncProgress(string Zone, int BatchesDone, int BatchesTotal, int ChangesDone, int ChangesTotal);

/// <summary>
/// Carries out a <see cref="SyncPlan"/>: health checks first (children before calculated parents),
/// then per zone the zone itself, then the record-set changes in an order where every batch is valid
/// on its own (deletes of aliases, other deletes, plain sets, then aliases after the sets they point
/// at), packed greedily into as few batches as Route 53's limits allow, and finally waits for INSYNC.
/// Re-running after an interruption plans again from what the target has, so it converges.
/// </summary>
public static class SyncApplier
{
    /// <summary>Route 53's limits per ChangeResourceRecordSets request (route53-behaviour.md 2.2); UPSERT counts twice for records and characters.</summary>
    public const int MaxChangesPerBatch = 1000, MaxRecordsPerBatch = 1000, MaxValueCharactersPerBatch = 32000;

    /// <summary>Stands for the id of a zone the apply has not created yet (in alias targets).</summary>
    public static string PendingZoneId(SyncZone zone) => "pending-zone:" + zone.Name + (zone.IsPrivate ? ":private" : "");

    public static async Task<SyncSummary> ApplyAsync(SyncPlan plan, ISyncSide target, bool wait, TimeSpan waitTimeout, Action<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long callsBefore = target.Counters?.Calls ?? 0, retriesBefore = target.Counters?.Retries ?? 0;
        var summary = new SyncSummary { Zones = plan.Zones.Count };

        foreach (var check in plan.HealthChecks)
        {
            if (check.Problem is not null)
            {
                summary.Warnings.Add($"health check {check.Key}: {check.Problem}");
                continue;
            }
            var config = check.Config;
            config.ChildHealthChecks = config.ChildHealthChecks?.Select(c => plan.CheckIds.GetValueOrDefault(c, c)).ToList();
            if (check.Action == "CREATE")
            {
                var created = await target.CreateHealthCheckAsync(check.Key, config, cancellationToken);
                plan.CheckIds[check.SourceId] = created.Id;
                summary.HealthChecksCreated++;
            }
            else
            {
                await target.UpdateHealthCheckAsync(check.Existing!, config, cancellationToken);
                summary.HealthChecksUpdated++;
            }
        }

        foreach (var tags in plan.HealthCheckTags)
        {
            var tagTarget = target as ITagSyncSide ?? throw new InvalidOperationException($"{target.Description} cannot take tags");
            summary.TagRequests += await TagSync.ApplyAsync(tagTarget, TagSync.HealthCheck, plan.CheckIds[tags.SourceId], tags.Changes, cancellationToken);
        }

        // CIDR collections before the record sets that name them; locations they lose after.
        summary.Warnings.AddRange(plan.Warnings);
        foreach (var collection in plan.CidrCollections)
        {
            var cidr = target as ICidrSyncSide ?? throw new InvalidOperationException($"{target.Description} cannot take CIDR collections");
            summary.CidrCollectionsCreated += collection.Create ? 1 : 0;
            summary.CidrCollectionRequests += await CidrCollectionSync.ApplyAsync(cidr, collection, plan.CollectionIds, after: false, cancellationToken);
        }

        // Traffic policy versions before the instances that use them.
        var policyTarget = target as ITrafficPolicySyncSide;
        if (plan.TrafficPolicies.Count > 0 || plan.Zones.Any(z => z.TrafficPolicyInstances.Count > 0))
            summary.TrafficPolicyVersionsCreated += await TrafficPolicySync.ApplyPoliciesAsync(policyTarget ?? throw new InvalidOperationException($"{target.Description} cannot take traffic policies"), plan, cancellationToken);

        var work = new List<(ZonePlan Zone, List<List<RecordSetChange>> Batches)>();
        foreach (var zone in plan.Zones)
        {
            if (zone.CreateZone)
            {
                await target.CreateZoneAsync(zone.Target, cancellationToken);
                summary.ZonesCreated++;
            }
            summary.Warnings.AddRange(zone.Warnings);
            if (!zone.Tags.IsEmpty)
                summary.TagRequests += await TagSync.ApplyAsync((ITagSyncSide)target, TagSync.HostedZone, zone.Target.Id!, zone.Tags, cancellationToken);
        }
        var lastChange = new List<string>();
        foreach (var zone in plan.Zones)
        {
            foreach (var vpc in zone.VpcsToAssociate)
            {
                if (await target.AssociateVpcAsync(zone.Target, vpc, cancellationToken) is { } change)
                    lastChange.Add(change);
                summary.VpcsAssociated++;
            }
        }
        var pendingIds = plan.Zones.Where(z => z.Target.Id is not null).ToDictionary(z => PendingZoneId(z.Target), z => z.Target.Id!, StringComparer.Ordinal);
        foreach (var (pending, id) in plan.CollectionIds.Where(c => c.Key.StartsWith("pending-cidr-collection:", StringComparison.Ordinal)))
            pendingIds[pending] = id;
        foreach (var zone in plan.Zones)
            work.Add((zone, Pack(Order(zone.Changes).Select(c => Finish(c, plan, pendingIds)).ToList())));

        int total = work.Sum(w => w.Batches.Count), changesTotal = work.Sum(w => w.Zone.Changes.Count), done = 0, changesDone = 0;
        foreach (var (zone, batches) in work)
        {
            // An instance's sets go before record sets take their name and type; new instances after the sets in their way are gone.
            if (zone.TrafficPolicyInstances.Count > 0)
                summary.TrafficPolicyInstanceChanges += await TrafficPolicySync.ApplyInstancesAsync(policyTarget!, zone, plan, writes: false, cancellationToken);
            string? last = null;
            foreach (var batch in batches)
            {
                last = await target.ChangeAsync(zone.Target, batch, cancellationToken) ?? last;
                done++;
                changesDone += batch.Count;
                summary.Batches++;
                summary.Changes += batch.Count;
                progress?.Invoke(new SyncProgress(zone.Source.Name, done, total, changesDone, changesTotal));
            }
            if (last is not null)
                lastChange.Add(last);
            if (zone.TrafficPolicyInstances.Count > 0)
                summary.TrafficPolicyInstanceChanges += await TrafficPolicySync.ApplyInstancesAsync(policyTarget!, zone, plan, writes: true, cancellationToken);
        }
        foreach (var collection in plan.CidrCollections.Where(c => c.After.Count > 0))
            summary.CidrCollectionRequests += await CidrCollectionSync.ApplyAsync((ICidrSyncSide)target, collection, plan.CollectionIds, after: true, cancellationToken);
        // DNSSEC after the records: every zone exists by now.
        foreach (var zone in plan.Zones.Where(z => z.Dnssec.Count > 0))
        {
            var dnssec = target as IDnssecSyncSide ?? throw new InvalidOperationException($"{target.Description} cannot take DNSSEC settings");
            string? last = null;
            foreach (var step in zone.Dnssec)
            {
                last = await dnssec.ApplyDnssecAsync(zone.Target, step, cancellationToken);
                summary.DnssecChanges++;
            }
            if (last is not null)
                lastChange.Add(last);
        }
        await target.FlushAsync(cancellationToken);
        // Changes of one zone reach the servers in order, so the last one being INSYNC covers the zone.
        if (wait)
        {
            foreach (string change in lastChange)
                await target.WaitAsync(change, waitTimeout, cancellationToken);
        }
        summary.ApiCalls = (target.Counters?.Calls ?? 0) - callsBefore;
        summary.Retries = (target.Counters?.Retries ?? 0) - retriesBefore;
        summary.Elapsed = clock.Elapsed;
        return summary;
    }

    /// <summary>Deletes of aliases, other deletes, plain creates and updates, then aliases, each after the aliases it points at.</summary>
    public static IEnumerable<PlannedChange> Order(IReadOnlyList<PlannedChange> changes)
    {
        var deletes = changes.Where(c => c.Action == "DELETE").ToList();
        var writes = changes.Where(c => c.Action != "DELETE").ToList();
        var aliasWrites = writes.Where(c => c.IsAlias).ToList();
        var depth = new Dictionary<PlannedChange, int>();
        var byName = aliasWrites.GroupBy(c => SyncNames.Normalize(c.Set.Name ?? "")).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        int Depth(PlannedChange change, int guard)
        {
            if (depth.TryGetValue(change, out int known))
                return known;
            int d = 0;
            string targetName = SyncNames.Normalize(change.Set.AliasTarget!.DNSName ?? "");
            if (guard < 32 && byName.TryGetValue(targetName, out var targets))
                d = 1 + targets.Where(t => t != change).Select(t => Depth(t, guard + 1)).DefaultIfEmpty(-1).Max();
            return depth[change] = Math.Max(d, 0);
        }
        return deletes.Where(c => c.IsAlias)
            .Concat(deletes.Where(c => !c.IsAlias))
            .Concat(writes.Where(c => !c.IsAlias))
            .Concat(aliasWrites.OrderBy(c => Depth(c, 0)));
    }

    /// <summary>The change as sent: health check ids and pending zone ids become the target's.</summary>
    private static RecordSetChange Finish(PlannedChange change, SyncPlan plan, Dictionary<string, string> pendingZoneIds)
    {
        if (change.Action == "DELETE")
            return new RecordSetChange("DELETE", change.Old!);
        var set = SyncNames.Copy(change.New!);
        if (set.HealthCheckId is { } check && plan.CheckIds.TryGetValue(check, out var id))
            set.HealthCheckId = id;
        if (set.AliasTarget is { HostedZoneId: { } zoneId } alias && pendingZoneIds.TryGetValue(zoneId, out var real))
            alias.HostedZoneId = real;
        if (set.CidrRoutingConfig is { CollectionId: { } collection } cidr && pendingZoneIds.TryGetValue(collection, out var made))
            cidr.CollectionId = made;
        return new RecordSetChange(change.Action, set);
    }

    /// <summary>Greedy packing in order: a batch closes when the next change would break a limit.</summary>
    public static List<List<RecordSetChange>> Pack(IReadOnlyList<RecordSetChange> changes)
    {
        var batches = new List<List<RecordSetChange>>();
        var current = new List<RecordSetChange>();
        int records = 0, characters = 0;
        foreach (var change in changes)
        {
            int factor = change.Action == "UPSERT" ? 2 : 1;
            int r = factor * Math.Max(1, change.Set.ResourceRecords?.Count ?? 0);
            int c = factor * (change.Set.ResourceRecords?.Sum(v => v.Value?.Length ?? 0) ?? 0);
            if (current.Count > 0 && (current.Count + 1 > MaxChangesPerBatch || records + r > MaxRecordsPerBatch || characters + c > MaxValueCharactersPerBatch))
            {
                batches.Add(current);
                current = [];
                records = characters = 0;
            }
            current.Add(change);
            records += r;
            characters += c;
        }
        if (current.Count > 0)
            batches.Add(current);
        return batches;
    }
}
