using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DnsHost.Route53.Storage;

/// <summary>
/// A node's local copy of the PostgreSQL store (issue 23, static stability): a SQLite file written from a
/// consistent read of the store, with the change sequence it holds. A node that restarts while PostgreSQL
/// does not answer opens the copy read-only and serves it, refuses writes (ServiceUnavailable), and moves to
/// the store when it answers (<see cref="TryLeaveSnapshot"/>), catching up from the copy's sequence.
/// </summary>
public sealed partial class ApiStore
{
    /// <summary>The node's own bookkeeping: rebuilt from the store, never copied.</summary>
    private static readonly HashSet<string> NotInSnapshot = new(StringComparer.Ordinal)
    {
        "change_log", "cluster_nodes", "health_observations", "snapshot_info", "sqlite_sequence",
    };

    private readonly string? _connectionString;
    private volatile bool _onSnapshot;

    /// <summary>True while this node answers from its local snapshot because PostgreSQL did not answer at start.</summary>
    public bool OnSnapshot => _onSnapshot;

    /// <summary>The change sequence the snapshot holds (all of the store's changes up to it, none after).</summary>
    public long SnapshotSequence { get; private set; }

    /// <summary>When the snapshot in use was taken.</summary>
    public DateTimeOffset? SnapshotTakenAt { get; private set; }

    /// <summary>
    /// Opens the PostgreSQL store; when it cannot be reached and <paramref name="snapshotPath"/> holds a
    /// snapshot, opens that instead (<paramref name="unreachable"/> then says why).
    /// </summary>
    /// <exception cref="ApiStoreException">Neither the store nor a snapshot can be opened.</exception>
    public static ApiStore OpenPostgreSqlOrSnapshot(string connectionString, string? snapshotPath, out ApiStoreException? unreachable)
    {
        try
        {
            unreachable = null;
            return Open(ApiStoreKind.PostgreSql, connectionString);
        }
        catch (ApiStoreException e) when (e.InnerException is not ArgumentException && snapshotPath is not null && File.Exists(snapshotPath))
        {
            unreachable = e;
            return OpenSnapshot(connectionString, snapshotPath);
        }
    }

    private static ApiStore OpenSnapshot(string connectionString, string snapshotPath)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = snapshotPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            db.Open();
            var store = new ApiStore(ApiStoreKind.PostgreSql, db, PostgreSqlDescription(new NpgsqlConnectionStringBuilder(connectionString)), connectionString, onSnapshot: true);
            using var command = db.CreateCommand();
            command.CommandText = "SELECT sequence, taken_at FROM snapshot_info";
            using var reader = command.ExecuteReader();
            if (!reader.Read())
                throw new InvalidDataException("it has no snapshot_info row");
            store.SnapshotSequence = reader.GetInt64(0);
            store.SnapshotTakenAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
            return store;
        }
        catch (Exception e) when (e is SqliteException or InvalidDataException)
        {
            db.Dispose();
            throw new ApiStoreException($"the local snapshot {snapshotPath} cannot be read: {OneLine(e)}", e);
        }
    }

    /// <summary>
    /// Moves from the local snapshot to PostgreSQL once it answers. Returns false (and stays on the snapshot)
    /// while it does not; true when the store is in use (or always was).
    /// </summary>
    public bool TryLeaveSnapshot()
    {
        if (!_onSnapshot)
            return true;
        var db = new NpgsqlConnection(_connectionString);
        try
        {
            db.Open();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            db.Dispose();
            return false;
        }
        lock (_lock)
        {
            var snapshot = _db;
            _db = db;
            // Tables are made on first use; the store's may lack some the snapshot had.
            _clusterTables = _dnssecTable = _queryLoggingTable = _trafficPolicyTables = _healthTables = false;
            _onSnapshot = false;
            snapshot.Dispose();
        }
        return true;
    }

    /// <summary>
    /// Writes the store as it is now into a SQLite file at <paramref name="path"/> (replaced whole, never
    /// half written), from one repeatable-read transaction on a connection of its own, so the node's API
    /// and follower do not wait for it. Returns the change sequence the copy holds.
    /// </summary>
    public long WriteSnapshot(string path, DateTimeOffset now)
    {
        if (Kind != ApiStoreKind.PostgreSql || _onSnapshot)
            throw new InvalidOperationException("a snapshot is written from a reachable PostgreSQL store");
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string partial = full + ".partial";
        foreach (var leftover in new[] { partial, partial + "-wal", partial + "-shm", partial + "-journal" })
            File.Delete(leftover);
        using var source = new NpgsqlConnection(_connectionString);
        source.Open();
        using var read = source.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        using (var tables = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()", source, read))
        using (var reader = tables.ExecuteReader())
        {
            while (reader.Read())
                existing.Add(reader.GetString(0));
        }
        long sequence;
        using (var last = new NpgsqlCommand(existing.Contains("change_log") ? "SELECT COALESCE(MAX(seq), 0) FROM change_log" : "SELECT 0", source, read))
            sequence = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
        using (var target = new ApiStore(partial))
        {
            target.EnsureClusterTables();
            target.EnsureDnssecTable();
            target.EnsureQueryLoggingTable();
            target.EnsureTrafficPolicyTables();
            // Overrides hold on every node, also on one restarted from its snapshot; observations are live views and are not kept.
            target.Execute("PRAGMA journal_mode=DELETE; CREATE TABLE snapshot_info (sequence INTEGER NOT NULL, taken_at INTEGER NOT NULL); "
                + "CREATE TABLE health_overrides (check_id TEXT PRIMARY KEY, healthy BOOLEAN NOT NULL, until_ms INTEGER)");
            var copied = target.TableNames().Where(t => existing.Contains(t) && !NotInSnapshot.Contains(t)).ToList();
            using var write = target.Begin();
            foreach (string table in copied)
                CopyTable(source, read, target, write, table);
            using (var info = target.Command("INSERT INTO snapshot_info (sequence, taken_at) VALUES (@seq, @at)", write))
            {
                Parameter(info, "@seq", sequence);
                Parameter(info, "@at", now.ToUnixTimeMilliseconds());
                info.ExecuteNonQuery();
            }
            write.Commit();
        }
        read.Commit();
        File.Move(partial, full, overwrite: true);
        return sequence;
    }

    private List<string> TableNames()
    {
        using var command = Command("SELECT name FROM sqlite_master WHERE type = 'table'");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
            names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Copies every row of <paramref name="table"/>, its PostgreSQL <c>rowid</c> column into SQLite's rowid so creation order survives.</summary>
    private static void CopyTable(NpgsqlConnection source, NpgsqlTransaction read, ApiStore target, DbTransaction write, string table)
    {
        using var select = new NpgsqlCommand($"SELECT * FROM {table}", source, read);
        using var reader = select.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        using var insert = target.Command($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))})", write);
        var parameters = columns.Select((_, i) => Parameter(insert, "@p" + i.ToString(CultureInfo.InvariantCulture))).ToList();
        while (reader.Read())
        {
            for (int i = 0; i < columns.Count; i++)
                parameters[i].Value = reader.GetValue(i);
            insert.ExecuteNonQuery();
        }
    }

    private static bool IsWrite(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        return text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase) || text.StartsWith("SELECT pg_", StringComparison.OrdinalIgnoreCase) || text.EndsWith(" FOR UPDATE", StringComparison.OrdinalIgnoreCase);
    }
}
