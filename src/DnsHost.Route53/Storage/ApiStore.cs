using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

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

/// <summary>Which database keeps the API's state (<c>Api:Store</c>).</summary>
public enum ApiStoreKind
{
    /// <summary>A SQLite file (<c>Api:DataPath</c>): the embedded default for one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<c>Api:ConnectionString</c>), shared by several nodes.</summary>
    PostgreSql,
}

/// <summary>The store cannot be opened or reached; the message is one line that names the store.</summary>
public sealed class ApiStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The API's durable state, in SQLite (Microsoft.Data.Sqlite, one node) or PostgreSQL (Npgsql, several
/// nodes). Every write is one transaction: with SQLite synchronous=FULL in WAL mode, with PostgreSQL a
/// committed transaction; when a method returns, the change is durable. The SQL is written once for both:
/// <c>@name</c> parameters, <c>ON CONFLICT</c> upserts, and a <c>rowid</c> column that PostgreSQL gets as a
/// BIGSERIAL (<see cref="CreateTables"/>), so creation order reads the same on both.
/// </summary>
public sealed partial class ApiStore : IDisposable
{
    private DbConnection _db;
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _badRows = new();

    public ApiStoreKind Kind { get; }

    /// <summary>Where the state is, for messages: the SQLite file, or PostgreSQL's host, port and database (never the password).</summary>
    public string Description { get; }

    /// <summary>
    /// Rows that could not be read back at start (issue 16: one bad row stopped the server with exit 134);
    /// each was skipped and the rest is served. The HTTP endpoint logs them at start.
    /// </summary>
    public IReadOnlyCollection<string> BadRows => _badRows;

    public void ReportBadRow(string table, string key, Exception problem) =>
        _badRows.Enqueue($"{Description}: {table} row {key} cannot be read ({problem.GetType().Name}: {problem.Message.Split('\n')[0].Trim()}); it is skipped and the rest is served");

    /// <summary>A SQLite store in the file <paramref name="path"/> (made, with its folder, when missing).</summary>
    public ApiStore(string path) : this(ApiStoreKind.Sqlite, OpenSqlite(path), path)
    {
    }

    private ApiStore(ApiStoreKind kind, DbConnection db, string description, string? connectionString = null, bool onSnapshot = false)
    {
        Kind = kind;
        _db = db;
        Description = description;
        _connectionString = connectionString;
        _onSnapshot = onSnapshot;
        if (onSnapshot)
            return;
        if (kind == ApiStoreKind.Sqlite)
            Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        CreateTables("""
            CREATE TABLE IF NOT EXISTS zones (
                ROWID_COLUMN
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                caller_reference TEXT NOT NULL UNIQUE,
                document TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS record_sets (
                ROWID_COLUMN
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
                ROWID_COLUMN
                id TEXT PRIMARY KEY,
                caller_reference TEXT NOT NULL UNIQUE,
                document TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS changes (
                id TEXT PRIMARY KEY,
                submitted_at INTEGER NOT NULL,
                comment TEXT);
            """);
        EnsureClusterTables();
    }

