using System.Net;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Zones.HealthChecks;

public enum HealthCheckType
{
    Http,
    Https,
    HttpStrMatch,
    HttpsStrMatch,
    Tcp,
    Calculated,
    CloudWatchMetric,
    RecoveryControl,
}

/// <summary>
/// A health check's settings after validation (route53-behaviour.md 6.1), immutable. Zone files and
/// the API produce these; the health checker runs them.
/// </summary>
public sealed record HealthCheckSpec
{
    public const int MaxSearchStringBytes = 255, MaxResourcePath = 255, MaxDomainName = 255, MaxChildren = 256;

    public required string Id { get; init; }
    public string? CallerReference { get; init; }
    public long Version { get; init; } = 1;
    public required HealthCheckType Type { get; init; }
    public IPAddress? IPAddress { get; init; }
    /// <summary>The port probed; 80 or 443 by type when the config leaves it out; 0 for CALCULATED.</summary>
    public int Port { get; init; }
    /// <summary>Starts with '/', may carry a query string.</summary>
    public string ResourcePath { get; init; } = "/";
    public string? FullyQualifiedDomainName { get; init; }
    public string? SearchString { get; init; }
    public int RequestInterval { get; init; } = 30;
    public int FailureThreshold { get; init; } = 3;
    public bool Inverted { get; init; }
    public bool Disabled { get; init; }
    public bool EnableSni { get; init; }
    public bool MeasureLatency { get; init; }
    public int HealthThreshold { get; init; }
    public IReadOnlyList<string> ChildHealthChecks { get; init; } = [];
    public IReadOnlyList<string> Regions { get; init; } = [];
    /// <summary>Where the check was defined ("zones/shop.test.json", "API"), for messages.</summary>
    public string Source { get; init; } = "";

    public bool IsHttp => Type is HealthCheckType.Http or HealthCheckType.Https or HealthCheckType.HttpStrMatch or HealthCheckType.HttpsStrMatch;
    public bool IsTls => Type is HealthCheckType.Https or HealthCheckType.HttpsStrMatch;
    public bool IsStringMatch => Type is HealthCheckType.HttpStrMatch or HealthCheckType.HttpsStrMatch;
    /// <summary>Types that probe an endpoint (the others follow children or alarms).</summary>
    public bool ProbesEndpoint => IsHttp || Type == HealthCheckType.Tcp;

    /// <summary>The API's spelling of a type (HTTPS_STR_MATCH).</summary>
    public static string TypeName(HealthCheckType type) => type switch
    {
        HealthCheckType.Http => "HTTP",
        HealthCheckType.Https => "HTTPS",
        HealthCheckType.HttpStrMatch => "HTTP_STR_MATCH",
        HealthCheckType.HttpsStrMatch => "HTTPS_STR_MATCH",
        HealthCheckType.Tcp => "TCP",
        HealthCheckType.Calculated => "CALCULATED",
        HealthCheckType.CloudWatchMetric => "CLOUDWATCH_METRIC",
        _ => "RECOVERY_CONTROL",
    };

