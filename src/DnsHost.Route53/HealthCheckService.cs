using System.Text.Json;
using DnsHost.Health;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>A health check as the API shows it.</summary>
public sealed record HealthCheckView(string Id, string CallerReference, long Version, HealthCheckConfigJson Config, bool FromFile);

/// <summary>
/// Health checks through the API (route53-behaviour.md 6.4): created, updated and deleted here, kept
/// in SQLite, and run by the same <see cref="HealthChecker"/> as the checks in zone files (source "api").
/// Checks from zone files are listed too, and are read-only here.
/// </summary>
public sealed partial class HealthCheckService
{
    public const string Source = "api";
    private readonly ApiStore _store;
    private readonly HealthChecker _checker;
    private readonly Lock _write = new();
    private readonly Dictionary<string, HealthCheckView> _checks = new(StringComparer.Ordinal);

    public HealthCheckService(ApiStore store, HealthChecker checker)
    {
        _store = store;
        _checker = checker;
        foreach (var stored in store.HealthChecks())
        {
            try
            {
                var config = JsonSerializer.Deserialize<HealthCheckConfigJson>(stored.Config) ?? throw new InvalidDataException("the row holds JSON null");
                Compile(stored.Id, config, stored.CallerReference, stored.Version);
                _checks[stored.Id] = new HealthCheckView(stored.Id, stored.CallerReference, stored.Version, config, false);
            }
            catch (Exception e) when (HostedZoneService.IsBadRow(e))
            {
                store.ReportBadRow("health_checks", stored.Id, e);
            }
        }
        Publish();
    }

    private void Publish() =>
        _checker.SetSource(Source, _checks.Values.Select(c => Compile(c.Id, c.Config, c.CallerReference, c.Version)));

    private HealthCheckSpec Compile(string id, HealthCheckConfigJson config, string callerReference, long version)
    {
        var errors = new List<string>();
        var spec = HealthCheckSpec.Compile(id, config, "API", errors, callerReference, version)
            ?? throw new Route53Exception("InvalidInput", string.Join("; ", errors));
        var options = _checker.Options;
        // Route 53 refuses these; DnsHost does too unless configuration allows them (test harnesses).
        if (spec.IPAddress is { } address && !options.AllowPrivateTargets && TargetPolicy.IsNonPublic(address))
            throw new Route53Exception("InvalidInput", $"Invalid IP address: {address} is a loopback, private or reserved address (set HealthChecks:AllowPrivateTargets=true to allow it)");
        if (spec.ProbesEndpoint && spec.RequestInterval < options.MinimumInterval)
            throw new Route53Exception("InvalidInput", $"RequestInterval {spec.RequestInterval} must be 10 or 30 (HealthChecks:MinimumInterval is {options.MinimumInterval})");
        return spec;
    }

    public bool Exists(string id) => _checker.GetSpec(id) is not null;

    /// <summary>Route 53's quotas; MAX_HEALTH_CHECKS_BY_OWNER counts the checks created through the API.</summary>
    public AccountQuotas Quotas { get; init; } = new();

    public (HealthCheckView Check, bool Created) Create(string callerReference, HealthCheckConfigJson config)
    {
        if (callerReference.Length is 0 or > 64)
            throw new Route53Exception("InvalidInput", "CallerReference must be 1 to 64 characters");
        lock (_write)
        {
            var same = _checks.Values.FirstOrDefault(c => c.CallerReference == callerReference);
            if (same is not null)
            {
                // The same request again returns the check it made; other settings are refused.
                if (JsonSerializer.Serialize(same.Config) == JsonSerializer.Serialize(config))
                    return (same, false);
                throw new Route53Exception("HealthCheckAlreadyExists", $"A health check with the caller reference {callerReference} already exists with other settings", 409);
            }
            if (_store.CallerReferenceUsed("healthcheck:" + callerReference))
                throw new Route53Exception("HealthCheckAlreadyExists", $"The caller reference {callerReference} was used by a health check that has been deleted", 409);
            if (_checks.Count >= Quotas.AccountLimit("MAX_HEALTH_CHECKS_BY_OWNER"))
                throw new Route53Exception("TooManyHealthChecks", $"Limits Exceeded: MAX_HEALTH_CHECKS_BY_OWNER ({Quotas.AccountLimit("MAX_HEALTH_CHECKS_BY_OWNER")}) - Cannot create more health checks (Api:Quotas:HealthChecks).");
            string id = Guid.NewGuid().ToString();
            Compile(id, config, callerReference, 1);
            var check = new HealthCheckView(id, callerReference, 1, config, false);
            _store.SaveHealthCheck(new StoredHealthCheck(id, callerReference, 1, JsonSerializer.Serialize(config)));
            _checks[id] = check;
            Publish();
            return (check, true);
        }
    }

    public HealthCheckView Get(string id)
    {
        lock (_write)
        {
            if (_checks.TryGetValue(id, out var check))
                return check;
        }
        var spec = _checker.GetSpec(id) ?? throw NoSuch(id);
        return new HealthCheckView(id, spec.CallerReference ?? id, spec.Version, ToConfig(spec), true);
    }

