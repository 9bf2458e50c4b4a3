namespace DnsHost.Route53.Storage;

/// <summary>A reusable delegation set created through the API: its name servers as JSON (a string array).</summary>
public sealed record StoredDelegationSet(string Id, string CallerReference, string NameServers);

public sealed partial class ApiStore
{
    /// <summary>Reusable delegation sets in creation order.</summary>
    public IReadOnlyList<StoredDelegationSet> DelegationSets()
    {
        lock (_lock)
        {
            using var command = NewCommand();
            command.CommandText = "SELECT id, caller_reference, document FROM delegation_sets ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var sets = new List<StoredDelegationSet>();
            while (reader.Read())
                sets.Add(new StoredDelegationSet(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            return sets;
        }
    }

    /// <summary>Stores a new set and marks its caller reference used, in one transaction.</summary>
    public void SaveDelegationSet(StoredDelegationSet set)
    {
        lock (_lock)
        {
            using var tx = Begin();
            using var command = NewCommand();
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO delegation_sets (id, caller_reference, document) VALUES (@id, @ref, @doc);
                INSERT INTO used_caller_references (caller_reference, kind) VALUES ('delegationset:' || @ref, 'delegationset') ON CONFLICT DO NOTHING;
                """;
            Parameter(command, "@id", set.Id);
            Parameter(command, "@ref", set.CallerReference);
            Parameter(command, "@doc", set.NameServers);
            command.ExecuteNonQuery();
            tx.Commit();
        }
    }

    public void DeleteDelegationSet(string id)
    {
        lock (_lock)
        {
            using var command = NewCommand();
            command.CommandText = "DELETE FROM delegation_sets WHERE id = @id";
            Parameter(command, "@id", id);
            command.ExecuteNonQuery();
        }
    }
}