    public static bool TryParseType(string? text, out HealthCheckType type)
    {
        foreach (var candidate in Enum.GetValues<HealthCheckType>())
        {
            if (string.Equals(TypeName(candidate), text, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>
    /// The Host header Route 53 sends: the domain name, or without one the IP address, alone on the
    /// type's default port and as <c>host:port</c> on any other (route53-behaviour.md 6.1).
    /// </summary>
    public string HostHeader(IPAddress address)
    {
        string host = FullyQualifiedDomainName?.TrimEnd('.')
            ?? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString());
        int defaultPort = IsTls ? 443 : 80;
        return Port == defaultPort ? host : $"{host}:{Port}";
    }

    /// <summary>
    /// Checks a <c>HealthCheckConfig</c> by the API's rules and returns the spec, or null with the
    /// reasons in <paramref name="errors"/> (Route 53's wording where known).
    /// </summary>
    public static HealthCheckSpec? Compile(string id, HealthCheckConfigJson? config, string source, List<string> errors, string? callerReference = null, long version = 1)
    {
        int before = errors.Count;
        if (config is null)
        {
            errors.Add("HealthCheckConfig is required");
            return null;
        }
        if (!TryParseType(config.Type, out var type))
        {
            errors.Add(config.Type is null
                ? "HealthCheckConfig.Type is required"
                : $"Type '{config.Type}' is not one of HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL");
            return null;
        }
        bool endpoint = type is HealthCheckType.Http or HealthCheckType.Https or HealthCheckType.HttpStrMatch or HealthCheckType.HttpsStrMatch or HealthCheckType.Tcp;

        IPAddress? address = null;
        if (config.IPAddress is not null)
        {
            if (!endpoint)
                errors.Add($"IPAddress is not allowed for a {config.Type} health check");
            // IPAddress.TryParse also takes inet_aton's short forms ("192.0.2" is 192.0.0.2); Route 53 wants dotted quads.
            else if (!IPAddress.TryParse(config.IPAddress, out address) || config.IPAddress.Contains('%')
                || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.ToString() != config.IPAddress))
            {
                address = null;
                errors.Add($"IPAddress '{config.IPAddress}' is not a valid IPv4 or IPv6 address");
            }
        }
        string? domain = config.FullyQualifiedDomainName;
        if (domain is not null)
        {
            if (!endpoint)
                errors.Add($"FullyQualifiedDomainName is not allowed for a {config.Type} health check");
            else if (domain.Length == 0 || domain.Length > MaxDomainName)
                errors.Add($"FullyQualifiedDomainName must be 1 to {MaxDomainName} characters");
            // It becomes the Host header (and the SNI name): a CR or LF in it would inject header lines.
            else if (!HealthCheckDomainName.IsValid(domain))
                errors.Add($"Invalid fully qualified domain name: {HealthCheckDomainName.Printable(domain)} is not a valid DNS name (letters, digits, hyphens and underscores in labels of 1 to 63 characters, separated by dots)");
        }
        if (endpoint && address is null && domain is null && config.IPAddress is null)
            errors.Add("a health check of type " + config.Type + " needs IPAddress or FullyQualifiedDomainName");
        if (type == HealthCheckType.Tcp && config.Port is null)
            errors.Add("Port is required for a TCP health check");

        int port = 0;
        if (config.Port is int p)
        {
            if (!endpoint)
                errors.Add($"Port is not allowed for a {config.Type} health check");
            else if (p is < 1 or > 65535)
                errors.Add($"Port {p} is out of range (1 to 65535)");
            port = p;
        }
        else if (endpoint)
            port = type is HealthCheckType.Https or HealthCheckType.HttpsStrMatch ? 443 : 80;

        string path = "/";
        if (config.ResourcePath is not null)
        {
            if (type is not (HealthCheckType.Http or HealthCheckType.Https or HealthCheckType.HttpStrMatch or HealthCheckType.HttpsStrMatch))
                errors.Add($"ResourcePath is not allowed for a {config.Type} health check");
            else if (config.ResourcePath.Length > MaxResourcePath)
                errors.Add($"ResourcePath must be at most {MaxResourcePath} characters");
            else if (config.ResourcePath.Any(c => c <= ' ' || c == 0x7f))
                errors.Add($"ResourcePath '{config.ResourcePath}' contains a space or control character");
            path = config.ResourcePath.StartsWith('/') ? config.ResourcePath : "/" + config.ResourcePath;
        }

        bool stringMatch = type is HealthCheckType.HttpStrMatch or HealthCheckType.HttpsStrMatch;
        if (stringMatch && string.IsNullOrEmpty(config.SearchString))
            errors.Add($"SearchString is required for a {config.Type} health check");
        else if (!stringMatch && config.SearchString is not null)
            errors.Add($"SearchString is allowed only for HTTP_STR_MATCH and HTTPS_STR_MATCH");
        else if (config.SearchString is not null && config.SearchString.Length > MaxSearchStringBytes)
            errors.Add($"SearchString must be at most {MaxSearchStringBytes} characters");

        // 10 and 30 are Route 53's; 1 to 9 are DnsHost's extension for test harnesses, allowed or refused
        // by the checker's configuration (HealthChecks:MinimumInterval).
        int interval = config.RequestInterval ?? 30;
        if (interval is not (>= 1 and <= 9 or 10 or 30))
            errors.Add($"RequestInterval {interval} must be 10 or 30 (or 1 to 9 where HealthChecks:MinimumInterval allows it)");
        int threshold = config.FailureThreshold ?? 3;
        if (threshold is < 1 or > 10)
            errors.Add($"FailureThreshold {threshold} is out of range (1 to 10)");

        var children = config.ChildHealthChecks ?? [];
        int healthThreshold = config.HealthThreshold ?? 0;
        if (type == HealthCheckType.Calculated)
        {
            if (healthThreshold is < 0 or > MaxChildren)
                errors.Add($"HealthThreshold {healthThreshold} is out of range (0 to {MaxChildren})");
            if (children.Count > MaxChildren)
                errors.Add($"ChildHealthChecks lists {children.Count} checks; at most {MaxChildren} are allowed");
            if (children.Contains(id))
                errors.Add("a calculated health check cannot be its own child");
            if (children.Distinct(StringComparer.Ordinal).Count() != children.Count)
                errors.Add("ChildHealthChecks lists a check twice");
        }
        else
        {
            if (config.HealthThreshold is not null)
                errors.Add("HealthThreshold is allowed only for CALCULATED health checks");
            if (config.ChildHealthChecks is not null)
                errors.Add("ChildHealthChecks is allowed only for CALCULATED health checks");
        }
        if (config.EnableSNI == true && type is not (HealthCheckType.Https or HealthCheckType.HttpsStrMatch))
            errors.Add("EnableSNI is allowed only for HTTPS and HTTPS_STR_MATCH health checks");
        if (config.Regions is { Count: > 0 and < 3 })
            errors.Add("Regions must list at least 3 Regions");

        if (errors.Count > before)
            return null;
        return new HealthCheckSpec
        {
            Id = id,
            CallerReference = callerReference,
            Version = version,
            Type = type,
            IPAddress = address,
            Port = port,
            ResourcePath = path,
            FullyQualifiedDomainName = domain,
            SearchString = config.SearchString,
            RequestInterval = interval,
            FailureThreshold = threshold,
            Inverted = config.Inverted ?? false,
            Disabled = config.Disabled ?? false,
            // Route 53 turns SNI on by default for HTTPS checks.
            EnableSni = config.EnableSNI ?? type is HealthCheckType.Https or HealthCheckType.HttpsStrMatch,
            MeasureLatency = config.MeasureLatency ?? false,
            HealthThreshold = healthThreshold,
            ChildHealthChecks = children.ToArray(),
            Regions = config.Regions?.ToArray() ?? [],
            Source = source,
        };
    }
}
