using System.Runtime.CompilerServices;
using DnsHost.Protocol;

namespace DnsHost.Zones.Routing;

/// <summary>What a routed name and type answers with.</summary>
public enum SelectionOutcome : byte
{
    /// <summary>One or more record sets were chosen.</summary>
    Answer,
    /// <summary>No set applies (geolocation or IP-based without a match or default): NOERROR, no answer.</summary>
    NoData,
    /// <summary>An alias loop, a chain too long, or an AWS target with no configured addresses: SERVFAIL.</summary>
    Fail,
}

/// <summary>The record sets chosen for one answer: up to eight (multivalue answer).</summary>
[InlineArray(RoutingSelector.MaxAnswers)]
public struct ChosenSets
{
    private RecordSet _element0;
}

/// <summary>
/// Route 53's choice among the record sets of one name and type (route53-behaviour.md section 4),
/// with health checks and alias targets. Allocation-free when <c>trace</c> is null.
/// </summary>
public static class RoutingSelector
{
    public const int MaxAnswers = 8;
    /// <summary>Alias chains inside a zone are followed this deep; beyond it (or around a loop) the answer is SERVFAIL.</summary>
    public const int MaxAliasDepth = 8;
    private const int MaxSets = 256;

    public static SelectionOutcome Select(Zone zone, RecordSetGroup group, ref QueryClient client, ref ChosenSets chosen, out int count, RoutingTrace? trace = null, int depth = 0)
    {
        count = 0;
        if (depth > MaxAliasDepth)
        {
            trace?.Note($"alias chain longer than {MaxAliasDepth} (or a loop) at {group}: SERVFAIL");
            return SelectionOutcome.Fail;
        }
        var sets = group.Sets;
        if (trace is not null)
            Describe(group, trace);
        int n = Math.Min(sets.Length, MaxSets);
        Span<bool> healthy = stackalloc bool[n];
        int healthyCount = 0;
        for (int i = 0; i < n; i++)
        {
            healthy[i] = IsHealthy(zone, group, sets[i], ref client, depth, trace);
            if (healthy[i])
                healthyCount++;
        }

        if (group.Policy == RoutingPolicy.MultiValue)
            return SelectMultiValue(sets, healthy, healthyCount, ref chosen, out count, trace);

        int pick = group.Policy switch
        {
            RoutingPolicy.Simple => 0,
            RoutingPolicy.Weighted => PickWeighted(sets, healthy, healthyCount, trace),
            RoutingPolicy.Failover => PickFailover(group, healthy, trace),
            RoutingPolicy.Geolocation => PickGeolocation(sets, healthy, ref client, trace),
            RoutingPolicy.Geoproximity => PickNearest(sets, healthy, healthyCount, ref client, latency: false, trace),
            RoutingPolicy.Latency => PickNearest(sets, healthy, healthyCount, ref client, latency: true, trace),
            RoutingPolicy.IpBased => PickIpBased(group, healthy, ref client, trace),
            _ => -1,
        };
        if (pick < 0)
        {
            trace?.Note("no record set applies: NOERROR with an empty answer");
            return SelectionOutcome.NoData;
        }
        var set = sets[pick];
        trace?.Note($"chosen: {set.Describe(group)}");
        return Materialize(zone, group, set, ref client, ref chosen, ref count, trace, depth);
    }

