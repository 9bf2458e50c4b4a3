using System.Data.Common;

namespace DnsHost.Route53.Storage;

/// <summary>Two nodes changed one zone at once: the write that lost is not applied (the caller reloads the zone and tries again).</summary>
public sealed class ApiStoreConflictException(string zoneId) : Exception($"hosted zone {zoneId} was changed by another node");

/// <summary>One entry of the change log: zone <see cref="ZoneId"/> is at <see cref="Version"/> (0: deleted) since <see cref="Sequence"/>.</summary>
public sealed record LoggedChange(long Sequence, string ZoneId, long Version, string? ChangeId, string Node);

/// <summary>A node of a cluster as it last reported itself: the change sequence it serves, and when.</summary>
public sealed record ClusterNode(string Name, string Region, long Sequence, DateTimeOffset SeenAt);

/// <summary>
/// What several nodes on one PostgreSQL database need (issue 23): each zone's version, for optimistic
/// concurrency; the change log, whose sequence orders every zone write, with a NOTIFY on
/// <see cref="ChangeChannel"/> at commit; and the nodes' reports of the sequence they serve, for GetChange.
/// A SQLite store keeps the versions only: one node needs no log.
/// </summary>
public sealed partial class ApiStore
{
    public const string ChangeChannel = "dnshost_changes";

    /// <summary>
    /// Orders change-log inserts by commit: the lock is held to the end of the writing transaction, so
    /// no sequence number becomes visible after a higher one (a reader never skips a change).
    /// </summary>
    private const long ChangeLogLock = 5302;

    /// <summary>The name this node writes into the change log (Cluster:NodeName); its own changes are not applied twice.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    private bool _clusterTables;

    private void EnsureClusterTables()
    {
        if (_clusterTables)
            return;
        CreateTables("""
            CREATE TABLE IF NOT EXISTS zone_versions (zone_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS change_log (
                seq SEQUENCE_KEY,
                zone_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                change_id TEXT,
                node TEXT NOT NULL,
                at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS cluster_nodes (
                name TEXT PRIMARY KEY,
                region TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                seen_at INTEGER NOT NULL);
            """);
        if (Kind == ApiStoreKind.PostgreSql && !_onSnapshot)
            Execute("CREATE INDEX IF NOT EXISTS change_log_change_id ON change_log (change_id)");
        _clusterTables = true;
    }

