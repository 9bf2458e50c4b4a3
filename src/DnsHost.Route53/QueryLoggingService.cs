using System.Text.RegularExpressions;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;

namespace DnsHost.Route53;

/// <summary>
/// CreateQueryLoggingConfig and friends: one configuration per hosted zone, kept in the API store,
/// published to <see cref="QueryLogTargets"/> so the DNS side logs that zone's queries. The log group
/// ARN is taken as a name (no CloudWatch here): its lines go to a local file named after it.
/// </summary>
public sealed partial class QueryLoggingService
{
    private readonly ApiStore _store;
    private readonly HostedZoneService _zones;
    private readonly QueryLogTargets _targets;
    private readonly Lock _write = new();

    public QueryLoggingService(ApiStore store, HostedZoneService zones, QueryLogTargets targets)
    {
        _store = store;
        _zones = zones;
        _targets = targets;
        Publish();
    }

    // arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/example.com[:*]
    [GeneratedRegex(@"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([\w./#-]{1,512}?)(:\*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LogGroupArn();

    /// <summary>The log group name in an ARN, or null when it is not a CloudWatch Logs log group ARN.</summary>
    public static string? LogGroupName(string arn) => LogGroupArn().Match(arn) is { Success: true } m ? m.Groups[3].Value : null;

    public StoredQueryLoggingConfig Create(string hostedZoneId, string logGroupArn)
    {
        hostedZoneId = Strip(hostedZoneId, "/hostedzone/");
        var match = LogGroupArn().Match(logGroupArn);
        if (!match.Success)
            throw new Route53Exception("InvalidInput", $"The ARN for the CloudWatch Logs log group is invalid: {logGroupArn}");
        // Route 53 publishes query logs only to log groups in US East (N. Virginia).
        if (match.Groups[1].Value != "us-east-1")
            throw new Route53Exception("InvalidInput", "The CloudWatch Logs log group must be in the us-east-1 Region");
        var zone = _zones.Get(hostedZoneId);
        if (zone.IsPrivate)
            throw new Route53Exception("InvalidInput", "Query logging is available only for public hosted zones");
        if (_zones.ZoneOf(hostedZoneId).HostedZone is null)
            throw new Route53Exception("InvalidInput", $"Hosted zone {zone.Name} ({hostedZoneId}) comes from a master file; query logging is for API hosted zones and zones/*.json");
        lock (_write)
        {
            if (_store.QueryLoggingConfigs().Any(c => c.HostedZoneId == hostedZoneId))
                throw new Route53Exception("QueryLoggingConfigAlreadyExists", $"A query logging configuration already exists for hosted zone {hostedZoneId}", 409);
            var config = new StoredQueryLoggingConfig(Guid.NewGuid().ToString(), hostedZoneId, logGroupArn);
            _store.SaveQueryLoggingConfig(config);
            Publish();
            return config;
        }
    }

    public StoredQueryLoggingConfig Get(string id) =>
        _store.QueryLoggingConfigs().FirstOrDefault(c => c.Id == id) ?? throw NoSuchConfig(id);

    /// <summary>Every configuration, or one zone's (which must exist).</summary>
    public IReadOnlyList<StoredQueryLoggingConfig> List(string? hostedZoneId)
    {
        var all = _store.QueryLoggingConfigs();
        if (hostedZoneId is null)
            return all;
        hostedZoneId = Strip(hostedZoneId, "/hostedzone/");
        _zones.Get(hostedZoneId);
        return all.Where(c => c.HostedZoneId == hostedZoneId).ToList();
    }

    public void Delete(string id)
    {
        lock (_write)
        {
            Get(id);
            _store.DeleteQueryLoggingConfig(id);
            Publish();
        }
    }

    private void Publish() =>
        _targets.Set(_store.QueryLoggingConfigs().Select(c => KeyValuePair.Create(c.HostedZoneId, LogGroupName(c.LogGroupArn) ?? c.LogGroupArn)));

    private static Route53Exception NoSuchConfig(string id) =>
        new("NoSuchQueryLoggingConfig", $"There is no DNS query logging configuration with the ID {id}", 404);

    private static string Strip(string id, string prefix) => id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id;
}