    private static void Describe(RecordSetGroup group, RoutingTrace trace)
    {
        trace.Note($"{DnsName.ToText(group.Owner)} {RecordData.TypeToText(group.Type)}: {group.Sets.Length} {group.Policy} record set(s)");
        foreach (var set in group.Sets)
        {
            string field = group.Policy switch
            {
                RoutingPolicy.Weighted => $"weight {set.Weight}",
                RoutingPolicy.Failover => set.IsPrimary ? "PRIMARY" : "SECONDARY",
                RoutingPolicy.Geolocation => set.IsDefaultLocation ? "default location *" : set.Subdivision is not null ? $"{set.Country}-{set.Subdivision}" : set.Country ?? $"continent {set.Continent}",
                RoutingPolicy.Geoproximity => $"{(set.Region ?? $"{set.Latitude:0.##},{set.Longitude:0.##}")} bias {set.Bias}",
                RoutingPolicy.Latency => $"region {set.Region}",
                RoutingPolicy.IpBased => $"CIDR location {set.CidrLocationName}",
                _ => "",
            };
            string target = set.Rule is { } r ? $"rule {r}" : set.Alias is { } a ? $"alias to {a.DnsName}{(a.EvaluateTargetHealth ? " (evaluate target health)" : "")}" : $"{set.Data?.Count} value(s)";
            trace.Note($"  candidate {set.Describe(group)}: {field}{(field.Length > 0 ? ", " : "")}{target}{(set.HealthCheckId is null ? "" : $", health check {set.HealthCheckId}")}");
        }
    }

    private static SelectionOutcome Materialize(Zone zone, RecordSetGroup group, RoutedRecordSet set, ref QueryClient client, ref ChosenSets chosen, ref int count, RoutingTrace? trace, int depth)
    {
        if (set.Data is { } data)
        {
            chosen[count++] = data;
            return SelectionOutcome.Answer;
        }
        if (set.Rule is { } rule)
        {
            trace?.Note($"rule: following {rule}");
            int before = count;
            var outcome = Select(zone, rule, ref client, ref chosen, out int added, trace, depth + 1);
            count = before + added;
            return outcome;
        }
        var alias = set.Alias!;
        if (!alias.SameZone)
        {
            if (alias.External is null)
            {
                trace?.Note($"alias target {alias.DnsName} is outside the local zones and has no configured addresses (Routing:AliasTargets): SERVFAIL");
                return SelectionOutcome.Fail;
            }
            trace?.Note($"alias target {alias.DnsName}: configured addresses");
            chosen[count++] = alias.External.Value;
            return SelectionOutcome.Answer;
        }
        trace?.Note($"alias: following {alias.DnsName} {RecordData.TypeToText(group.Type)}");
        var node = zone.Find(alias.Target);
        if (node?.Find(group.Type) is { } simple)
        {
            chosen[count++] = simple;
            return SelectionOutcome.Answer;
        }
        if (node?.FindGroup(group.Type) is { } target)
        {
            int before = count;
            var outcome = Select(zone, target, ref client, ref chosen, out int added, trace, depth + 1);
            count = before + added;
            return outcome;
        }
        trace?.Note($"alias target {alias.DnsName} has no {RecordData.TypeToText(group.Type)} record set: no answer");
        return SelectionOutcome.NoData;
    }

    /// <summary>
    /// Route 53 4.0 step 2: the set's own health check, and, for an alias with EvaluateTargetHealth,
    /// the health of its target (healthy when any set of the target is).
    /// </summary>
    private static bool IsHealthy(Zone zone, RecordSetGroup group, RoutedRecordSet set, ref QueryClient client, int depth, RoutingTrace? trace)
    {
        if (!client.Environment.Health.IsHealthy(set.HealthSlot))
        {
            trace?.Note($"{set.Describe(group)}: health check {set.HealthCheckId} is unhealthy");
            return false;
        }
        if (set.Alias is { EvaluateTargetHealth: true, SameZone: true } alias && !TargetHealthy(zone, alias, group.Type, ref client, depth + 1))
        {
            trace?.Note($"{set.Describe(group)}: alias target {alias.DnsName} has no healthy record set (EvaluateTargetHealth)");
            return false;
        }
        if (set.Rule is { } rule && set.EvaluateRuleHealth && !RuleHealthy(zone, rule, ref client, depth + 1))
        {
            trace?.Note($"{set.Describe(group)}: rule {rule} has no healthy branch");
            return false;
        }
        return true;
    }

    /// <summary>A traffic policy rule is healthy when any of its branches is (each with its own checks, nested rules included).</summary>
    private static bool RuleHealthy(Zone zone, RecordSetGroup rule, ref QueryClient client, int depth)
    {
        if (depth > MaxAliasDepth)
            return false;
        foreach (var set in rule.Sets)
        {
            if (IsHealthy(zone, rule, set, ref client, depth, null))
                return true;
        }
        return false;
    }

    private static bool TargetHealthy(Zone zone, AliasTarget alias, ushort type, ref QueryClient client, int depth)
    {
        if (depth > MaxAliasDepth)
            return false;
        if (zone.Find(alias.Target) is not { } node)
            return false;
        if (node.Find(type) is not null)
            return true;
        if (node.FindGroup(type) is not { } target)
            return false;
        foreach (var set in target.Sets)
        {
            if (IsHealthy(zone, target, set, ref client, depth, null))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Route 53 4.2: healthy non-zero weights by proportion; then healthy zero weights evenly; when nothing
    /// is healthy, every set counts as healthy and the weights decide (zero stays out unless all are zero).
    /// </summary>
    private static int PickWeighted(RoutedRecordSet[] sets, ReadOnlySpan<bool> healthy, int healthyCount, RoutingTrace? trace)
    {
        int total = 0, zeros = 0;
        for (int i = 0; i < healthy.Length; i++)
        {
            if (!healthy[i])
                continue;
            total += sets[i].Weight;
            if (sets[i].Weight == 0)
                zeros++;
        }
        if (total > 0)
        {
            trace?.Note($"weighted: {healthyCount} healthy sets, total weight {total}; chosen at random in proportion to weight");
            return ByWeight(sets, healthy, ignoreHealth: false, total);
        }
        if (zeros > 0)
        {
            trace?.Note("weighted: only zero-weight sets are healthy (or all weights are 0); chosen evenly among them");
            return Nth(healthy, Random.Shared.Next(zeros), wanted: true);
        }
        trace?.Note("weighted: no set is healthy; all sets count as healthy and the weights decide");
        for (int i = 0; i < healthy.Length; i++)
            total += sets[i].Weight;
        return total > 0 ? ByWeight(sets, healthy, ignoreHealth: true, total) : Random.Shared.Next(healthy.Length);
    }

    private static int ByWeight(RoutedRecordSet[] sets, ReadOnlySpan<bool> healthy, bool ignoreHealth, int total)
    {
        int r = Random.Shared.Next(total);
        for (int i = 0; i < healthy.Length; i++)
        {
            if (!ignoreHealth && !healthy[i])
                continue;
            r -= sets[i].Weight;
            if (r < 0)
                return i;
        }
        return healthy.Length - 1;
    }

    private static int Nth(ReadOnlySpan<bool> flags, int n, bool wanted)
    {
        for (int i = 0; i < flags.Length; i++)
        {
            if (flags[i] == wanted && n-- == 0)
                return i;
        }
        return -1;
    }

    /// <summary>Route 53 4.3: primary when healthy; else a healthy secondary; both unhealthy: primary.</summary>
    private static int PickFailover(RecordSetGroup group, ReadOnlySpan<bool> healthy, RoutingTrace? trace)
    {
        int primary = group.PrimaryIndex, secondary = group.SecondaryIndex;
        if (primary >= 0 && healthy[primary])
        {
            trace?.Note("failover: primary is healthy");
            return primary;
        }
        if (secondary >= 0 && healthy[secondary])
        {
            trace?.Note("failover: primary is unhealthy (or absent), secondary is healthy");
            return secondary;
        }
        trace?.Note("failover: no set is healthy; answering with the primary");
        return primary >= 0 ? primary : secondary;
    }

    /// <summary>
    /// Route 53 4.4: the smallest matching region wins (subdivision, country, continent, default); an
    /// unhealthy one gives way to the next larger; when all are unhealthy, the smallest answers.
    /// </summary>
    private static int PickGeolocation(RoutedRecordSet[] sets, ReadOnlySpan<bool> healthy, ref QueryClient client, RoutingTrace? trace)
    {
        var location = client.Location;
        trace?.Note($"geolocation: client is in {(location?.ToString() ?? "an unknown location")}");
        Span<int> byLevel = [-1, -1, -1, -1];
        for (int i = 0; i < sets.Length && i < healthy.Length; i++)
        {
            var set = sets[i];
            int level = set.IsDefaultLocation ? 3
                : location is null ? -1
                : set.Subdivision is not null ? (set.Subdivision == location.Subdivision && set.Country == location.Country ? 0 : -1)
                : set.Country is not null ? (set.Country == location.Country ? 1 : -1)
                : set.Continent is not null && set.Continent == location.Continent ? 2 : -1;
            if (level >= 0 && byLevel[level] < 0)
                byLevel[level] = i;
        }
        int smallest = -1;
        foreach (int i in byLevel)
        {
            if (i < 0)
                continue;
            if (smallest < 0)
                smallest = i;
            if (healthy[i])
                return i;
        }
        if (smallest >= 0)
            trace?.Note("geolocation: every matching set is unhealthy; answering with the smallest region's set");
        return smallest;
    }

    /// <summary>
    /// Geoproximity (4.5): smallest biased great-circle distance. Latency (4.6): the lowest configured
    /// latency for the client's network, else the nearest Region. Unhealthy sets are skipped; when all
    /// are unhealthy, all count as healthy.
    /// </summary>
    private static int PickNearest(RoutedRecordSet[] sets, ReadOnlySpan<bool> healthy, int healthyCount, ref QueryClient client, bool latency, RoutingTrace? trace)
    {
        bool ignoreHealth = healthyCount == 0;
        if (ignoreHealth)
            trace?.Note("no set is healthy; all count as healthy");
        Dictionary<string, double>? latencies = null;
        if (latency && !client.InPrivateZone)
        {
            latencies = client.Environment.Latencies.Find(client.Subnet, out int matched);
            if (latencies is not null)
                client.NoteScope(matched);
        }
        if (latency && client.InPrivateZone && client.VpcRegion is { } vpcRegion)
        {
            // Latency routing in a private zone: the VPC's own Region when there is a set for it.
            for (int i = 0; i < healthy.Length; i++)
            {
                if ((ignoreHealth || healthy[i]) && sets[i].Region == vpcRegion.Name)
                {
                    trace?.Note($"latency: the set for the client's VPC Region {vpcRegion.Name}");
                    return i;
                }
            }
        }
        var location = latencies is null ? client.Location : null;
        int best = -1;
        double bestScore = double.MaxValue;
        for (int i = 0; i < healthy.Length; i++)
        {
            if (!ignoreHealth && !healthy[i])
                continue;
            var set = sets[i];
            double score;
            if (latencies is not null)
                score = set.Region is not null && latencies.TryGetValue(set.Region, out var ms) ? ms : double.MaxValue / 2;
            else if (location is { HasCoordinates: true } && set.HasCoordinates)
            {
                // Latency without measurements: the nearest Region, ordered by the haversine term alone.
                // Geoproximity: Route 53's bias shrinks (positive) or stretches (negative) the distance.
                score = latency ? location.HaversineTo(set) : location.DistanceKmTo(set) * set.BiasFactor;
            }
            else
                score = double.MaxValue / 4; // no location: the smallest set identifier, so the zone's order does not matter
            trace?.Note($"  {set.SetIdentifier}: {(latencies is not null ? $"latency {score:0.#} ms" : score >= double.MaxValue / 4 ? "distance unknown" : latency ? $"distance {ClientLocation.KmFromHaversine(score):0} km" : $"biased distance {score:0} km")}{(healthy[i] ? "" : " (unhealthy)")}");
            if (score < bestScore || (score == bestScore && best >= 0 && string.CompareOrdinal(set.SetIdentifier, sets[best].SetIdentifier) < 0))
            {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// IP-based (4.9): the set of the location whose block holds the client (longest block); else the
    /// default location "*"; no match and no default: no answer. An unhealthy location set gives way
    /// to the default set.
    /// </summary>
    private static int PickIpBased(RecordSetGroup group, ReadOnlySpan<bool> healthy, ref QueryClient client, RoutingTrace? trace)
    {
        var collection = group.Collection!;
        var location = collection.Blocks.Find(client.Subnet, out int matched);
        client.NoteScope(location is null ? client.Subnet.Length : matched);
        trace?.Note(location is null
            ? $"ip-based: {client.Subnet} is in no block of collection {collection.Name}"
            : $"ip-based: {client.Subnet} is in location {location.Name} (a /{matched} block)");
        int index = location is null ? -1 : group.IndexByLocation[location.Index];
        int fallback = group.DefaultIndex;
        if (index >= 0 && healthy[index])
            return index;
        if (fallback >= 0 && (healthy[fallback] || index < 0))
        {
            trace?.Note(index >= 0 ? "ip-based: the location's set is unhealthy; using the default location" : "ip-based: using the default location \"*\"");
            return fallback;
        }
        return index;
    }

    /// <summary>Route 53 4.8: up to eight healthy sets, a random eight when more; all unhealthy: up to eight of them.</summary>
    private static SelectionOutcome SelectMultiValue(RoutedRecordSet[] sets, ReadOnlySpan<bool> healthy, int healthyCount, ref ChosenSets chosen, out int count, RoutingTrace? trace)
    {
        bool wanted = healthyCount > 0;
        int candidates = wanted ? healthyCount : healthy.Length;
        trace?.Note(wanted ? $"multivalue: {healthyCount} healthy sets" : "multivalue: no set is healthy; answering with up to eight of them");
        count = 0;
        if (candidates <= MaxAnswers)
        {
            for (int i = 0; i < healthy.Length; i++)
            {
                if (!wanted || healthy[i])
                    chosen[count++] = sets[i].Data!.Value;
            }
            return SelectionOutcome.Answer;
        }
        // A random eight: partial Fisher-Yates over the candidates' indexes.
        Span<int> order = stackalloc int[candidates];
        for (int i = 0, k = 0; i < healthy.Length; i++)
        {
            if (!wanted || healthy[i])
                order[k++] = i;
        }
        for (int i = 0; i < MaxAnswers; i++)
        {
            int j = i + Random.Shared.Next(candidates - i);
            (order[i], order[j]) = (order[j], order[i]);
            chosen[count++] = sets[order[i]].Data!.Value;
        }
        return SelectionOutcome.Answer;
    }
}
