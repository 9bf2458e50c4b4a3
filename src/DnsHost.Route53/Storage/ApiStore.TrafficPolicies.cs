using System.Data.Common;

namespace DnsHost.Route53.Storage;

/// <summary>One version of a traffic policy: its document as sent (JSON text) and its comment.</summary>
public sealed record StoredTrafficPolicy(string Id, int Version, string Name, string Type, string Document, string? Comment);

/// <summary>A traffic policy instance: the record set it created (hosted zone, name, type) and the policy version it follows.</summary>
public sealed record StoredTrafficPolicyInstance(string Id, string HostedZoneId, string Name, string Type, long Ttl, string PolicyId, int PolicyVersion);

public sealed partial class ApiStore
{
    private bool _trafficPolicyTables;

    /// <summary>Creates the tables on first use (outside any transaction: SQLite's DDL would need the transaction's command).</summary>
    private void EnsureTrafficPolicyTables()
    {
        if (_trafficPolicyTables)
            return;
        CreateTables("""
            CREATE TABLE IF NOT EXISTS traffic_policies (
                id TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                document TEXT NOT NULL,
                comment TEXT,
                PRIMARY KEY (id, version));
            CREATE TABLE IF NOT EXISTS traffic_policy_instances (
                ROWID_COLUMN
                id TEXT PRIMARY KEY,
                hosted_zone_id TEXT NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                ttl INTEGER NOT NULL,
                policy_id TEXT NOT NULL,
                policy_version INTEGER NOT NULL);
            """);
        _trafficPolicyTables = true;
    }

    /// <summary>Every version of every traffic policy, by id then version.</summary>
    public IReadOnlyList<StoredTrafficPolicy> TrafficPolicies()
    {
        lock (_lock)
        {
            EnsureTrafficPolicyTables();
            using var command = NewCommand();
            command.CommandText = "SELECT id, version, name, type, document, comment FROM traffic_policies ORDER BY id, version";
            using var reader = command.ExecuteReader();
            var policies = new List<StoredTrafficPolicy>();
            while (reader.Read())
                policies.Add(new StoredTrafficPolicy(reader.GetString(0), checked((int)reader.GetInt64(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            return policies;
        }
    }

    /// <summary>Inserts a version, or replaces its comment when it exists.</summary>
    public void SaveTrafficPolicy(StoredTrafficPolicy policy)
    {
        lock (_lock)
        {
            EnsureTrafficPolicyTables();
            using var command = NewCommand();
            command.CommandText = "INSERT INTO traffic_policies (id, version, name, type, document, comment) VALUES (@id, @version, @name, @type, @doc, @comment) "
                + "ON CONFLICT(id, version) DO UPDATE SET comment = excluded.comment";
            Parameter(command, "@id", policy.Id);
            Parameter(command, "@version", policy.Version);
            Parameter(command, "@name", policy.Name);
            Parameter(command, "@type", policy.Type);
            Parameter(command, "@doc", policy.Document);
            Parameter(command, "@comment", policy.Comment);
            command.ExecuteNonQuery();
        }
    }

    public void DeleteTrafficPolicy(string id, int version)
    {
        lock (_lock)
        {
            EnsureTrafficPolicyTables();
            using var command = NewCommand();
            command.CommandText = "DELETE FROM traffic_policies WHERE id = @id AND version = @version";
            Parameter(command, "@id", id);
            Parameter(command, "@version", version);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Traffic policy instances in creation order.</summary>
    public IReadOnlyList<StoredTrafficPolicyInstance> TrafficPolicyInstances()
    {
        lock (_lock)
        {
            EnsureTrafficPolicyTables();
            using var command = NewCommand();
            command.CommandText = "SELECT id, hosted_zone_id, name, type, ttl, policy_id, policy_version FROM traffic_policy_instances ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var instances = new List<StoredTrafficPolicyInstance>();
            while (reader.Read())
                instances.Add(new StoredTrafficPolicyInstance(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5), checked((int)reader.GetInt64(6))));
            return instances;
        }
    }

    /// <summary>
    /// What <see cref="SaveZone"/> runs in its transaction to write (or, with <paramref name="deleteId"/>, remove) an
    /// instance, so the instance and the record set it created are on disk together or not at all.
    /// </summary>
    public Action<DbTransaction> TrafficPolicyInstanceWrite(StoredTrafficPolicyInstance? save, string? deleteId = null)
    {
        lock (_lock)
            EnsureTrafficPolicyTables();
        return tx =>
        {
            using var command = NewCommand();
            command.Transaction = tx;
            if (save is null)
            {
                command.CommandText = "DELETE FROM traffic_policy_instances WHERE id = @id";
                Parameter(command, "@id", deleteId);
            }
            else
            {
                command.CommandText = "INSERT INTO traffic_policy_instances (id, hosted_zone_id, name, type, ttl, policy_id, policy_version) VALUES (@id, @zone, @name, @type, @ttl, @policy, @version) "
                    + "ON CONFLICT(id) DO UPDATE SET ttl = excluded.ttl, policy_id = excluded.policy_id, policy_version = excluded.policy_version";
                Parameter(command, "@id", save.Id);
                Parameter(command, "@zone", save.HostedZoneId);
                Parameter(command, "@name", save.Name);
                Parameter(command, "@type", save.Type);
                Parameter(command, "@ttl", save.Ttl);
                Parameter(command, "@policy", save.PolicyId);
                Parameter(command, "@version", save.PolicyVersion);
            }
            command.ExecuteNonQuery();
        };
    }
}
