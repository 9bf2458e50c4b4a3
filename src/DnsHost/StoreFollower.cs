using System.Data.Common;
using DnsHost.Route53;
using DnsHost.Route53.Storage;
using DnsHost.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DnsHost;

/// <summary>The node's place in a cluster of DnsHost nodes on one PostgreSQL store (<c>Cluster</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This node's name in the change log and in <c>dnshost cluster status</c>; empty: the machine's name and the API's listen address.</summary>
    public string NodeName { get; set; } = "";

    /// <summary>The region name this node reports; its health observations carry it (GetHealthCheckStatus).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The address this node's health observations report (GetHealthCheckStatus's IPAddress); empty: HealthChecks:CheckerAddress.</summary>
    public string IPAddress { get; set; } = "";

    /// <summary>An unchanged health observation is written to the store again after this long (a changed one at the next pass).</summary>
    public double ObservationRefreshSeconds { get; set; } = 300;

    /// <summary>A node that has not reported for this long no longer holds GetChange at PENDING.</summary>
    public double NodeTimeoutSeconds { get; set; } = 10;

    /// <summary>How often a node looks at the change log when no notification came (a lost LISTEN connection, a NOTIFY that never arrived).</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>A node behind the change log for longer than this reports itself degraded on /healthz.</summary>
    public double LagBoundSeconds { get; set; } = 30;

    /// <summary>
    /// The local copy of the store a restarted node serves while PostgreSQL does not answer (static stability);
    /// empty: <c>cluster-snapshot.db</c> beside <c>Api:DataPath</c>; <c>off</c>: none.
    /// </summary>
    public string SnapshotPath { get; set; } = "";

    /// <summary>How often, at most, the local snapshot is written again when the change log has moved.</summary>
    public double SnapshotSeconds { get; set; } = 10;

    public string? EffectiveSnapshotPath(string apiDataPath) => SnapshotPath switch
    {
        { Length: > 0 } path when path.Equals("off", StringComparison.OrdinalIgnoreCase) => null,
        { Length: > 0 } path => path,
        _ => Path.Combine(Path.GetDirectoryName(apiDataPath) ?? "", "cluster-snapshot.db"),
    };

    public string EffectiveNodeName(string apiListen) => NodeName is { Length: > 0 } name ? name : $"{Environment.MachineName}/{apiListen}";
}

/// <summary>
/// This node's view of the cluster, for <c>/healthz</c> and <c>/metrics</c>: whether the store answers, the
/// log's end and the sequence served. Degraded when the store cannot be reached, or the node has been behind
/// the log for longer than <see cref="ClusterOptions.LagBoundSeconds"/>. A degraded node still answers DNS from
/// its snapshot (static stability), so /healthz stays 200 and says why in its text.
/// </summary>
public sealed class ClusterState(TimeProvider time, IOptions<ClusterOptions> options)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _behindSince;

    public bool Enabled { get; private set; }
    public bool StoreReachable { get; private set; } = true;
    public long LogEnd { get; private set; }
    public long Served { get; private set; }

    internal void Report(bool reachable, long logEnd, long served)
    {
        lock (_lock)
        {
            Enabled = true;
            StoreReachable = reachable;
            if (!reachable)
                return;
            LogEnd = logEnd;
            Served = served;
            _behindSince = served >= logEnd ? null : _behindSince ?? time.GetUtcNow();
        }
    }

    /// <summary>Why this node is degraded, or null when it is not.</summary>
    public string? Degraded
    {
        get
        {
            lock (_lock)
            {
                if (!Enabled)
                    return null;
                if (!StoreReachable)
                    return "the API store cannot be reached; DNS answers from this node's last snapshot and API writes are refused";
                if (_behindSince is { } since && time.GetUtcNow() - since > TimeSpan.FromSeconds(options.Value.LagBoundSeconds))
                    return $"this node serves change {Served} of {LogEnd} and has been behind for more than {options.Value.LagBoundSeconds:0.#} s";
                return null;
            }
        }
    }
}

