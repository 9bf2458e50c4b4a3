namespace DnsHost.Route53.Storage;

/// <summary>A hosted zone's DNSSEC state (signing status, ZSK, KSKs with their sealed private keys) as one JSON document.</summary>
public sealed record StoredDnssec(string ZoneId, string Document);

public sealed partial class ApiStore
{
    private bool _dnssecTable;

    /// <summary>The table is made on first use, so a store from before DNSSEC needs no upgrade step.</summary>
    private void EnsureDnssecTable()
    {
        if (_dnssecTable)
            return;
        CreateTables("CREATE TABLE IF NOT EXISTS dnssec (ROWID_COLUMN zone_id TEXT PRIMARY KEY, document TEXT NOT NULL);");
        _dnssecTable = true;
    }

    public IReadOnlyList<StoredDnssec> DnssecStates()
    {
        lock (_lock)
        {
            EnsureDnssecTable();
            using var command = NewCommand();
            command.CommandText = "SELECT zone_id, document FROM dnssec ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var states = new List<StoredDnssec>();
            while (reader.Read())
                states.Add(new StoredDnssec(reader.GetString(0), reader.GetString(1)));
            return states;
        }
    }

    /// <summary>Writes a zone's DNSSEC document (null deletes it) and records the change, in one transaction.</summary>
    public void SaveDnssec(string zoneId, string? document, ApiChange change)
    {
        lock (_lock)
        {
            EnsureDnssecTable();
            using var tx = Begin();
            using (var command = NewCommand())
            {
                command.Transaction = tx;
                command.CommandText = document is null
                    ? "DELETE FROM dnssec WHERE zone_id = @id"
                    : "INSERT INTO dnssec (zone_id, document) VALUES (@id, @doc) ON CONFLICT(zone_id) DO UPDATE SET document = excluded.document";
                Parameter(command, "@id", zoneId);
                if (document is not null)
                    Parameter(command, "@doc", document);
                command.ExecuteNonQuery();
            }
            InsertChange(tx, change);
            tx.Commit();
        }
    }
}
