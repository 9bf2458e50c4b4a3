namespace DnsHost.Zones;

/// <summary>
/// Which hosted zones have a Route 53 query logging configuration, and the CloudWatch Logs log group
/// each one logs to. The API writes it; the query path reads the current snapshot once per query.
/// </summary>
public sealed class QueryLogTargets
{
    private volatile IReadOnlyDictionary<string, string> _byZoneId = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Hosted zone id (without "/hostedzone/") to log group name.</summary>
    public IReadOnlyDictionary<string, string> Current => _byZoneId;

    /// <summary>Raised after every change, with the new snapshot.</summary>
    public event Action<IReadOnlyDictionary<string, string>>? Changed;

    public void Set(IEnumerable<KeyValuePair<string, string>> zoneToLogGroup)
    {
        var snapshot = new Dictionary<string, string>(zoneToLogGroup, StringComparer.Ordinal);
        _byZoneId = snapshot;
        Changed?.Invoke(snapshot);
    }
}
