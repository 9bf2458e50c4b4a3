using Microsoft.Data.Sqlite;

namespace DnsHost.Route53.Storage;

/// <summary>
/// A hosted zone created through the API, as stored: its document is the zones/*.json shape without
/// the record sets, which are rows of their own (<see cref="StoredZone.RecordSets"/>, in the order they were first written).
/// </summary>
public sealed record StoredZone(string Id, string Name, string CallerReference, string Document)
{
    public IReadOnlyList<string> RecordSets { get; init; } = [];
}

/// <summary>A health check created through the API: its HealthCheckConfig as JSON.</summary>
public sealed record StoredHealthCheck(string Id, string CallerReference, long Version, string Config);

/// <summary>A CIDR collection created through the API: its locations and blocks as JSON (<c>CidrCollectionJson</c>).</summary>
public sealed record StoredCidrCollection(string Id, string Name, string CallerReference, long Version, string Document);

/// <summary>A change (batch or zone creation/deletion), for GetChange.</summary>
public sealed record ApiChange(string Id, DateTimeOffset SubmittedAt, string? Comment);

/// <summary>
/// The API's durable state in SQLite (Microsoft.Data.Sqlite). Every write is one transaction with
/// synchronous=FULL in WAL mode: when a method returns, the change is on disk.
/// </summary>
public sealed partial class ApiStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _badRows = new();

    /// <summary>
    /// Rows that could not be read back at start (issue 16: one bad row stopped the server with exit 134);
    /// each was skipped and the rest is served. The HTTP endpoint logs them at start.
    /// </summary>
    public IReadOnlyCollection<string> BadRows => _badRows;

    public void ReportBadRow(string table, string key, Exception problem) =>
        _badRows.Enqueue($"{DataSource}: {table} row {key} cannot be read ({problem.GetType().Name}: {problem.Message.Split('\n')[0].Trim()}); it is skipped and the rest is served");

    private string DataSource => _db.DataSource;

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
            CREATE TABLE IF NOT EXISTS record_sets (
                zone_id TEXT NOT NULL,
                key TEXT NOT NULL,
                document TEXT NOT NULL,
                PRIMARY KEY (zone_id, key));
            CREATE TABLE IF NOT EXISTS used_caller_references (caller_reference TEXT PRIMARY KEY, kind TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS health_checks (
                id TEXT PRIMARY KEY,
                caller_reference TEXT NOT NULL UNIQUE,
                version INTEGER NOT NULL,
                config TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS cidr_collections (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                caller_reference TEXT NOT NULL,
                version INTEGER NOT NULL,
                document TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tags (
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (resource_type, resource_id, key));
            CREATE TABLE IF NOT EXISTS delegation_sets (
                id TEXT PRIMARY KEY,
                caller_reference TEXT NOT NULL UNIQUE,
                document TEXT NOT NULL);
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
            // Creation order (an update keeps the rowid): of two public zones with one name, the first is served.
            command.CommandText = "SELECT id, name, caller_reference, document FROM zones ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var zones = new List<StoredZone>();
            while (reader.Read())
                zones.Add(new StoredZone(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            reader.Close();
            using var sets = _db.CreateCommand();
            sets.CommandText = "SELECT document FROM record_sets WHERE zone_id = $id ORDER BY rowid";
            var id = sets.Parameters.Add("$id", SqliteType.Text);
            for (int i = 0; i < zones.Count; i++)
            {
                id.Value = zones[i].Id;
                using var rows = sets.ExecuteReader();
                var list = new List<string>();
                while (rows.Read())
                    list.Add(rows.GetString(0));
                zones[i] = zones[i] with { RecordSets = list };
            }
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

    /// <summary>
    /// Inserts or replaces a zone's document, writes the record sets given (key to JSON) and deletes the
    /// keys given, and records the change, in one transaction: a batch costs its own sets, not the zone's.
    /// <paramref name="alsoInTransaction"/> writes rows that must commit with the zone (a traffic policy instance).
    /// </summary>
    public void SaveZone(StoredZone zone, ApiChange? change, IEnumerable<KeyValuePair<string, string>>? upsertSets = null, IEnumerable<string>? deleteSets = null, Action<SqliteTransaction>? alsoInTransaction = null)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            if (deleteSets is not null)
            {
                using var delete = _db.CreateCommand();
                delete.Transaction = tx;
                delete.CommandText = "DELETE FROM record_sets WHERE zone_id = $zone AND key = $key";
                delete.Parameters.AddWithValue("$zone", zone.Id);
                var key = delete.Parameters.Add("$key", SqliteType.Text);
                foreach (string k in deleteSets)
                {
                    key.Value = k;
                    delete.ExecuteNonQuery();
                }
            }
            if (upsertSets is not null)
            {
                using var upsert = _db.CreateCommand();
                upsert.Transaction = tx;
                upsert.CommandText = "INSERT INTO record_sets (zone_id, key, document) VALUES ($zone, $key, $doc) ON CONFLICT(zone_id, key) DO UPDATE SET document = excluded.document";
                upsert.Parameters.AddWithValue("$zone", zone.Id);
                var key = upsert.Parameters.Add("$key", SqliteType.Text);
                var doc = upsert.Parameters.Add("$doc", SqliteType.Text);
                foreach (var (k, d) in upsertSets)
                {
                    key.Value = k;
                    doc.Value = d;
                    upsert.ExecuteNonQuery();
                }
            }
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
            if (change is not null)
                InsertChange(tx, change);
            alsoInTransaction?.Invoke(tx);
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
                command.CommandText = "DELETE FROM zones WHERE id = $id; DELETE FROM record_sets WHERE zone_id = $id;";
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

    public IReadOnlyList<StoredCidrCollection> CidrCollections()
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT id, name, caller_reference, version, document FROM cidr_collections ORDER BY id";
            using var reader = command.ExecuteReader();
            var collections = new List<StoredCidrCollection>();
            while (reader.Read())
                collections.Add(new StoredCidrCollection(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4)));
            return collections;
        }
    }

    /// <summary>Inserts or replaces a CIDR collection (zones that use it keep only its id, so none are written).</summary>
    public void SaveCidrCollection(StoredCidrCollection collection)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "INSERT INTO cidr_collections (id, name, caller_reference, version, document) VALUES ($id, $name, $ref, $version, $doc) "
                + "ON CONFLICT(id) DO UPDATE SET version = excluded.version, document = excluded.document";
            command.Parameters.AddWithValue("$id", collection.Id);
            command.Parameters.AddWithValue("$name", collection.Name);
            command.Parameters.AddWithValue("$ref", collection.CallerReference);
            command.Parameters.AddWithValue("$version", collection.Version);
            command.Parameters.AddWithValue("$doc", collection.Document);
            command.ExecuteNonQuery();
        }
    }

    public void DeleteCidrCollection(string id)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "DELETE FROM cidr_collections WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The tags of one resource, by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags(string resourceType, string resourceId)
    {
        lock (_lock)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT key, value FROM tags WHERE resource_type = $type AND resource_id = $id ORDER BY key";
            command.Parameters.AddWithValue("$type", resourceType);
            command.Parameters.AddWithValue("$id", resourceId);
            using var reader = command.ExecuteReader();
            var tags = new List<KeyValuePair<string, string>>();
            while (reader.Read())
                tags.Add(new(reader.GetString(0), reader.GetString(1)));
            return tags;
        }
    }

    /// <summary>Adds or replaces and removes tags of one resource in one transaction.</summary>
    public void ChangeTags(string resourceType, string resourceId, IEnumerable<KeyValuePair<string, string>> add, IEnumerable<string> remove)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            foreach (string key in remove)
            {
                using var command = _db.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "DELETE FROM tags WHERE resource_type = $type AND resource_id = $id AND key = $key";
                command.Parameters.AddWithValue("$type", resourceType);
                command.Parameters.AddWithValue("$id", resourceId);
                command.Parameters.AddWithValue("$key", key);
                command.ExecuteNonQuery();
            }
            foreach (var (key, value) in add)
            {
                using var command = _db.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "INSERT INTO tags (resource_type, resource_id, key, value) VALUES ($type, $id, $key, $value) "
                    + "ON CONFLICT(resource_type, resource_id, key) DO UPDATE SET value = excluded.value";
                command.Parameters.AddWithValue("$type", resourceType);
                command.Parameters.AddWithValue("$id", resourceId);
                command.Parameters.AddWithValue("$key", key);
                command.Parameters.AddWithValue("$value", value);
                command.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>Forgets the tags of a deleted resource.</summary>
    public void DeleteTags(string resourceType, string resourceId) => ChangeTags(resourceType, resourceId, [], Tags(resourceType, resourceId).Select(t => t.Key).ToList());

    public void Dispose() => _db.Dispose();
}
