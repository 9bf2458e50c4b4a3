using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Resolver;
using DnsHost.Route53;
using DnsHost.Route53.Sync;
using DnsHost.Server;
using DnsHost.Web;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DnsHost;

/// <summary>
/// Start-up checks of the settings that binding and the options' own data annotations leave open: the
/// <c>Routing</c>, <c>Api</c>, <c>Api:Quotas</c>, <c>Sync</c>, <c>Dnssec</c>, <c>Tsig</c>, <c>Transfers</c> and
/// <c>HealthChecks</c> sections, and the annotations of nested objects (<c>Resolver:Cache</c>,
/// <c>Transfers:Zones:N</c>) that <c>ValidateDataAnnotations</c> does not reach. Each problem names the
/// setting by its configuration path and what is accepted; <c>serve</c> prints them on one line and exits 78.
/// </summary>
public static partial class SettingsValidation
{
    public static IServiceCollection AddSettingsValidation(this IServiceCollection services)
    {
        Add<DnsServerOptions>(services, DnsServerOptions.Section, _ => []);
        Add<ResolverOptions>(services, ResolverOptions.Section, _ => []);
        Add<RoutingOptions>(services, "Routing", Routing);
        Add<ApiOptions>(services, ApiOptions.Section, Api);
        Add<AccountQuotas>(services, AccountQuotas.Section, q => q.Problem() is { } problem ? [problem] : []);
        Add<SyncServiceOptions>(services, SyncServiceOptions.Section, Sync);
        Add<DnssecOptions>(services, DnssecOptions.Section, Dnssec);
        Add<HealthCheckOptions>(services, HealthCheckOptions.Section, HealthChecks);
        Add<TsigOptions>(services, TsigOptions.Section, Tsig);
        Add<TransferOptions>(services, TransferOptions.Section, Transfers);
        return services;
    }

    /// <summary>
    /// The failures of an options validation as one line, with data-annotation failures in the settings'
    /// names ("Resolver:UpstreamTimeoutMs must be between 20 and 30000.") rather than the options type's.
    /// </summary>
    public static string Describe(OptionsValidationException exception)
    {
        string? section = exception.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        return string.Join("; ", exception.Failures.Select(failure =>
        {
            var match = DataAnnotationFailure().Match(failure);
            if (!match.Success || section is null)
                return failure;
            string member = match.Groups["member"].Value, error = match.Groups["error"].Value;
            string setting = $"{section}:{member}";
            return error.StartsWith($"The field {member} ", StringComparison.Ordinal)
                ? setting + error[$"The field {member}".Length..]
                : $"{setting}: {error}";
        }));
    }

    // The text Microsoft.Extensions.Options.DataAnnotations writes for one failed member.
    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']*)' with the error: '(?<error>.*)'\.$")]
    private static partial Regex DataAnnotationFailure();

