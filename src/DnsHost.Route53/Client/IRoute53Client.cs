using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53.Client;

/// <summary>A hosted zone as ListHostedZones and GetHostedZone give it. <see cref="Id"/> has no "/hostedzone/" prefix.</summary>
public sealed record HostedZoneSummary(string Id, string Name, string CallerReference, string? Comment, bool IsPrivate, long RecordSetCount);

/// <summary>A health check as Route 53 returns it. <see cref="Id"/> is bare.</summary>
public sealed record HealthCheckRecord(string Id, string CallerReference, long Version, HealthCheckConfigJson Config);

/// <summary>One change of a ChangeResourceRecordSets batch.</summary>
public sealed record RecordSetChange(string Action, ResourceRecordSetJson Set);

/// <summary>What a client has done, for the sync job's summary.</summary>
public sealed class ClientCounters
{
    private long _calls, _retries;
    /// <summary>HTTP requests sent, retries included.</summary>
    public long Calls => Interlocked.Read(ref _calls);
    /// <summary>Requests sent again after Throttling, PriorRequestNotComplete, a 5xx or a connection error.</summary>
    public long Retries => Interlocked.Read(ref _retries);
    public void CountCall() => Interlocked.Increment(ref _calls);
    public void CountRetry() => Interlocked.Increment(ref _retries);
}

/// <summary>
/// The Route 53 operations the sync job needs, shaped like the API so AWSSDK.Route53 could stand in.
/// Every list method follows the pagination to the end. Errors are <see cref="Route53ClientException"/>
/// with Route 53's error code, after the retry budget is spent for retryable ones.
/// </summary>
public interface IRoute53Client
{
    ClientCounters Counters { get; }

    Task<IReadOnlyList<HostedZoneSummary>> ListHostedZonesAsync(CancellationToken cancellationToken = default);
    Task<(HostedZoneSummary Zone, IReadOnlyList<VpcAssociation> Vpcs)> GetHostedZoneAsync(string id, CancellationToken cancellationToken = default);
    /// <summary>Creates a zone; returns it and the change id.</summary>
    Task<(HostedZoneSummary Zone, string ChangeId)> CreateHostedZoneAsync(string name, string callerReference, string? comment, VpcAssociation? privateVpc, CancellationToken cancellationToken = default);
    /// <summary>AssociateVPCWithHostedZone; returns the change id.</summary>
    Task<string> AssociateVpcWithHostedZoneAsync(string zoneId, VpcAssociation vpc, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<ResourceRecordSetJson>> ListResourceRecordSetsAsync(string zoneId, CancellationToken cancellationToken = default);
    /// <summary>Returns the change id.</summary>
    Task<string> ChangeResourceRecordSetsAsync(string zoneId, string? comment, IReadOnlyList<RecordSetChange> changes, CancellationToken cancellationToken = default);
    /// <summary>PENDING or INSYNC.</summary>
    Task<string> GetChangeAsync(string changeId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<HealthCheckRecord>> ListHealthChecksAsync(CancellationToken cancellationToken = default);
    Task<HealthCheckRecord> CreateHealthCheckAsync(string callerReference, HealthCheckConfigJson config, CancellationToken cancellationToken = default);
    /// <summary>UpdateHealthCheck with the version the caller last saw; only the fields Route 53 lets an update change are sent.</summary>
    Task<HealthCheckRecord> UpdateHealthCheckAsync(string id, long version, HealthCheckConfigJson config, CancellationToken cancellationToken = default);
    Task DeleteHealthCheckAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>resourceType is "hostedzone" or "healthcheck".</summary>
    Task<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceType, string id, CancellationToken cancellationToken = default);
    Task ChangeTagsForResourceAsync(string resourceType, string id, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove, CancellationToken cancellationToken = default);
}

/// <summary>An error answer from Route 53 (or a DnsHost), with its code, after retries.</summary>
public sealed class Route53ClientException : Exception
{
    public Route53ClientException(string code, string message, int status) : this(code, message, status, null) { }

    /// <summary>With the exception behind it: for a connection that failed or timed out, <paramref name="status"/> is 0.</summary>
    public Route53ClientException(string code, string message, int status, Exception? inner) : base($"{code}: {message}", inner)
    {
        Code = code;
        Status = status;
    }

    public string Code { get; }
    public int Status { get; }
}