/// <summary>
/// With a PostgreSQL store, keeps this node's snapshot and health checks up to date with the other nodes' writes: LISTEN on
/// the change channel, then read the change log from the last sequence applied and apply each entry
/// (<see cref="HostedZoneService.ApplyLogged"/>). A lost notification costs at most one poll interval; a node
/// that was cut off catches up from where it was. Every pass reports the sequence served, which GetChange
/// reads, and exchanges health observations with the other nodes (<see cref="HealthCheckService.ExchangeObservations"/>). While the store is unreachable the node keeps answering from what it has and tries again.
/// </summary>
internal sealed partial class StoreFollower(ApiStore store, HostedZoneService zones, HealthCheckService healthChecks, IOptions<ApiOptions> api, IOptions<ClusterOptions> cluster,
    TimeProvider time, ClusterState state, ILogger<StoreFollower> logger) : BackgroundService
{
    /// <summary>What a store that went away (or a connection to it that broke) throws.</summary>
    private static bool StoreUnreachable(Exception e) =>
        e is DbException or ApiStoreException or System.Net.Sockets.SocketException or TimeoutException or IOException or InvalidOperationException;

    /// <summary>
    /// Reports this node before the host is up, so a change made right after it starts is not INSYNC until
    /// this node serves it (the first pass of the loop may run later).
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.Kind == ApiStoreKind.PostgreSql && !store.OnSnapshot)
        {
            try
            {
                store.ReportNode(cluster.Value.Region, zones.ServedSequence, time.GetUtcNow());
            }
            catch (Exception e) when (StoreUnreachable(e))
            {
                // The loop reports the store's absence.
            }
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Kind != ApiStoreKind.PostgreSql)
            return;
        var poll = TimeSpan.FromSeconds(Math.Max(0.05, cluster.Value.PollSeconds));
        bool reachable = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = new NpgsqlConnection(api.Value.ConnectionString);
                await listener.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {ApiStore.ChangeChannel}", listener))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (store.OnSnapshot)
                {
                    if (!store.TryLeaveSnapshot())
                        throw new ApiStoreException($"{store.Description} answers LISTEN but not the store's connection");
                    LogLeftSnapshot(logger, store.Description, store.SnapshotSequence);
                }
                else if (!reachable)
                    LogStoreBack(logger, store.Description);
                reachable = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    CatchUp();
                    // Wakes on any NOTIFY of the channel, or after the poll interval.
                    await listener.WaitAsync(poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (StoreUnreachable(e))
            {
                if (reachable)
                    LogStoreLost(logger, store.Description, e.Message.Split('\n')[0].Trim());
                reachable = false;
                state.Report(false, 0, zones.ServedSequence);
                // The other nodes' last reports age: past Cluster:NodeTimeoutSeconds this node goes by its own probes.
                healthChecks.ApplyPeers(time.GetUtcNow());
                try
                {
                    await Task.Delay(poll, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Applies the change log after the sequence served, page by page, and reports where this node is.</summary>
    private void CatchUp()
    {
        // One moment for the pass: the report below then vouches for the health exchange's view of who is live.
        var now = time.GetUtcNow();
        long last = store.LastSequence();
        if (last < zones.ServedSequence)
        {
            // The log is behind what this node served: the database was restored or lost its last commits.
            // Its state is the truth now: read every zone again, and follow the log from its end.
            LogLogBehind(logger, store.Description, last, zones.ServedSequence);
            zones.ReloadAll();
            healthChecks.ReloadAll();
            zones.ServedSequence = last;
        }
        while (true)
        {
            var changes = store.ChangesSince(zones.ServedSequence);
            if (changes.Count == 0)
                break;
            // A zone is read as it is now, so of a page's entries for one zone only the last needs applying:
            // a node that missed 10,000 changes to one zone reads it once per page, not 10,000 times.
            // CIDR collections first: read as they are now, they hold every location a zone of the page may name.
            foreach (var change in changes.GroupBy(c => c.ZoneId).Select(g => g.Last())
                         .OrderBy(c => ApiStore.CidrCollectionOfLogKey(c.ZoneId) is null).ThenBy(c => c.Sequence))
            {
                if (ApiStore.HealthCheckOfLogKey(change.ZoneId) is { } healthCheck)
                    healthChecks.ApplyLogged(healthCheck);
                else if (ApiStore.CidrCollectionOfLogKey(change.ZoneId) is { } collection)
                    zones.ReloadCidrCollection(collection);
                else
                    zones.ApplyLogged(change);
            }
            zones.ServedSequence = changes[^1].Sequence;
            if (changes.Count < 10_000)
                break;
        }
        // Health observations before the report: a node's report then says its pass, exchange included, is done.
        healthChecks.ExchangeObservations(now);
        store.ReportNode(cluster.Value.Region, zones.ServedSequence, now);
        state.Report(true, Math.Max(last, zones.ServedSequence), zones.ServedSequence);
        MaybeWriteSnapshot(last);
    }

    private long _snapshotSequence = -1;
    private DateTimeOffset _snapshotAt = DateTimeOffset.MinValue;
    private Task _snapshotWrite = Task.CompletedTask;

    /// <summary>
    /// Writes the local snapshot again, in the background, when the log has moved since the last one and
    /// Cluster:SnapshotSeconds have passed. A failure is logged and tried again at the next interval.
    /// </summary>
    private void MaybeWriteSnapshot(long last)
    {
        if (cluster.Value.EffectiveSnapshotPath(api.Value.DataPath) is not { } path || !_snapshotWrite.IsCompleted)
            return;
        var now = time.GetUtcNow();
        if (last == _snapshotSequence || now - _snapshotAt < TimeSpan.FromSeconds(cluster.Value.SnapshotSeconds))
            return;
        _snapshotAt = now;
        _snapshotWrite = Task.Run(() =>
        {
            try
            {
                _snapshotSequence = store.WriteSnapshot(path, now);
            }
            catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
            {
                LogSnapshotFailed(logger, path, e.Message.Split('\n')[0].Trim());
            }
        });
    }

    /// <summary>For tests: the snapshot being written, if any, finished.</summary>
    internal Task SnapshotWritten => _snapshotWrite;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API store ({Store}) cannot be reached: {Reason}. DNS answers from the zones this node has; API writes are refused until it is back")]
    private static partial void LogStoreLost(ILogger logger, string store, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change log of the API store ({Store}) ends at {Last}, before the {Served} this node served; every zone is read again")]
    private static partial void LogLogBehind(ILogger logger, string store, long last, long served);

    [LoggerMessage(Level = LogLevel.Information, Message = "The API store ({Store}) answers: leaving the local snapshot and catching up from its change {Sequence}")]
    private static partial void LogLeftSnapshot(ILogger logger, string store, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The local snapshot {Path} cannot be written: {Reason}; the last one stays")]
    private static partial void LogSnapshotFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The API store ({Store}) is reachable again; catching up from the change log")]
    private static partial void LogStoreBack(ILogger logger, string store);
}

/// <summary>What the cluster logs outside the follower.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}. Serving the local snapshot {Path} (change {Sequence}, taken {TakenAt:u}) until it answers; API writes are refused meanwhile")]
    public static partial void ServingSnapshot(ILogger logger, string reason, string path, long sequence, DateTimeOffset takenAt);
}
