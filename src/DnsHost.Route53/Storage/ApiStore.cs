using Microsoft.Data.Sqlite;

namespace DnsHost.Route53.Storage;

/// <summary>A hosted zone created through the API, as stored: its document is the zones/*.json shape.</summary>
public sealed record StoredZone(string Id, string Name, string CallerReference, string Document);

/// <summary>A health check created through the API: its HealthCheckConfig as JSON.</summary>
public sealed record StoredHealthCheck(string Id, string CallerReference, long Version, string Config);

/// <summary>A change (batch or zone creation/deletion), for GetChange.</summary>
public sealed record ApiChange(string Id, DateTimeOffset SubmittedAt, string? Comment);

/// <summary>
/// The API's durable state in SQLite (Microsoft.Data.Sqlite). Every write is one transaction with
/// synchronous=FULL in WAL mode: when a method returns, the change is on disk.
/// </summary>
public sealed class ApiStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public ApiStore(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS zones (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                caller_reference TEXT NOT NULL UNIQUE,
                document TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS used_caller_references (caller_reference TEXT PRIMARY KEY, kind TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS health_checks (
                id TEXT PRIMARY KEY,
                caller_reference TEXT NOT NULL UNIQUE,
                version INTEGER NOT NULL,
                config TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS changes (
                id TEXT PRIMARY KEY,
                submitted_at TEXT NOT NULL,
                comment TEXT);
            """);
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<StoredZone> Zones()
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT id, name, caller_reference, document FROM zones ORDER BY id";
            using var reader = command.ExecuteReader();
            var zones = new List<StoredZone>();
            while (reader.Read())
                zones.Add(new StoredZone(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            return zones;
        }
    }

    public bool CallerReferenceUsed(string callerReference)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT 1 FROM used_caller_references WHERE caller_reference = $r";
            command.Parameters.AddWithValue("$r", callerReference);
            return command.ExecuteScalar() is not null;
        }
    }

    /// <summary>Inserts or replaces a zone and records the change, in one transaction.</summary>
    public void SaveZone(StoredZone zone, ApiChange change)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using (var command = _db.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO zones (id, name, caller_reference, document) VALUES ($id, $name, $ref, $doc)
                    ON CONFLICT(id) DO UPDATE SET document = excluded.document;
                    INSERT OR IGNORE INTO used_caller_references (caller_reference, kind) VALUES ($ref, 'zone');
                    """;
                command.Parameters.AddWithValue("$id", zone.Id);
                command.Parameters.AddWithValue("$name", zone.Name);
                command.Parameters.AddWithValue("$ref", zone.CallerReference);
                command.Parameters.AddWithValue("$doc", zone.Document);
                command.ExecuteNonQuery();
            }
            InsertChange(tx, change);
            tx.Commit();
        }
    }

    public void DeleteZone(string id, ApiChange change)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using (var command = _db.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = "DELETE FROM zones WHERE id = $id";
                command.Parameters.AddWithValue("$id", id);
                command.ExecuteNonQuery();
            }
            InsertChange(tx, change);
            tx.Commit();
        }
    }

    private void InsertChange(SqliteTransaction tx, ApiChange change)
    {
        using var command = _db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO changes (id, submitted_at, comment) VALUES ($id, $at, $comment)";
        command.Parameters.AddWithValue("$id", change.Id);
        command.Parameters.AddWithValue("$at", change.SubmittedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$comment", (object?)change.Comment ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public ApiChange? GetChange(string id)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT id, submitted_at, comment FROM changes WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new ApiChange(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.IsDBNull(2) ? null : reader.GetString(2))
                : null;
        }
    }

    public IReadOnlyList<StoredHealthCheck> HealthChecks()
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT id, caller_reference, version, config FROM health_checks ORDER BY id";
            using var reader = command.ExecuteReader();
            var checks = new List<StoredHealthCheck>();
            while (reader.Read())
                checks.Add(new StoredHealthCheck(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            return checks;
        }
    }

    /// <summary>Inserts or replaces a health check; its caller reference stays used after deletion.</summary>
    public void SaveHealthCheck(StoredHealthCheck check)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using var command = _db.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "INSERT INTO health_checks (id, caller_reference, version, config) VALUES ($id, $ref, $version, $config) "
                + "ON CONFLICT(id) DO UPDATE SET version = excluded.version, config = excluded.config; "
                + "INSERT OR IGNORE INTO used_caller_references (caller_reference, kind) VALUES ('healthcheck:' || $ref, 'healthcheck');";
            command.Parameters.AddWithValue("$id", check.Id);
            command.Parameters.AddWithValue("$ref", check.CallerReference);
            command.Parameters.AddWithValue("$version", check.Version);
            command.Parameters.AddWithValue("$config", check.Config);
            command.ExecuteNonQuery();
            tx.Commit();
        }
    }

    public void DeleteHealthCheck(string id)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "DELETE FROM health_checks WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _db.Dispose();
}
