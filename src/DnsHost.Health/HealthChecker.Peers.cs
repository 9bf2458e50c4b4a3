using System.Net;

namespace DnsHost.Health;

/// <summary>
/// The checker as one of several (a cluster of nodes on one store): what this node saw, for publishing,
/// and what the other nodes saw, which each check's status then counts by Route 53's 18 % rule.
/// </summary>
public sealed partial class HealthChecker
{
    // HealthChecks:TargetOverrides, for test harnesses: a check's endpoint probed at another address on this node.
    private readonly Dictionary<IPEndPoint, IPEndPoint> _targets;

    private static Dictionary<IPEndPoint, IPEndPoint> ParseTargetOverrides(List<TargetOverride> overrides)
    {
        var targets = new Dictionary<IPEndPoint, IPEndPoint>();
        for (int i = 0; i < overrides.Count; i++)
        {
            if (!IPEndPoint.TryParse(overrides[i].From, out var from) || from.Port == 0)
                throw new InvalidDataException($"HealthChecks:TargetOverrides:{i}:From '{overrides[i].From}' is not ADDRESS:PORT (e.g. 127.0.0.1:8080)");
            if (!IPEndPoint.TryParse(overrides[i].To, out var to) || to.Port == 0)
                throw new InvalidDataException($"HealthChecks:TargetOverrides:{i}:To '{overrides[i].To}' is not ADDRESS:PORT (e.g. 127.0.0.1:8081)");
            targets[from] = to;
        }
        return targets;
    }

    /// <summary>This node's latest view of every check it has probed at least once.</summary>
    public IReadOnlyList<LocalObservation> LocalObservations()
    {
        lock (_lock)
        {
            var observations = new List<LocalObservation>(_checks.Count);
            foreach (var (id, entry) in _checks)
            {
                if (entry.State.LastResult is { } last)
                    observations.Add(new LocalObservation(id, entry.State.EndpointHealthy, last, entry.State.LastFailure));
            }
            return observations;
        }
    }

    /// <summary>
    /// Replaces the other nodes' views of every check (a check missing from <paramref name="byCheck"/> has none,
    /// and goes by this node's view alone); each check whose peers changed reports again.
    /// </summary>
    /// <param name="byCheck">Per check id, the live peers' observations in node order.</param>
    public void SetPeers(IReadOnlyDictionary<string, IReadOnlyList<PeerObservation>> byCheck)
    {
        lock (_lock)
        {
            foreach (var (id, entry) in _checks)
            {
                var peers = byCheck.GetValueOrDefault(id) ?? [];
                if (peers.SequenceEqual(entry.State.Peers))
                    continue;
                entry.State.Peers = peers;
                var (healthy, total) = entry.State.CheckerCount();
                Publish(entry, $"{healthy} of {total} checkers report healthy");
            }
        }
    }
}
