using System.Net;
using DnsHost.Health;
using DnsHost.Route53;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Web;

/// <summary>Where the HTTP endpoint listens (section <c>Api</c>; <c>serve --api ADDR:PORT</c>, or <c>off</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";
    public string Listen { get; set; } = "127.0.0.1:8053";

    /// <summary>The SQLite file that keeps what the Route 53 API creates (<c>serve --data PATH</c>), with <see cref="Store"/> Sqlite.</summary>
    public string DataPath { get; set; } = "data/dnshost.db";

    /// <summary>Sqlite (one node, the default) or PostgreSql (several nodes on one database, <see cref="ConnectionString"/>).</summary>
    public DnsHost.Route53.Storage.ApiStoreKind Store { get; set; } = DnsHost.Route53.Storage.ApiStoreKind.Sqlite;

    /// <summary>The Npgsql connection string of the PostgreSQL store, e.g. <c>Host=db1;Port=5432;Database=dnshost;Username=dnshost;Password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Access key id to secret for SigV4. Empty: the example pair of the AWS documentation, so the AWS
    /// CLI works with it (a <c>--profile dnshost</c> profile or environment variables); configured keys replace it.
    /// </summary>
    public Dictionary<string, string> AccessKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Route 53's account rate limit for API requests (5 per second there); 0, the default, is off.</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>
    /// Seconds a change reports PENDING in GetChange before INSYNC, as Route 53's propagation does, so
    /// clients' waiters can be tested. The change is served from the moment the API answers either way. 0, the default, is INSYNC at once.
    /// </summary>
    public double PendingSeconds { get; set; }

    /// <summary>
    /// For tests of Route 53 clients only: fractions of API requests that get Throttling, InternalFailure or a
    /// dropped connection before the operation runs (<c>Api:FaultInjection:ThrottleRate</c>, <c>ServerErrorRate</c>,
    /// <c>DropRate</c>, each 0 to 1). All 0, the default, is off; a warning is logged at start when on.
    /// </summary>
    public Route53FaultInjection FaultInjection { get; set; } = new();

    /// <summary>Host names (besides IP addresses and localhost) the operations endpoints answer to; a DNS-rebinding guard (OperationsHostGuard).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>TLS for the HTTP endpoint (Api:Certificate:Path, Password, KeyPath); none: plain HTTP.</summary>
    public ApiCertificateOptions Certificate { get; set; } = new();

    public IReadOnlyDictionary<string, string> EffectiveAccessKeys => AccessKeys.Count > 0
        ? AccessKeys
        : new Dictionary<string, string> { ["AKIAIOSFODNN7EXAMPLE"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

    public bool Enabled => !string.IsNullOrEmpty(Listen) && !Listen.Equals("off", StringComparison.OrdinalIgnoreCase);

    /// <summary>ADDRESS:PORT, with an IPv6 address in brackets ([::1]:8053).</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint endPoint) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, @"^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):[0-9]{1,5}$") & IPEndPoint.TryParse(text, out endPoint!);
}

/// <summary>Raised when the HTTP endpoint cannot listen; the message names the option.</summary>
public sealed class ApiBindException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The HTTP endpoint beside DNS (Kestrel, from the shared framework): the Route 53 API, operations
/// endpoints and /metrics. A separate small web application, so DNS runs without it when it is off, and
/// its endpoints reach the server's services (the health checker) through the main container.
/// </summary>
public sealed partial class ApiServer(IServiceProvider services, IOptions<ApiOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The bound address, e.g. http://127.0.0.1:8053 (null when off or not started).</summary>
    public Uri? BaseAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var listen = options.Value.Listen;
        // Zones created through the API are served whether or not the HTTP endpoint is on.
        var hostedZones = services.GetRequiredService<HostedZoneService>();
        var healthChecks = services.GetRequiredService<HealthCheckService>();
        foreach (var badRow in services.GetRequiredService<ApiStore>().BadRows)
            LogBadRow(loggerFactory.CreateLogger<ApiServer>(), badRow);
        if (!options.Value.Enabled)
            return;
        if (!ApiOptions.TryParseEndPoint(listen, out var endPoint))
            throw new ApiBindException($"Api:Listen: '{listen}' is not ADDRESS:PORT (e.g. 127.0.0.1:8053), or off (use --api)", new FormatException(listen));
        var console = services.GetService<IOptions<WebConsoleOptions>>()?.Value ?? new WebConsoleOptions();
        if (console.Problem(endPoint) is { } consoleProblem)
            throw new ApiBindException(consoleProblem, new InvalidOperationException(consoleProblem));
        var certificate = options.Value.Certificate.Enabled ? options.Value.Certificate.Load() : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(endPoint, listen =>
        {
            if (certificate is not null)
                listen.UseHttps(certificate);
        }));
        builder.Services.AddConsoleAccess(console);
        // The console's pages are Razor components rendered on the server (src/DnsHost/Web/Console/README.md).
        builder.Services.AddRazorComponents();
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = null;
            json.SerializerOptions.WriteIndented = true;
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        var app = builder.Build();
        var apiMetrics = services.GetRequiredService<ApiMetrics>();
        var faults = options.Value.FaultInjection;
        if (faults.Enabled)
            LogFaultInjection(loggerFactory.CreateLogger<ApiServer>(), faults.ThrottleRate, faults.ServerErrorRate, faults.DropRate);
        var time = services.GetRequiredService<TimeProvider>();
        app.UseRoute53(new SigV4Verifier(options.Value.EffectiveAccessKeys, time: time), options.Value.RequestsPerSecond, apiMetrics, faults, time);
        app.UseOperationsHostGuard(options.Value.AllowedHosts);
        var consoleMode = console.EffectiveAuthentication(endPoint);
        var credentials = ConsoleCredentials.For(options.Value, console.AdminToken, endPoint);
        if (consoleMode == ConsoleAuthentication.Required && !credentials.Any)
            LogNoConsoleCredentials(loggerFactory.CreateLogger<ApiServer>(), listen);
        app.UseConsoleAccess(consoleMode, console, credentials);
        WebConsole.ConsoleEndpoints.Map(app, services, credentials, consoleMode);
        OperationsEndpoints.Map(app, services.GetRequiredService<HealthChecker>(), services.GetService<ClusterState>(), healthChecks.SetOverride);
        var recursion = services.GetRequiredService<DnsHost.Server.RecursionService>();
        ResolverEndpoints.Map(app, recursion);
        MetricsEndpoint.Map(app, services.GetRequiredService<DnsHost.Server.QueryProcessor>(), services.GetRequiredService<DnsHost.Zones.ZoneRegistry>(),
            services.GetRequiredService<HealthChecker>(), apiMetrics, recursion.Resolver?.Metrics, services.GetService<ClusterState>());
        app.MapRoute53HealthChecks(healthChecks);
        app.MapRoute53Vpcs(hostedZones);
        app.MapRoute53CidrCollections(hostedZones);
        app.MapRoute53Tags(services.GetRequiredService<TagService>());
        app.MapGeoLocations();
        app.MapRoute53Limits(hostedZones, healthChecks, hostedZones.Quotas);
        app.MapRoute53DelegationSets(hostedZones);
        app.MapRoute53TrafficPolicies(hostedZones);
        app.MapRoute53QueryLogging(services.GetRequiredService<QueryLoggingService>());
        app.MapRoute53Dnssec(services.GetRequiredService<DnsHost.Route53.Dnssec.HostedZoneDnssec>());
        app.MapRoute53(hostedZones);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ApiBindException($"cannot listen for HTTP on {listen}: {e.Message}; choose another address with --api ADDR:PORT, or --api off", e);
        }
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        BaseAddress = address is null ? null : new Uri(address.Replace("://[::]", "://[::1]").Replace("://0.0.0.0", "://127.0.0.1"));
        LogListening(loggerFactory.CreateLogger<ApiServer>(), BaseAddress?.ToString().TrimEnd('/') ?? listen, consoleMode);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console and the operations endpoints on {Listen} need a sign-in, and nothing can sign in: the AWS documentation's example key pair (used when Api:AccessKeys is empty) opens only the Route 53 API beyond loopback. Set Api:AccessKeys or Console:AdminToken")]
    private static partial void LogNoConsoleCredentials(ILogger logger, string listen);

    [LoggerMessage(Level = LogLevel.Error, Message = "{BadRow}")]
    private static partial void LogBadRow(ILogger logger, string badRow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving HTTP at {Url} (the console at /console, operations endpoints and the Route 53 API; Console:Authentication {Authentication})")]
    private static partial void LogListening(ILogger logger, string url, ConsoleAuthentication authentication);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Api:FaultInjection is on, for testing clients only: {Throttle:P0} of Route 53 API requests get Throttling, {ServerError:P0} InternalFailure, {Drop:P0} a dropped connection")]
    private static partial void LogFaultInjection(ILogger logger, double throttle, double serverError, double drop);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        _app = null;
    }
}