    public IReadOnlyList<HealthCheckView> List()
    {
        var ids = _checker.List().Select(s => s.Id).Concat(_checks.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return ids.Select(id => { try { return Get(id); } catch (Route53Exception) { return null; } }).OfType<HealthCheckView>().ToList();
    }

    /// <summary>UpdateHealthCheck: only the fields given change; a stale HealthCheckVersion is refused.</summary>
    public HealthCheckView Update(string id, long? expectedVersion, HealthCheckConfigJson changes, IReadOnlyList<string> reset)
    {
        lock (_write)
        {
            if (!_checks.TryGetValue(id, out var check))
            {
                _ = Get(id);
                throw new Route53Exception("InvalidInput", $"Health check {id} comes from a zone file; change the file instead");
            }
            if (expectedVersion is long v && v < check.Version)
                throw new Route53Exception("HealthCheckVersionMismatch", $"The value of HealthCheckVersion ({v}) is less than the current version ({check.Version})", 409);
            var c = JsonSerializer.Deserialize<HealthCheckConfigJson>(JsonSerializer.Serialize(check.Config))!;
            if (changes.IPAddress is not null && c.IPAddress is null)
                throw new Route53Exception("InvalidInput", "An IP address can be changed but not added to a health check that has none");
            c.IPAddress = changes.IPAddress ?? c.IPAddress;
            c.Port = changes.Port ?? c.Port;
            c.ResourcePath = changes.ResourcePath ?? c.ResourcePath;
            c.FullyQualifiedDomainName = changes.FullyQualifiedDomainName ?? c.FullyQualifiedDomainName;
            c.SearchString = changes.SearchString ?? c.SearchString;
            c.FailureThreshold = changes.FailureThreshold ?? c.FailureThreshold;
            c.Inverted = changes.Inverted ?? c.Inverted;
            c.Disabled = changes.Disabled ?? c.Disabled;
            c.HealthThreshold = changes.HealthThreshold ?? c.HealthThreshold;
            c.ChildHealthChecks = changes.ChildHealthChecks ?? c.ChildHealthChecks;
            c.EnableSNI = changes.EnableSNI ?? c.EnableSNI;
            c.Regions = changes.Regions ?? c.Regions;
            foreach (var element in reset)
            {
                switch (element)
                {
                    case "FullyQualifiedDomainName": c.FullyQualifiedDomainName = null; break;
                    case "Regions": c.Regions = null; break;
                    case "ResourcePath": c.ResourcePath = null; break;
                    case "ChildHealthChecks": c.ChildHealthChecks = null; break;
                    default: throw new Route53Exception("InvalidInput", $"ResetElements: '{element}' is not FullyQualifiedDomainName, Regions, ResourcePath or ChildHealthChecks");
                }
            }
            Compile(id, c, check.CallerReference, check.Version + 1);
            var updated = check with { Version = check.Version + 1, Config = c };
            if (!_store.SaveHealthCheck(new StoredHealthCheck(id, check.CallerReference, updated.Version, JsonSerializer.Serialize(c))))
                throw UpdatedElsewhere(id, expectedVersion);
            _checks[id] = updated;
            Publish();
            return updated;
        }
    }

    /// <summary>Allowed even while record sets use the check (route53-behaviour.md 6.4); they count it healthy afterwards.</summary>
    public void Delete(string id)
    {
        lock (_write)
        {
            if (!_checks.Remove(id))
            {
                _ = Get(id);
                throw new Route53Exception("InvalidInput", $"Health check {id} comes from a zone file; remove it from the file instead");
            }
            _store.DeleteHealthCheck(id);
            _store.DeleteTags("healthcheck", id);
            Publish();
        }
    }

    public HealthCheckStatus Status(string id)
    {
        _ = Get(id);
        return _checker.Get(id) ?? throw NoSuch(id);
    }

    private static Route53Exception NoSuch(string id) => new("NoSuchHealthCheck", $"No health check exists with the specified ID {id}", 404);

    private static HealthCheckConfigJson ToConfig(HealthCheckSpec spec) => new()
    {
        IPAddress = spec.IPAddress?.ToString(),
        Port = spec.ProbesEndpoint ? spec.Port : null,
        Type = HealthCheckSpec.TypeName(spec.Type),
        ResourcePath = spec.IsHttp ? spec.ResourcePath : null,
        FullyQualifiedDomainName = spec.FullyQualifiedDomainName,
        SearchString = spec.SearchString,
        RequestInterval = spec.RequestInterval,
        FailureThreshold = spec.FailureThreshold,
        MeasureLatency = spec.MeasureLatency,
        Inverted = spec.Inverted,
        Disabled = spec.Disabled,
        HealthThreshold = spec.Type == HealthCheckType.Calculated ? spec.HealthThreshold : null,
        ChildHealthChecks = spec.Type == HealthCheckType.Calculated ? spec.ChildHealthChecks.ToList() : null,
        EnableSNI = spec.IsTls ? spec.EnableSni : null,
    };
}