    /// <summary>
    /// Moves a zone from <paramref name="expected"/> to the next version inside <paramref name="tx"/>; the
    /// first statement of a zone write. Its row lock makes a second writer of the zone wait for the first
    /// to commit and then find the version moved on: that one gets <see cref="ApiStoreConflictException"/>
    /// and writes nothing. Taken first, it also keeps two writers of one zone from locking rows in turn.
    /// </summary>
    /// <param name="expected">The version the caller's copy of the zone is at; null writes over any version (a restore, a migration).</param>
    private long NextVersion(DbTransaction tx, string zoneId, long? expected)
    {
        EnsureClusterTables();
        long current;
        using (var read = Command(Kind == ApiStoreKind.PostgreSql
                   ? "SELECT version FROM zone_versions WHERE zone_id = @id FOR UPDATE"
                   : "SELECT version FROM zone_versions WHERE zone_id = @id", tx))
        {
            Parameter(read, "@id", zoneId);
            current = read.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        if (expected is { } e && e != current)
            throw new ApiStoreConflictException(zoneId);
        long next = current + 1;
        using (var write = Command("INSERT INTO zone_versions (zone_id, version) VALUES (@id, @v) ON CONFLICT (zone_id) DO UPDATE SET version = excluded.version", tx))
        {
            Parameter(write, "@id", zoneId);
            Parameter(write, "@v", next);
            write.ExecuteNonQuery();
        }
        return next;
    }

    /// <summary>
    /// Logs a zone write (PostgreSQL only), the last statement before the commit: the sequence lock is then
    /// held only for the commit, and the NOTIFY goes out with it.
    /// </summary>
    /// <param name="version">The zone's new version; 0 for a deleted zone.</param>
    private void LogChange(DbTransaction tx, string zoneId, long version, string? changeId)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return;
        using var log = Command($"""
            SELECT pg_advisory_xact_lock({ChangeLogLock});
            INSERT INTO change_log (zone_id, version, change_id, node, at) VALUES (@id, @v, @change, @node, @at);
            SELECT pg_notify('{ChangeChannel}', currval(pg_get_serial_sequence('change_log', 'seq'))::text);
            """, tx);
        Parameter(log, "@id", zoneId);
        Parameter(log, "@v", version);
        Parameter(log, "@change", changeId);
        Parameter(log, "@node", NodeName);
        Parameter(log, "@at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        log.ExecuteNonQuery();
    }

    /// <summary>Each zone's version, for a node that loads the whole store.</summary>
    public IReadOnlyDictionary<string, long> ZoneVersions()
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("SELECT zone_id, version FROM zone_versions");
            using var reader = command.ExecuteReader();
            var versions = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read())
                versions[reader.GetString(0)] = reader.GetInt64(1);
            return versions;
        }
    }

    /// <summary>One zone as stored now with its version, or null when it is gone.</summary>
    public (StoredZone Zone, long Version)? Zone(string id)
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var tx = Begin();
            StoredZone zone;
            using (var command = Command("SELECT id, name, caller_reference, document FROM zones WHERE id = @id", tx))
            {
                Parameter(command, "@id", id);
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                    return null;
                zone = new StoredZone(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            }
            var sets = new List<string>();
            using (var command = Command("SELECT document FROM record_sets WHERE zone_id = @id ORDER BY rowid", tx))
            {
                Parameter(command, "@id", id);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    sets.Add(reader.GetString(0));
            }
            long version;
            using (var command = Command("SELECT version FROM zone_versions WHERE zone_id = @id", tx))
            {
                Parameter(command, "@id", id);
                version = command.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            }
            tx.Commit();
            return (zone with { RecordSets = sets }, version);
        }
    }

    /// <summary>The highest sequence in the change log (0 when empty, and always with SQLite).</summary>
    public long LastSequence()
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return 0;
        if (OnSnapshot)
            return SnapshotSequence;
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("SELECT COALESCE(MAX(seq), 0) FROM change_log");
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The change log after <paramref name="sequence"/>, oldest first, at most <paramref name="limit"/> entries.</summary>
    public IReadOnlyList<LoggedChange> ChangesSince(long sequence, int limit = 10_000)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return [];
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("SELECT seq, zone_id, version, change_id, node FROM change_log WHERE seq > @seq ORDER BY seq LIMIT @limit");
            Parameter(command, "@seq", sequence);
            Parameter(command, "@limit", limit);
            using var reader = command.ExecuteReader();
            var changes = new List<LoggedChange>();
            while (reader.Read())
                changes.Add(new LoggedChange(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
            return changes;
        }
    }

    /// <summary>The change log's sequence of a change (ChangeInfo id), or null for a change that is not logged.</summary>
    public long? SequenceOf(string changeId)
    {
        if (Kind != ApiStoreKind.PostgreSql)
            return null;
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("SELECT seq FROM change_log WHERE change_id = @id");
            Parameter(command, "@id", changeId);
            return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
    }

    /// <summary>This node serves everything up to <paramref name="sequence"/> (reported every second by the follower).</summary>
    public void ReportNode(string region, long sequence, DateTimeOffset now)
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("INSERT INTO cluster_nodes (name, region, sequence, seen_at) VALUES (@name, @region, @seq, @at) "
                + "ON CONFLICT (name) DO UPDATE SET region = excluded.region, sequence = excluded.sequence, seen_at = excluded.seen_at");
            Parameter(command, "@name", NodeName);
            Parameter(command, "@region", region);
            Parameter(command, "@seq", sequence);
            Parameter(command, "@at", now.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Every node that has reported, by name.</summary>
    public IReadOnlyList<ClusterNode> Nodes()
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var command = Command("SELECT name, region, sequence, seen_at FROM cluster_nodes ORDER BY name");
            using var reader = command.ExecuteReader();
            var nodes = new List<ClusterNode>();
            while (reader.Read())
                nodes.Add(new ClusterNode(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            return nodes;
        }
    }
}