    private static void Add<T>(IServiceCollection services, string section, Func<T, IEnumerable<string>> rules) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section, rules));
        services.AddOptions<T>().ValidateOnStart();
    }

    private sealed class SectionValidator<T>(string section, Func<T, IEnumerable<string>> rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = NestedAnnotations(options, section).Concat(rules(options)).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>
    /// Data annotations of the objects below the section's own (its top level is checked by
    /// <c>ValidateDataAnnotations</c> where the section registers it), named by their paths.
    /// </summary>
    private static IEnumerable<string> NestedAnnotations(object options, string path)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
                continue;
            var value = property.GetValue(options);
            string where = $"{path}:{property.Name}";
            if (value is not null && IsOptionsType(value.GetType()))
            {
                foreach (var problem in Annotations(value, where).Concat(NestedAnnotations(value, where)))
                    yield return problem;
            }
            else if (value is System.Collections.IList list)
            {
                for (int i = 0; i < list.Count; i++)
                {
                    if (list[i] is { } item && IsOptionsType(item.GetType()))
                    {
                        foreach (var problem in Annotations(item, $"{where}:{i}").Concat(NestedAnnotations(item, $"{where}:{i}")))
                            yield return problem;
                    }
                }
            }
        }
    }

    private static bool IsOptionsType(Type type) => type.IsClass && type.Namespace?.StartsWith("DnsHost", StringComparison.Ordinal) == true;

    private static IEnumerable<string> Annotations(object value, string path)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                string message = result.ErrorMessage ?? "is not valid";
                yield return message.StartsWith($"The field {member} ", StringComparison.Ordinal)
                    ? $"{path}:{member}{message[$"The field {member}".Length..]}"
                    : $"{path}:{member}: {message}";
            }
        }
    }

    private static IEnumerable<string> Routing(RoutingOptions o)
    {
        // RFC 2181 8: a TTL is 0 to 2^31 - 1.
        if (o.AliasTargetTtl > int.MaxValue)
            yield return $"Routing:AliasTargetTtl is {o.AliasTargetTtl}; a TTL is at most 2147483647 (RFC 2181 8)";
        foreach (var (name, addresses) in o.AliasTargets)
        {
            if (NameProblem(name) is { } problem)
                yield return $"Routing:AliasTargets:{name}: {problem}";
            foreach (var address in addresses)
            {
                if (!IPAddress.TryParse(address, out _))
                    yield return $"Routing:AliasTargets:{name}: '{address}' is not an IPv4 or IPv6 address";
            }
        }
        for (int i = 0; i < o.NameServers.Count; i++)
        {
            if (NameProblem(o.NameServers[i]) is { } problem)
                yield return $"Routing:NameServers:{i}: {problem}";
        }
        for (int i = 0; i < o.ClientLatencies.Count; i++)
        {
            foreach (var (region, latency) in o.ClientLatencies[i].Latencies)
            {
                if (!double.IsFinite(latency) || latency < 0)
                    yield return $"Routing:ClientLatencies:{i}:Latencies:{region} is {latency}; a latency is 0 ms or more";
            }
        }
    }

    private static IEnumerable<string> Api(ApiOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.DataPath))
            yield return "Api:DataPath is empty; it names the SQLite file of the Route 53 API (e.g. data/dnshost.db)";
        if (!Enum.IsDefined(o.Store))
            yield return $"Api:Store is {o.Store}; it must be Sqlite or PostgreSql";
        if (o.Store == DnsHost.Route53.Storage.ApiStoreKind.PostgreSql && string.IsNullOrWhiteSpace(o.ConnectionString))
            yield return "Api:Store is PostgreSql but Api:ConnectionString is empty; it must be an Npgsql connection string (Host=...;Database=...;Username=...)";
        if (o.RequestsPerSecond < 0)
            yield return $"Api:RequestsPerSecond is {o.RequestsPerSecond}; it must be 0 (no limit) or more";
        if (!double.IsFinite(o.PendingSeconds) || o.PendingSeconds is < 0 or > 86400)
            yield return $"Api:PendingSeconds is {o.PendingSeconds}; it must be 0 (INSYNC at once) to 86400";
        foreach (var (keyId, secret) in o.AccessKeys)
        {
            if (string.IsNullOrWhiteSpace(keyId) || string.IsNullOrEmpty(secret))
                yield return $"Api:AccessKeys:{keyId}: an access key needs an id and a secret";
        }
        if (o.FaultInjection.Problem is { } fault)
            yield return fault;
        for (int i = 0; i < o.AllowedHosts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(o.AllowedHosts[i]))
                yield return $"Api:AllowedHosts:{i} is empty; it must be a host name";
        }
    }

    private static IEnumerable<string> Sync(SyncServiceOptions o)
    {
        for (int i = 0; i < o.Jobs.Count; i++)
        {
            var job = o.Jobs[i];
            string where = $"Sync:Jobs:{i}";
            if (SideProblem(job.Source) is { } source)
                yield return $"{where}:Source: {source}";
            if (SideProblem(job.Target) is { } target)
                yield return $"{where}:Target: {target}";
            if (job.Source == job.Target && job.Source.Length > 0)
                yield return $"{where}: Source and Target are both '{job.Source}'";
            if (!double.IsFinite(job.IntervalSeconds) || job.IntervalSeconds < 1)
                yield return $"{where}:IntervalSeconds is {job.IntervalSeconds}; it must be 1 or more";
            if (string.IsNullOrEmpty(job.AccessKeyId) != string.IsNullOrEmpty(job.SecretAccessKey))
                yield return $"{where}: AccessKeyId and SecretAccessKey go together (both or neither)";
            foreach (var (list, name) in new[] { (job.Zones, "Zones"), (job.Exclude, "Exclude") })
            {
                for (int z = 0; z < list.Count; z++)
                {
                    if (NameProblem(list[z]) is { } problem)
                        yield return $"{where}:{name}:{z}: {problem}";
                }
            }
        }
    }

    private static string? SideProblem(string side) =>
        side == "local" || SyncSideFactory.IsSide(side) ? null
            : $"{(side.Length == 0 ? "missing" : $"'{side}' is not a sync side")}: use local, route53, route53:URL (e.g. route53:http://127.0.0.1:8053) or dir:PATH";

    private static IEnumerable<string> Dnssec(DnssecOptions o)
    {
        if (o.AlgorithmNumber is null)
            yield return $"Dnssec:Algorithm: '{o.Algorithm}' is not ECDSAP256SHA256 (13) or ED25519 (15)";
        if (string.IsNullOrWhiteSpace(o.KeyDirectory))
            yield return "Dnssec:KeyDirectory is empty; it names the folder of the signing keys (e.g. dnssec-keys)";
        for (int i = 0; i < o.SignedZones.Count; i++)
        {
            if (o.SignedZones[i].Trim() != "*" && NameProblem(o.SignedZones[i].Trim()) is { } problem)
                yield return $"Dnssec:SignedZones:{i}: {problem} (a zone name, or * for every zone)";
        }
        if (DnssecOptions.IsNsec3(o.Denial) is null)
            yield return $"Dnssec:Denial: '{o.Denial}' is not Compact or Nsec3";
        if (o.Rollover.Problem() is { } rollover)
            yield return rollover;
        foreach (var (name, zone) in o.Zones)
        {
            if (NameProblem(name.Trim()) is { } problem)
                yield return $"Dnssec:Zones:{name}: {problem} (a zone name)";
            else if (zone?.Denial is { } denial && DnssecOptions.IsNsec3(denial) is null)
                yield return $"Dnssec:Zones:{name}:Denial: '{denial}' is not Compact or Nsec3";
        }
    }

    private static IEnumerable<string> HealthChecks(HealthCheckOptions o)
    {
        if (AwsRegions.Find(o.CheckerRegion) is null)
            yield return $"HealthChecks:CheckerRegion: '{o.CheckerRegion}' is not an AWS Region (e.g. us-east-1)";
    }

    private static IEnumerable<string> Tsig(TsigOptions o)
    {
        for (int i = 0; i < o.Keys.Count; i++)
        {
            string? problem = null;
            try
            {
                _ = TsigKey.Parse(o.Keys[i]);
            }
            catch (FormatException e)
            {
                // TsigKey.Parse names the key and the algorithm, never the secret.
                problem = e.Message;
            }
            if (problem is not null)
                yield return $"Tsig:Keys:{i}: {problem}";
        }
    }

    private static IEnumerable<string> Transfers(TransferOptions o)
    {
        for (int i = 0; i < o.Zones.Count; i++)
        {
            var zone = o.Zones[i];
            if (!string.IsNullOrWhiteSpace(zone.Name) && NameProblem(zone.Name) is { } problem)
                yield return $"Transfers:Zones:{i}:Name: {problem}";
            for (int a = 0; a < zone.Allow.Count; a++)
            {
                foreach (var part in zone.Allow[a].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!part.StartsWith("key:", StringComparison.OrdinalIgnoreCase) && !IpPrefix.TryParse(part, out _))
                        yield return $"Transfers:Zones:{i}:Allow:{a}: '{part}' is not an address, a network (e.g. 192.0.2.0/24) or key:NAME";
                }
            }
        }
    }

    /// <summary>Null when <paramref name="name"/> is a domain name (with or without the final dot), else why not.</summary>
    private static string? NameProblem(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return "a domain name is needed";
        string absolute = name.EndsWith('.') ? name : name + ".";
        return DnsName.TryParse(absolute, default, out _, out string error) ? null : $"'{name}' is not a domain name: {error}";
    }
}
