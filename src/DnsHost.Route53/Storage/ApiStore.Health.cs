using System.Data.Common;
using System.Globalization;

namespace DnsHost.Route53.Storage;

/// <summary>One node's latest view of one health check's endpoint, as published to the store.</summary>
public sealed record StoredObservation(string CheckId, string Node, string Region, string IPAddress, bool Healthy, string Status, DateTimeOffset CheckedAt,
    string? Failure, DateTimeOffset? FailureAt, int? LatencyMs);

/// <summary>An override of a health check set through one node's operations endpoint; <see cref="Until"/> null: until cleared.</summary>
public sealed record StoredOverride(string CheckId, bool Healthy, DateTimeOffset? Until);

/// <summary>
/// Health checks across the nodes of a cluster (issue 23, PostgreSQL only): a write of a check is a change-log
/// entry keyed <see cref="HealthCheckLogPrefix"/> + id, so it reaches every node by the path zone changes take;
/// each node's latest observation per check is a row of <c>health_observations</c>, written in batches; an
/// override is a row of <c>health_overrides</c>, logged and announced as a write of its check.
/// </summary>
public sealed partial class ApiStore
{
    /// <summary>Change-log entries of health checks are keyed "healthcheck/ID"; zone ids never contain a '/'.</summary>
    public const string HealthCheckLogPrefix = "healthcheck/";

    /// <summary>
    /// Orders observation batches by commit (as <see cref="ChangeLogLock"/> orders the change log): a node that
    /// read up to sequence N never later finds a row below N committed.
    /// </summary>
    private const long ObservationLock = 5304;

    private bool _healthTables;

    /// <summary>The health check id of a change-log key, or null for a zone's.</summary>
    public static string? HealthCheckOfLogKey(string key) =>
        key.StartsWith(HealthCheckLogPrefix, StringComparison.Ordinal) ? key[HealthCheckLogPrefix.Length..] : null;

    private void EnsureHealthTables()
    {
        if (_healthTables || Kind != ApiStoreKind.PostgreSql)
            return;
        CreateTables("""
            CREATE SEQUENCE IF NOT EXISTS health_observation_seq;
            CREATE TABLE IF NOT EXISTS health_observations (
                check_id TEXT NOT NULL,
                node TEXT NOT NULL,
                region TEXT NOT NULL,
                ip_address TEXT NOT NULL,
                healthy BOOLEAN NOT NULL,
                status TEXT NOT NULL,
                checked_at INTEGER NOT NULL,
                failure TEXT,
                failure_at INTEGER,
                latency_ms INTEGER,
                seq INTEGER NOT NULL,
                PRIMARY KEY (check_id, node));
            CREATE INDEX IF NOT EXISTS health_observations_seq ON health_observations (seq);
            CREATE TABLE IF NOT EXISTS health_overrides (
                check_id TEXT PRIMARY KEY,
                healthy BOOLEAN NOT NULL,
                until_ms INTEGER);
            """);
        _healthTables = true;
    }

