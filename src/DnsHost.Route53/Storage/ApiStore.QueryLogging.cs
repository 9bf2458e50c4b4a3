namespace DnsHost.Route53.Storage;

/// <summary>A Route 53 query logging configuration: which hosted zone logs to which CloudWatch Logs log group.</summary>
public sealed record StoredQueryLoggingConfig(string Id, string HostedZoneId, string LogGroupArn);

public sealed partial class ApiStore
{
    private bool _queryLoggingTable;

    private void EnsureQueryLoggingTable()
    {
        if (_queryLoggingTable)
            return;
        CreateTables("""
            CREATE TABLE IF NOT EXISTS query_logging_configs (
                ROWID_COLUMN
                id TEXT PRIMARY KEY,
                hosted_zone_id TEXT NOT NULL UNIQUE,
                log_group_arn TEXT NOT NULL);
            """);
        _queryLoggingTable = true;
    }

    /// <summary>Query logging configurations in creation order.</summary>
    public IReadOnlyList<StoredQueryLoggingConfig> QueryLoggingConfigs()
    {
        lock (_lock)
        {
            EnsureQueryLoggingTable();
            using var command = NewCommand();
            command.CommandText = "SELECT id, hosted_zone_id, log_group_arn FROM query_logging_configs ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var configs = new List<StoredQueryLoggingConfig>();
            while (reader.Read())
                configs.Add(new StoredQueryLoggingConfig(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            return configs;
        }
    }

    public void SaveQueryLoggingConfig(StoredQueryLoggingConfig config)
    {
        lock (_lock)
        {
            EnsureQueryLoggingTable();
            using var command = NewCommand();
            command.CommandText = "INSERT INTO query_logging_configs (id, hosted_zone_id, log_group_arn) VALUES (@id, @zone, @arn)";
            Parameter(command, "@id", config.Id);
            Parameter(command, "@zone", config.HostedZoneId);
            Parameter(command, "@arn", config.LogGroupArn);
            command.ExecuteNonQuery();
        }
    }

    public void DeleteQueryLoggingConfig(string id)
    {
        lock (_lock)
        {
            EnsureQueryLoggingTable();
            using var command = NewCommand();
            command.CommandText = "DELETE FROM query_logging_configs WHERE id = @id";
            Parameter(command, "@id", id);
            command.ExecuteNonQuery();
        }
    }
}
