using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>
/// Several nodes on one PostgreSQL store (issue 23). Every write carries the version of the zone this
/// node holds; when another node wrote in between, the store refuses it, the zone is read again and the
/// request runs once more against it (so a CREATE of a set the other node made fails as it should, and
/// nothing is lost). The other nodes' changes arrive through the change log (<see cref="ApplyLogged"/>).
/// </summary>
public sealed partial class HostedZoneService
{
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private long _servedSequence;

    /// <summary>The change log's end when this node read the store: changes after it are applied by the follower.</summary>
    public long LoadedSequence { get; private set; }

    /// <summary>The change log sequence this node serves everything up to (moved by the follower).</summary>
    public long ServedSequence
    {
        get => Interlocked.Read(ref _servedSequence);
        set => Interlocked.Exchange(ref _servedSequence, value);
    }

    /// <summary>A node that has not reported for this long is not waited for by GetChange (Cluster:NodeTimeoutSeconds).</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Writes a zone with the version this node holds and keeps the new one.</summary>
    private void Save(string id, HostedZoneDocument document, ApiChange? change,
        IEnumerable<KeyValuePair<string, string>>? upsertSets = null, IEnumerable<string>? deleteSets = null) =>
        _versions[id] = _store.SaveZone(Meta(id, document), change, upsertSets, deleteSets, _versions.GetValueOrDefault(id));

    /// <summary>
    /// Runs a write of zone <paramref name="id"/>; when another node changed the zone first, reads it again
    /// and runs the write once more. Two conflicts in a row answer Route 53's PriorRequestNotComplete,
    /// which clients retry.
    /// </summary>
    private T Retrying<T>(string id, Func<T> write)
    {
        lock (_write)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return write();
                }
                catch (ApiStoreConflictException) when (attempt == 0)
                {
                    Reload(id);
                }
                catch (ApiStoreConflictException)
                {
                    Reload(id);
                    throw new Route53Exception("PriorRequestNotComplete",
                        $"The request was rejected because Route 53 was still processing a prior request: hosted zone {id} is being changed through another node. Try again.", 400);
                }
            }
        }
    }

    /// <summary>Serves zone <paramref name="id"/> as the store has it now: changed, new, or gone.</summary>
    public void Reload(string id)
    {
        lock (_write)
        {
            var stored = _store.Zone(id);
            if (stored is null)
            {
                if (_zones.Remove(id, out var gone))
                    _registry.Update(c => c.Without(gone.Zone));
                _versions.Remove(id);
                return;
            }
            try
            {
                Restore(stored.Value.Zone);
                _versions[id] = stored.Value.Version;
            }
            catch (Exception e) when (IsBadRow(e))
            {
                _store.ReportBadRow("zones", id, e);
            }
        }
    }

    /// <summary>Serves every API zone as the store has it now (a store restored from a backup, a change log that went backwards).</summary>
    public void ReloadAll()
    {
        lock (_write)
        {
            foreach (string id in _store.ZoneVersions().Keys.Union(_zones.Keys).ToList())
                Reload(id);
        }
    }

    /// <summary>Applies one change-log entry unless this node already holds that version (its own write, or a later reload).</summary>
    /// <returns>Whether the zone was read again.</returns>
    public bool ApplyLogged(LoggedChange change)
    {
        lock (_write)
        {
            bool held = _versions.TryGetValue(change.ZoneId, out long version);
            if (change.Version == 0 ? !held && !_zones.ContainsKey(change.ZoneId) : held && version >= change.Version)
                return false;
            Reload(change.ZoneId);
            return true;
        }
    }

    /// <summary>
    /// GetChange's status with several nodes: INSYNC once every node that reported within
    /// <see cref="NodeTimeout"/> serves the change (as Route 53's "propagated to all authoritative
    /// servers"); PENDING before. Null when the change is not in the log (a SQLite store, or a change before it).
    /// </summary>
    private string? ClusterStatus(string changeId)
    {
        if (_store.SequenceOf(changeId) is not { } sequence)
            return null;
        var now = Time.GetUtcNow();
        var live = _store.Nodes().Where(n => now - n.SeenAt <= NodeTimeout).ToList();
        bool everywhere = live.Count == 0 ? ServedSequence >= sequence : live.All(n => n.Sequence >= sequence);
        return everywhere ? "INSYNC" : "PENDING";
    }
}