    // In a health check's delete: its observations and override go too, and the other nodes hear of it.
    private void ForgetHealthCheck(DbTransaction tx, string id)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return;
        EnsureHealthTables();
        using (var command = Command("DELETE FROM health_observations WHERE check_id = @id; DELETE FROM health_overrides WHERE check_id = @id;", tx))
        {
            Parameter(command, "@id", id);
            command.ExecuteNonQuery();
        }
        LogChange(tx, HealthCheckLogPrefix + id, 0, null);
    }

    /// <summary>One health check as stored now, or null when there is none.</summary>
    public StoredHealthCheck? HealthCheck(string id)
    {
        lock (_lock)
        {
            using var command = Command("SELECT id, caller_reference, version, config FROM health_checks WHERE id = @id");
            Parameter(command, "@id", id);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new StoredHealthCheck(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)) : null;
        }
    }

    /// <summary>
    /// Writes this node's changed observations in one transaction: one statement for the whole batch (arrays
    /// unnested on the server), whatever its size.
    /// </summary>
    public void PublishObservations(IReadOnlyList<StoredObservation> observations)
    {
        if (Kind != ApiStoreKind.PostgreSql || observations.Count == 0)
            return;
        lock (_lock)
        {
            EnsureHealthTables();
            using var tx = Begin();
            using var command = Command($"""
                SELECT pg_advisory_xact_lock({ObservationLock});
                INSERT INTO health_observations (check_id, node, region, ip_address, healthy, status, checked_at, failure, failure_at, latency_ms, seq)
                SELECT u.check_id, u.node, u.region, u.ip_address, u.healthy, u.status, u.checked_at, u.failure, u.failure_at, u.latency_ms, nextval('health_observation_seq')
                FROM unnest(@check_id::text[], @node::text[], @region::text[], @ip::text[], @healthy::boolean[], @status::text[], @checked_at::bigint[],
                            @failure::text[], @failure_at::bigint[], @latency::bigint[])
                     AS u(check_id, node, region, ip_address, healthy, status, checked_at, failure, failure_at, latency_ms)
                ON CONFLICT (check_id, node) DO UPDATE SET region = excluded.region, ip_address = excluded.ip_address, healthy = excluded.healthy,
                    status = excluded.status, checked_at = excluded.checked_at, failure = excluded.failure, failure_at = excluded.failure_at,
                    latency_ms = excluded.latency_ms, seq = excluded.seq;
                """, tx);
            Parameter(command, "@check_id", observations.Select(o => o.CheckId).ToArray());
            Parameter(command, "@node", observations.Select(o => o.Node).ToArray());
            Parameter(command, "@region", observations.Select(o => o.Region).ToArray());
            Parameter(command, "@ip", observations.Select(o => o.IPAddress).ToArray());
            Parameter(command, "@healthy", observations.Select(o => o.Healthy).ToArray());
            Parameter(command, "@status", observations.Select(o => o.Status).ToArray());
            Parameter(command, "@checked_at", observations.Select(o => o.CheckedAt.ToUnixTimeMilliseconds()).ToArray());
            Parameter(command, "@failure", observations.Select(o => o.Failure).ToArray());
            Parameter(command, "@failure_at", observations.Select(o => o.FailureAt?.ToUnixTimeMilliseconds()).ToArray());
            Parameter(command, "@latency", observations.Select(o => (long?)o.LatencyMs).ToArray());
            command.ExecuteNonQuery();
            tx.Commit();
        }
    }

    /// <summary>The other nodes' observations written after <paramref name="sequence"/>, and the sequence to read from next time.</summary>
    public (IReadOnlyList<StoredObservation> Observations, long Last) ObservationsSince(long sequence)
    {
        if (Kind != ApiStoreKind.PostgreSql || _onSnapshot)
            return ([], sequence);
        lock (_lock)
        {
            EnsureHealthTables();
            using var command = Command("SELECT check_id, node, region, ip_address, healthy, status, checked_at, failure, failure_at, latency_ms, seq "
                + "FROM health_observations WHERE seq > @seq AND node <> @me ORDER BY seq");
            Parameter(command, "@seq", sequence);
            Parameter(command, "@me", NodeName);
            using var reader = command.ExecuteReader();
            var observations = new List<StoredObservation>();
            long last = sequence;
            while (reader.Read())
            {
                observations.Add(new StoredObservation(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                    reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                    reader.IsDBNull(9) ? null : checked((int)reader.GetInt64(9))));
                last = reader.GetInt64(10);
            }
            return (observations, last);
        }
    }

    /// <summary>
    /// Sets (or, with null, clears) a check's override for every node: stored, and logged and announced as a
    /// write of the check at <paramref name="version"/>, so the other nodes read it at their next pass.
    /// </summary>
    public void SetHealthOverride(string id, bool? healthy, DateTimeOffset? until, long version)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return;
        lock (_lock)
        {
            EnsureHealthTables();
            using var tx = Begin();
            using (var command = Command(healthy is null
                       ? "DELETE FROM health_overrides WHERE check_id = @id"
                       : "INSERT INTO health_overrides (check_id, healthy, until_ms) VALUES (@id, @healthy, @until) "
                         + "ON CONFLICT (check_id) DO UPDATE SET healthy = excluded.healthy, until_ms = excluded.until_ms", tx))
            {
                Parameter(command, "@id", id);
                if (healthy is { } h)
                {
                    Parameter(command, "@healthy", h);
                    Parameter(command, "@until", until?.ToUnixTimeMilliseconds());
                }
                command.ExecuteNonQuery();
            }
            LogChange(tx, HealthCheckLogPrefix + id, version, null);
            tx.Commit();
        }
    }

    /// <summary>The stored overrides (PostgreSQL; none with SQLite, where an override stays on its node).</summary>
    public IReadOnlyList<StoredOverride> HealthOverrides(string? id = null)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return [];
        lock (_lock)
        {
            EnsureHealthTables();
            using var command = Command(id is null
                ? "SELECT check_id, healthy, until_ms FROM health_overrides ORDER BY check_id"
                : "SELECT check_id, healthy, until_ms FROM health_overrides WHERE check_id = @id");
            if (id is not null)
                Parameter(command, "@id", id);
            using var reader = command.ExecuteReader();
            var overrides = new List<StoredOverride>();
            while (reader.Read())
                overrides.Add(new StoredOverride(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            return overrides;
        }
    }

    /// <summary>Rows of health_observations (for <c>docs/scale.md</c>'s arithmetic and for tests).</summary>
    public long ObservationCount()
    {
        if (Kind != ApiStoreKind.PostgreSql || _onSnapshot)
            return 0;
        lock (_lock)
        {
            EnsureHealthTables();
            using var command = Command("SELECT COUNT(*) FROM health_observations");
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }
}
