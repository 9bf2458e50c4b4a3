using System.Text.Json;
using DnsHost.Health;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>
/// Health checks on several nodes of one PostgreSQL store (issue 23). A check written through any node is a
/// change-log entry that every node applies (<see cref="ApplyLogged"/>), so every node probes every check, as
/// Route 53's checkers do. Each node publishes its latest view per check to the store, in one batch per pass
/// and only when the view changed (or has not been written for <see cref="ObservationRefresh"/>), reads the
/// others', and each check's status counts the live nodes' views by the 18 % rule (<see cref="CheckerRule"/>).
/// An override is stored and announced, so it holds on every node. With SQLite all of this is off.
/// </summary>
public sealed partial class HealthCheckService
{
    private readonly Lock _exchange = new();
    // What this node last published per check, and when.
    private readonly Dictionary<string, (bool Healthy, string Status, DateTimeOffset At)> _published = new(StringComparer.Ordinal);
    // The other nodes' latest observations, live or not; liveness is decided at each pass.
    private readonly Dictionary<(string Check, string Node), StoredObservation> _peers = [];
    private Dictionary<string, DateTimeOffset> _nodesSeen = new(StringComparer.Ordinal);
    private long _observationSequence;
    private bool _overridesLoaded;

    /// <summary>A node that has not reported for this long is not counted as a checker (Cluster:NodeTimeoutSeconds).</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An unchanged view is written again after this long, so other nodes' CheckedTime stays roughly current (Cluster:ObservationRefreshSeconds).</summary>
    public TimeSpan ObservationRefresh { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>True with a PostgreSQL store: checks, observations and overrides are shared by the nodes.</summary>
    public bool Clustered => _store.Kind == ApiStoreKind.PostgreSql;

    // Another node wrote this version of the check first: serve what it wrote, and say so in Route 53's words.
    private Route53Exception UpdatedElsewhere(string id, long? expectedVersion)
    {
        ApplyLogged(id);
        long current = _checks.TryGetValue(id, out var now) ? now.Version : 0;
        return expectedVersion is long v
            ? new Route53Exception("HealthCheckVersionMismatch", $"The value of HealthCheckVersion ({v}) is less than the current version ({current})", 409)
            : new Route53Exception("PriorRequestNotComplete", $"The request was rejected because Route 53 was still processing a prior request: health check {id} was changed through another node. Try again.", 400);
    }

    /// <summary>
    /// Applies a change-log entry of health check <paramref name="id"/>: the check (new, changed or gone) and
    /// its override as stored now. An entry this node wrote itself changes nothing.
    /// </summary>
    public void ApplyLogged(string id)
    {
        lock (_write)
        {
            var stored = _store.HealthCheck(id);
            if (stored is null)
            {
                if (_checks.Remove(id))
                    Publish();
                lock (_exchange)
                {
                    foreach (var key in _peers.Keys.Where(k => k.Check == id).ToList())
                        _peers.Remove(key);
                }
            }
            else if (!_checks.TryGetValue(id, out var held) || held.Version != stored.Version)
            {
                try
                {
                    var config = JsonSerializer.Deserialize<HealthCheckConfigJson>(stored.Config) ?? throw new InvalidDataException("the row holds JSON null");
                    Compile(stored.Id, config, stored.CallerReference, stored.Version);
                    _checks[id] = new HealthCheckView(stored.Id, stored.CallerReference, stored.Version, config, false);
                    Publish();
                }
                catch (Exception e) when (HostedZoneService.IsBadRow(e))
                {
                    _store.ReportBadRow("health_checks", id, e);
                }
            }
        }
        ApplyOverride(id, _store.HealthOverrides(id) is [var storedOverride, ..] ? storedOverride : null);
    }

    /// <summary>Serves every API health check as the store has it now (a store restored from a backup).</summary>
    public void ReloadAll()
    {
        List<string> ids;
        lock (_write)
            ids = _store.HealthChecks().Select(c => c.Id).Union(_checks.Keys, StringComparer.Ordinal).ToList();
        foreach (string id in ids)
            ApplyLogged(id);
        foreach (var stored in _store.HealthOverrides())
            ApplyOverride(stored.CheckId, stored);
    }

    /// <summary>
    /// Forces a check healthy or unhealthy, or clears the override (null), on every node: with PostgreSQL the
    /// override is stored and announced before this node applies it; an override's TTL ends at one moment on
    /// every node. With SQLite, as <see cref="HealthChecker.SetOverride"/>. False if there is no such check.
    /// </summary>
    public bool SetOverride(string id, bool? healthy, TimeSpan? ttl = null)
    {
        if (!Clustered)
            return _checker.SetOverride(id, healthy, ttl);
        if (ttl is { } t && t <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "an override's TTL must be positive");
        var spec = _checker.GetSpec(id);
        if (spec is null)
            return false;
        // Milliseconds, as stored: the node that set it and the nodes that read it hold the same moment.
        DateTimeOffset? until = healthy is not null && ttl is { } lifetime
            ? DateTimeOffset.FromUnixTimeMilliseconds((Time.GetUtcNow() + lifetime).ToUnixTimeMilliseconds())
            : null;
        _store.SetHealthOverride(id, healthy, until, spec.Version);
        return _checker.SetOverrideUntil(id, healthy, until);
    }

    private void ApplyOverride(string id, StoredOverride? stored)
    {
        if (_checker.Get(id) is not { } status)
            return;
        bool? healthy = stored is not null && (stored.Until is not { } end || end > Time.GetUtcNow()) ? stored.Healthy : null;
        DateTimeOffset? until = healthy is null ? null : stored!.Until;
        string? wanted = healthy is null ? null : healthy.Value ? "Healthy" : "Unhealthy";
        if (status.Override != wanted || status.OverrideExpires != until)
            _checker.SetOverrideUntil(id, healthy, until);
    }

    /// <summary>
    /// One pass of the follower (every poll interval, or on NOTIFY): publishes this node's changed views in one
    /// batch, reads the views other nodes wrote since the last pass and which nodes are live, and lets each
    /// check's status count them.
    /// </summary>
    /// <param name="now">The moment of the pass: nodes are live when they reported within <see cref="NodeTimeout"/> of it.</param>
    public void ExchangeObservations(DateTimeOffset now)
    {
        if (!Clustered)
            return;
        lock (_exchange)
        {
            if (!_overridesLoaded)
            {
                // Overrides set while this node was away (the zone files' checks are loaded by now).
                foreach (var stored in _store.HealthOverrides())
                    ApplyOverride(stored.CheckId, stored);
                _overridesLoaded = true;
            }
            var options = _checker.Options;
            var batch = new List<StoredObservation>();
            var current = new HashSet<string>(StringComparer.Ordinal);
            foreach (var local in _checker.LocalObservations())
            {
                current.Add(local.Id);
                if (_published.TryGetValue(local.Id, out var last) && last.Healthy == local.Healthy && last.Status == local.Last.Status && now - last.At < ObservationRefresh)
                    continue;
                batch.Add(new StoredObservation(local.Id, _store.NodeName, options.CheckerRegion, options.CheckerAddress, local.Healthy, local.Last.Status,
                    local.Last.CheckedTime, local.LastFailure?.Status, local.LastFailure?.CheckedTime,
                    local.Last.Latency is { } latency ? (int)Math.Min(int.MaxValue, latency.TotalMilliseconds) : null));
            }
            _store.PublishObservations(batch);
            foreach (var written in batch)
                _published[written.CheckId] = (written.Healthy, written.Status, now);
            foreach (string gone in _published.Keys.Where(id => !current.Contains(id)).ToList())
                _published.Remove(gone);

            var (rows, sequence) = _store.ObservationsSince(_observationSequence);
            foreach (var row in rows)
                _peers[(row.CheckId, row.Node)] = row;
            _observationSequence = sequence;
            _nodesSeen = _store.Nodes().ToDictionary(n => n.Name, n => n.SeenAt, StringComparer.Ordinal);
            ApplyPeers(now);
        }
    }

    /// <summary>
    /// Lets each check count the views of the nodes that reported within <see cref="NodeTimeout"/>. Without the
    /// store (an outage) the nodes' last reports age, and after the timeout a node goes by its own probes.
    /// </summary>
    public void ApplyPeers(DateTimeOffset now)
    {
        if (!Clustered)
            return;
        lock (_exchange)
        {
            var live = _nodesSeen.Where(n => n.Key != _store.NodeName && now - n.Value <= NodeTimeout).Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
            var byCheck = new Dictionary<string, List<PeerObservation>>(StringComparer.Ordinal);
            foreach (var o in _peers.Values)
            {
                if (!live.Contains(o.Node))
                    continue;
                if (!byCheck.TryGetValue(o.CheckId, out var list))
                    byCheck[o.CheckId] = list = [];
                list.Add(new PeerObservation(o.Node, o.Region, o.IPAddress, o.Healthy, o.Status, o.CheckedAt, o.Failure, o.FailureAt, o.LatencyMs));
            }
            _checker.SetPeers(byCheck.ToDictionary(c => c.Key, c => (IReadOnlyList<PeerObservation>)c.Value.OrderBy(p => p.Node, StringComparer.Ordinal).ToList(), StringComparer.Ordinal));
        }
    }
}