    /// <summary>Opens the store of <paramref name="kind"/>: <paramref name="target"/> is the SQLite file or the PostgreSQL connection string.</summary>
    /// <exception cref="ApiStoreException">The store cannot be opened or reached.</exception>
    public static ApiStore Open(ApiStoreKind kind, string target)
    {
        if (kind == ApiStoreKind.Sqlite)
        {
            try
            {
                return new ApiStore(target);
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new ApiStoreException($"the SQLite store {target} cannot be opened: {OneLine(e)}", e);
            }
        }
        NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new NpgsqlConnectionStringBuilder(target);
        }
        catch (ArgumentException e)
        {
            throw new ApiStoreException($"Api:ConnectionString is not a PostgreSQL connection string: {OneLine(e)}", e);
        }
        string description = PostgreSqlDescription(settings);
        var db = new NpgsqlConnection(target);
        try
        {
            db.Open();
            return new ApiStore(ApiStoreKind.PostgreSql, db, description, target);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException or System.Net.Sockets.SocketException or TimeoutException)
        {
            db.Dispose();
            throw new ApiStoreException($"{description} cannot be reached: {OneLine(e)}", e);
        }
    }

    private static string PostgreSqlDescription(NpgsqlConnectionStringBuilder settings) =>
        $"the PostgreSQL store at {settings.Host}:{settings.Port}, database '{settings.Database ?? settings.Username}'";

    private static string OneLine(Exception e) => e.Message.Split('\n')[0].Trim();

    private static SqliteConnection OpenSqlite(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    /// <summary>
    /// Creates tables written for both databases: ROWID_COLUMN is SQLite's implicit rowid or a PostgreSQL
    /// BIGSERIAL, SEQUENCE_KEY an increasing integer key, and INTEGER is 64 bits on both. Several nodes may
    /// start on one PostgreSQL database at once; an advisory lock keeps their CREATE TABLEs apart.
    /// </summary>
    private void CreateTables(string ddl)
    {
        lock (_lock)
        {
            // A local snapshot is read-only: it was made with every table.
            if (_onSnapshot)
                return;
            EnsureOpen();
            if (Kind == ApiStoreKind.Sqlite)
            {
                Execute(ddl.Replace("ROWID_COLUMN", "").Replace("SEQUENCE_KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"));
                return;
            }
            using var tx = Begin();
            using (var lockCommand = Command("SELECT pg_advisory_xact_lock(5301)", tx))
                lockCommand.ExecuteNonQuery();
            using (var create = Command(ddl.Replace("ROWID_COLUMN", "rowid BIGSERIAL,").Replace("SEQUENCE_KEY", "BIGSERIAL PRIMARY KEY").Replace("INTEGER", "BIGINT"), tx))
                create.ExecuteNonQuery();
            tx.Commit();
        }
    }

    /// <summary>A PostgreSQL connection that the server closed (restart, failover) is opened again before the next statement.</summary>
    private void EnsureOpen()
    {
        if (_db.State == System.Data.ConnectionState.Open)
            return;
        try
        {
            _db.Close();
            _db.Open();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new ApiStoreException($"{Description} cannot be reached: {OneLine(e)}", e);
        }
    }

    private DbCommand Command(string sql, DbTransaction? tx = null)
    {
        if (_onSnapshot && IsWrite(sql))
            throw new ApiStoreException($"{Description} cannot be reached; this node answers from its local snapshot (change {SnapshotSequence}) and takes no changes until the store is back");
        EnsureOpen();
        var command = NewCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    private DbCommand NewCommand()
    {
        EnsureOpen();
        return _db.CreateCommand();
    }

    private DbTransaction Begin()
    {
        EnsureOpen();
        return _db.BeginTransaction();
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private static DbParameter Parameter(DbCommand command, string name, object? value = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public IReadOnlyList<StoredZone> Zones()
    {
        lock (_lock)
        {
            using var command = NewCommand();
            // Creation order (an update keeps the rowid): of two public zones with one name, the first is served.
            command.CommandText = "SELECT id, name, caller_reference, document FROM zones ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var zones = new List<StoredZone>();
            while (reader.Read())
                zones.Add(new StoredZone(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            reader.Close();
            using var sets = NewCommand();
            sets.CommandText = "SELECT document FROM record_sets WHERE zone_id = @id ORDER BY rowid";
            var id = Parameter(sets, "@id");
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
            using var command = NewCommand();
            command.CommandText = "SELECT 1 FROM used_caller_references WHERE caller_reference = @r";
            Parameter(command, "@r", callerReference);
            return command.ExecuteScalar() is not null;
        }
    }

    /// <summary>
    /// Inserts or replaces a zone's document, writes the record sets given (key to JSON) and deletes the
    /// keys given, and records the change, in one transaction: a batch costs its own sets, not the zone's.
    /// <paramref name="alsoInTransaction"/> writes rows that must commit with the zone (a traffic policy instance).
    /// </summary>
    /// <param name="expectedVersion">The version the caller's copy is at (see <see cref="NextVersion"/>); null for none.</param>
    /// <returns>The zone's new version.</returns>
    /// <exception cref="ApiStoreConflictException">Another node changed the zone since <paramref name="expectedVersion"/>; nothing is written.</exception>
    public long SaveZone(StoredZone zone, ApiChange? change, IEnumerable<KeyValuePair<string, string>>? upsertSets = null, IEnumerable<string>? deleteSets = null,
        long? expectedVersion = null, Action<DbTransaction>? alsoInTransaction = null)
    {
        lock (_lock)
        {
            using var tx = Begin();
            long version = NextVersion(tx, zone.Id, expectedVersion);
            if (deleteSets is not null)
            {
                using var delete = NewCommand();
                delete.Transaction = tx;
                delete.CommandText = "DELETE FROM record_sets WHERE zone_id = @zone AND key = @key";
                Parameter(delete, "@zone", zone.Id);
                var key = Parameter(delete, "@key");
                foreach (string k in deleteSets)
                {
                    key.Value = k;
                    delete.ExecuteNonQuery();
                }
            }
            if (upsertSets is not null)
            {
                using var upsert = NewCommand();
                upsert.Transaction = tx;
                upsert.CommandText = "INSERT INTO record_sets (zone_id, key, document) VALUES (@zone, @key, @doc) ON CONFLICT(zone_id, key) DO UPDATE SET document = excluded.document";
                Parameter(upsert, "@zone", zone.Id);
                var key = Parameter(upsert, "@key");
                var doc = Parameter(upsert, "@doc");
                foreach (var (k, d) in upsertSets)
                {
                    key.Value = k;
                    doc.Value = d;
                    upsert.ExecuteNonQuery();
                }
            }
            using (var command = NewCommand())
            {
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO zones (id, name, caller_reference, document) VALUES (@id, @name, @ref, @doc)
                    ON CONFLICT(id) DO UPDATE SET document = excluded.document;
                    INSERT INTO used_caller_references (caller_reference, kind) VALUES (@ref, 'zone') ON CONFLICT DO NOTHING;
                    """;
                Parameter(command, "@id", zone.Id);
                Parameter(command, "@name", zone.Name);
                Parameter(command, "@ref", zone.CallerReference);
                Parameter(command, "@doc", zone.Document);
                command.ExecuteNonQuery();
            }
            if (change is not null)
                InsertChange(tx, change);
            alsoInTransaction?.Invoke(tx);
            LogChange(tx, zone.Id, version, change?.Id);
            tx.Commit();
            return version;
        }
    }

    /// <exception cref="ApiStoreConflictException">Another node changed the zone since <paramref name="expectedVersion"/>; nothing is deleted.</exception>
    public void DeleteZone(string id, ApiChange change, long? expectedVersion = null)
    {
        lock (_lock)
        {
            using var tx = Begin();
            NextVersion(tx, id, expectedVersion);
            using (var command = NewCommand())
            {
                command.Transaction = tx;
                command.CommandText = "DELETE FROM zones WHERE id = @id; DELETE FROM record_sets WHERE zone_id = @id;";
                Parameter(command, "@id", id);
                command.ExecuteNonQuery();
            }
            InsertChange(tx, change);
            LogChange(tx, id, 0, change.Id);
            tx.Commit();
        }
    }

    private void InsertChange(DbTransaction tx, ApiChange change)
    {
        using var command = NewCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO changes (id, submitted_at, comment) VALUES (@id, @at, @comment)";
        Parameter(command, "@id", change.Id);
        Parameter(command, "@at", change.SubmittedAt.ToUnixTimeMilliseconds());
        Parameter(command, "@comment", (object?)change.Comment ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public ApiChange? GetChange(string id)
    {
        lock (_lock)
        {
            using var command = NewCommand();
            command.CommandText = "SELECT id, submitted_at, comment FROM changes WHERE id = @id";
            Parameter(command, "@id", id);
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
            using var command = NewCommand();
            command.CommandText = "SELECT id, caller_reference, version, config FROM health_checks ORDER BY id";
            using var reader = command.ExecuteReader();
            var checks = new List<StoredHealthCheck>();
            while (reader.Read())
                checks.Add(new StoredHealthCheck(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            return checks;
        }
    }

    /// <summary>
    /// Inserts a health check or moves it to a higher version; its caller reference stays used after deletion.
    /// With PostgreSQL the write is logged and announced, so every node runs the check as it is now.
    /// </summary>
    /// <returns>False when the stored check is already at this version or later (another node updated it first): nothing is written.</returns>
    public bool SaveHealthCheck(StoredHealthCheck check)
    {
        lock (_lock)
        {
            using var tx = Begin();
            using (var command = Command("INSERT INTO health_checks (id, caller_reference, version, config) VALUES (@id, @ref, @version, @config) "
                + "ON CONFLICT(id) DO UPDATE SET version = excluded.version, config = excluded.config WHERE health_checks.version < excluded.version", tx))
            {
                Parameter(command, "@id", check.Id);
                Parameter(command, "@ref", check.CallerReference);
                Parameter(command, "@version", check.Version);
                Parameter(command, "@config", check.Config);
                if (command.ExecuteNonQuery() == 0)
                    return false;
            }
            using (var used = Command("INSERT INTO used_caller_references (caller_reference, kind) VALUES ('healthcheck:' || @ref, 'healthcheck') ON CONFLICT DO NOTHING", tx))
            {
                Parameter(used, "@ref", check.CallerReference);
                used.ExecuteNonQuery();
            }
            LogChange(tx, HealthCheckLogPrefix + check.Id, check.Version, null);
            tx.Commit();
            return true;
        }
    }

    /// <summary>Deletes a health check (with PostgreSQL also the nodes' observations and its override, logged and announced).</summary>
    public void DeleteHealthCheck(string id)
    {
        lock (_lock)
        {
            using var tx = Begin();
            using (var command = Command("DELETE FROM health_checks WHERE id = @id", tx))
            {
                Parameter(command, "@id", id);
                command.ExecuteNonQuery();
            }
            ForgetHealthCheck(tx, id);
            tx.Commit();
        }
    }

    public IReadOnlyList<StoredCidrCollection> CidrCollections()
    {
        lock (_lock)
        {
            using var command = NewCommand();
            command.CommandText = "SELECT id, name, caller_reference, version, document FROM cidr_collections ORDER BY id";
            using var reader = command.ExecuteReader();
            var collections = new List<StoredCidrCollection>();
            while (reader.Read())
                collections.Add(new StoredCidrCollection(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4)));
            return collections;
        }
    }

    /// <summary>Inserts or replaces a CIDR collection (zones that use it keep only its id, so none are written).</summary>
    /// <summary>Writes a CIDR collection; with PostgreSQL the change is logged (<see cref="CidrCollectionLogPrefix"/>) so every node applies it.</summary>
    public void SaveCidrCollection(StoredCidrCollection collection)
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var tx = Begin();
            using (var command = Command("INSERT INTO cidr_collections (id, name, caller_reference, version, document) VALUES (@id, @name, @ref, @version, @doc) "
                + "ON CONFLICT(id) DO UPDATE SET version = excluded.version, document = excluded.document", tx))
            {
                Parameter(command, "@id", collection.Id);
                Parameter(command, "@name", collection.Name);
                Parameter(command, "@ref", collection.CallerReference);
                Parameter(command, "@version", collection.Version);
                Parameter(command, "@doc", collection.Document);
                command.ExecuteNonQuery();
            }
            LogChange(tx, CidrCollectionLogPrefix + collection.Id, collection.Version, null);
            tx.Commit();
        }
    }

    public void DeleteCidrCollection(string id)
    {
        lock (_lock)
        {
            EnsureClusterTables();
            using var tx = Begin();
            using (var command = Command("DELETE FROM cidr_collections WHERE id = @id", tx))
            {
                Parameter(command, "@id", id);
                command.ExecuteNonQuery();
            }
            LogChange(tx, CidrCollectionLogPrefix + id, 0, null);
            tx.Commit();
        }
    }

    /// <summary>Change-log keys of CIDR collection writes: this prefix and the collection's id.</summary>
    public const string CidrCollectionLogPrefix = "cidrcollection/";

    /// <summary>The CIDR collection id of a change-log key, or null for another kind of key.</summary>
    public static string? CidrCollectionOfLogKey(string key) =>
        key.StartsWith(CidrCollectionLogPrefix, StringComparison.Ordinal) ? key[CidrCollectionLogPrefix.Length..] : null;

    /// <summary>One CIDR collection as stored now, or null when it is gone.</summary>
    public StoredCidrCollection? CidrCollection(string id)
    {
        lock (_lock)
        {
            using var command = Command("SELECT id, name, caller_reference, version, document FROM cidr_collections WHERE id = @id");
            Parameter(command, "@id", id);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new StoredCidrCollection(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4)) : null;
        }
    }

    /// <summary>The tags of one resource, by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags(string resourceType, string resourceId)
    {
        lock (_lock)
        {
            using var command = NewCommand();
            command.CommandText = "SELECT key, value FROM tags WHERE resource_type = @type AND resource_id = @id ORDER BY key";
            Parameter(command, "@type", resourceType);
            Parameter(command, "@id", resourceId);
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
            using var tx = Begin();
            foreach (string key in remove)
            {
                using var command = NewCommand();
                command.Transaction = tx;
                command.CommandText = "DELETE FROM tags WHERE resource_type = @type AND resource_id = @id AND key = @key";
                Parameter(command, "@type", resourceType);
                Parameter(command, "@id", resourceId);
                Parameter(command, "@key", key);
                command.ExecuteNonQuery();
            }
            foreach (var (key, value) in add)
            {
                using var command = NewCommand();
                command.Transaction = tx;
                command.CommandText = "INSERT INTO tags (resource_type, resource_id, key, value) VALUES (@type, @id, @key, @value) "
                    + "ON CONFLICT(resource_type, resource_id, key) DO UPDATE SET value = excluded.value";
                Parameter(command, "@type", resourceType);
                Parameter(command, "@id", resourceId);
                Parameter(command, "@key", key);
                Parameter(command, "@value", value);
                command.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>Forgets the tags of a deleted resource.</summary>
    public void DeleteTags(string resourceType, string resourceId) => ChangeTags(resourceType, resourceId, [], Tags(resourceType, resourceId).Select(t => t.Key).ToList());

    public void Dispose() => _db.Dispose();
}
