using System.Net;
using DnsHost.Health;
using DnsHost.Resolver;
using DnsHost.Route53;
using DnsHost.Route53.Dnssec;
using DnsHost.Route53.Storage;
using DnsHost.Server;
using DnsHost.Server.QueryLogging;
using DnsHost.Web;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost;

public static class ServeCommand
{
    /// <summary>Builds the host: appsettings.json, then --config files, environment, and the command line, each over the last.</summary>
    /// <param name="configureServices">Runs last, over the services added here (tests put in a FakeTimeProvider).</param>
    public static IHost Build(CommandLine command, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
            DisableDefaults = false,
        });
        foreach (var file in command.ConfigFiles)
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("DNSHOST_");
        builder.Configuration.AddInMemoryCollection(command.Settings);
        builder.Configuration.AddCommandLine(command.PassThrough.ToArray());
        // A relative zones folder means relative to where the command runs, not to the binary.
        var zonesDir = builder.Configuration["Zones:Directory"];
        if (zonesDir is not null && !Path.IsPathRooted(zonesDir))
            builder.Configuration["Zones:Directory"] = Path.GetFullPath(zonesDir, Environment.CurrentDirectory);

        var dataPath = builder.Configuration["Api:DataPath"];
        if (dataPath is not null && !Path.IsPathRooted(dataPath))
            builder.Configuration["Api:DataPath"] = Path.GetFullPath(dataPath, Environment.CurrentDirectory);

        builder.Services.AddOptions<DnsServerOptions>().Bind(builder.Configuration.GetSection(DnsServerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.EffectiveTransferAllow.All(IsNetwork), "Dns:TransferAllow must list networks in CIDR form, e.g. 127.0.0.0/8")
            .Validate(o => CookieOptions.IsSecret(o.Cookies.Secret) && CookieOptions.IsSecret(o.Cookies.PreviousSecret), "Dns:Cookies:Secret and Dns:Cookies:PreviousSecret must be 32 hex digits (16 bytes), or empty for a random secret")
            .Validate(o => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(o.RateLimit, new(o.RateLimit), null, true),
                "Dns:RateLimit accepts ResponsesPerSecond 1-1000000, Slip 0-100, Ipv4PrefixLength 1-32, Ipv6PrefixLength 1-128, TableSize 64-16777216")
            .Validate(o => o.RateLimit.EffectiveExempt.All(IsNetwork), "Dns:RateLimit:Exempt must list networks in CIDR form, e.g. 127.0.0.0/8")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ZoneOptions>().Bind(builder.Configuration.GetSection(ZoneOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.AddTransfers();
        builder.Services.AddSingleton(TransferWiring.CreateRegistry);
        builder.Services.AddSingleton<DnsListeners>();
        builder.Services.AddOptions<RoutingOptions>().Bind(builder.Configuration.GetSection("Routing"));
        builder.Services.AddSingleton<HealthStates>();
        builder.Services.AddSingleton(sp => CreateRouting(builder.Configuration, sp.GetRequiredService<IOptions<RoutingOptions>>().Value, sp.GetRequiredService<HealthStates>()));
        var rootHints = builder.Configuration["Resolver:RootHints"];
        if (!string.IsNullOrEmpty(rootHints) && !Path.IsPathRooted(rootHints))
            builder.Configuration["Resolver:RootHints"] = Path.GetFullPath(rootHints, Environment.CurrentDirectory);
        builder.Services.AddOptions<ResolverOptions>().Bind(builder.Configuration.GetSection(ResolverOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.EffectiveAllowRecursion.All(IsNetwork), "Resolver:AllowRecursion must list networks in CIDR form, e.g. 10.0.0.0/8")
            .Validate(o => o.Cache.MinTtl <= o.Cache.MaxTtl, "Resolver:Cache:MinTtl must not exceed Resolver:Cache:MaxTtl")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new RecursionService(sp.GetRequiredService<IOptions<ResolverOptions>>().Value, sp.GetRequiredService<ILogger<RecursionService>>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => DnsServerOptions.CreateCookies(sp.GetRequiredService<IOptions<DnsServerOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => DnsServerOptions.CreateRateLimiter(sp.GetRequiredService<IOptions<DnsServerOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddOptions<DnssecOptions>().Bind(builder.Configuration.GetSection(DnssecOptions.Section));
        builder.Services.AddSingleton(sp => new DnssecSigning(ZoneSigners.FromOptions(sp.GetRequiredService<IOptions<DnssecOptions>>().Value,
            Environment.CurrentDirectory, sp.GetRequiredService<TimeProvider>())));
        builder.Services.AddHostedService(sp => new RolloverTimer(sp.GetRequiredService<DnssecSigning>(), sp.GetRequiredService<ZoneRegistry>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<HostedZoneDnssec>().RollZoneSigningKeys));
        builder.Services.AddSingleton(sp => new QueryProcessor(sp.GetRequiredService<ZoneRegistry>(), sp.GetRequiredService<IOptions<DnsServerOptions>>().Value,
            sp.GetRequiredService<RoutingEnvironment>(), sp.GetRequiredService<RecursionService>(),
            sp.GetRequiredService<Optional<ServerCookies>>().Value, sp.GetRequiredService<Optional<ResponseRateLimiter>>().Value,
            sp.GetRequiredService<TransferService>(), sp.GetRequiredService<QueryLog>())
        {
            Signers = sp.GetRequiredService<DnssecSigning>().Signers,
            HostedZoneSigners = sp.GetRequiredService<HostedZoneDnssec>().For,
            TopNames = sp.GetRequiredService<DnsHost.Server.Traffic.TopQueryNames>(),
        });
        // Start-up order: hosted services start in the order they are added here.
        //   1. ApiZoneSource: the Route 53 API's hosted zones (and its health checks) from the store into the registry;
        //   2. ZoneDirectoryService: zones/*.zone and *.json into the same registry (a file zone named like an
        //      API zone is kept aside with a warning: the API zone wins, see ZoneCatalog);
        //   3. UdpDnsServer, TcpDnsServer: the listeners answer, and the first query already sees every zone;
        //   4. HealthChecker; 5. ApiServer (the HTTP endpoint); 6. SyncService when configured.
        builder.Services.AddHostedService<ApiZoneSource>();
        builder.Services.AddSingleton<ZoneDirectoryService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ZoneDirectoryService>());
        builder.Services.AddSingleton<UdpDnsServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UdpDnsServer>());
        builder.Services.AddSingleton<TcpDnsServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TcpDnsServer>());
        builder.Services.AddOptions<HealthCheckOptions>().Bind(builder.Configuration.GetSection(HealthCheckOptions.Section)).ValidateDataAnnotations().ValidateOnStart()
            // A cluster node is one of several checkers: its observations carry its Cluster:Region (and Cluster:IPAddress).
            .PostConfigure<IOptions<ApiOptions>, IOptions<ClusterOptions>>((o, api, cluster) =>
            {
                if (api.Value.Store != ApiStoreKind.PostgreSql)
                    return;
                // HealthChecks:CheckerRegion set to something else than its default still wins (and is validated).
                if (o.CheckerRegion == new HealthCheckOptions().CheckerRegion)
                    o.CheckerRegion = cluster.Value.Region;
                if (cluster.Value.IPAddress is { Length: > 0 } address)
                    o.CheckerAddress = address;
            });
        // Names in health checks resolve through this server, over one of its own UDP listeners.
        builder.Services.AddSingleton<IHealthCheckResolver>(sp => new DnsServerResolver(() => OwnEndPoint(sp.GetRequiredService<DnsListeners>())));
        builder.Services.AddSingleton(sp => new HealthChecker(sp.GetRequiredService<HealthStates>(), sp.GetRequiredService<IOptions<HealthCheckOptions>>(),
            sp.GetRequiredService<IHealthCheckResolver>(), sp.GetRequiredService<ILogger<HealthChecker>>(), sp.GetRequiredService<ZoneRegistry>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HealthChecker>());
        builder.Services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section));
        builder.Services.AddOptions<WebConsoleOptions>().Bind(builder.Configuration.GetSection(WebConsoleOptions.Section));
        builder.Services.AddSingleton<DnsHost.Route53.Api.ApiMetrics>();
        builder.Services.AddOptions<ClusterOptions>().Bind(builder.Configuration.GetSection(ClusterOptions.Section));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ApiOptions>>().Value;
            var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            ApiStore store;
            if (options.Store == ApiStoreKind.PostgreSql)
            {
                store = ApiStore.OpenPostgreSqlOrSnapshot(options.ConnectionString ?? throw new ApiStoreException("Api:Store is PostgreSql but Api:ConnectionString is not set"),
                    cluster.EffectiveSnapshotPath(options.DataPath), out var unreachable);
                if (unreachable is not null)
                    ClusterLog.ServingSnapshot(sp.GetRequiredService<ILoggerFactory>().CreateLogger("DnsHost.Cluster"), unreachable.Message, cluster.EffectiveSnapshotPath(options.DataPath)!,
                        store.SnapshotSequence, store.SnapshotTakenAt ?? DateTimeOffset.MinValue);
            }
            else
                store = ApiStore.Open(ApiStoreKind.Sqlite, options.DataPath);
            store.NodeName = cluster.EffectiveNodeName(options.Listen);
            return store;
        });
        builder.Services.AddSingleton(sp => new HostedZoneService(sp.GetRequiredService<ZoneRegistry>(), sp.GetRequiredService<ApiStore>(),
            sp.GetRequiredService<RoutingEnvironment>(), sp.GetRequiredService<IOptions<RoutingOptions>>().Value,
            id => sp.GetRequiredService<HealthChecker>().GetSpec(id) is not null)
        {
            PendingFor = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ApiOptions>>().Value.PendingSeconds),
            NodeTimeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeTimeoutSeconds),
            Time = sp.GetRequiredService<TimeProvider>(),
            Quotas = sp.GetRequiredService<IOptions<AccountQuotas>>().Value,
        });
        // Route 53 query logging: the configurations live in the API store and are read at start, API or not.
        builder.Services.AddOptions<QueryLogOptions>().Bind(builder.Configuration.GetSection(QueryLogOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<QueryLogTargets>();
        builder.Services.AddSingleton(sp => new QueryLoggingService(sp.GetRequiredService<ApiStore>(), sp.GetRequiredService<HostedZoneService>(), sp.GetRequiredService<QueryLogTargets>()));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ApiOptions>>().Value;
            var log = new QueryLog(sp.GetRequiredService<IOptions<QueryLogOptions>>().Value,
                Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DataPath)) ?? ".", "querylogs"),
                sp.GetRequiredService<QueryLogTargets>(), sp.GetRequiredService<ILogger<QueryLog>>(), sp.GetRequiredService<TimeProvider>());
            // The stored configurations are published when the service is made: make it now.
            sp.GetRequiredService<QueryLoggingService>();
            return log;
        });
        builder.Services.AddSingleton(sp => new HostedZoneDnssec(sp.GetRequiredService<HostedZoneService>(), sp.GetRequiredService<ApiStore>(),
            HostedZoneDnssec.KeyEncryptionKeyFrom(sp.GetRequiredService<IOptions<DnssecOptions>>().Value.KeyEncryptionKey))
        {
            ZskSchedule = sp.GetRequiredService<IOptions<DnssecOptions>>().Value.Rollover.HostedZoneTimings,
        });
        builder.Services.AddOptions<AccountQuotas>().Bind(builder.Configuration.GetSection(AccountQuotas.Section));
        builder.Services.AddSingleton(sp => new HealthCheckService(sp.GetRequiredService<ApiStore>(), sp.GetRequiredService<HealthChecker>())
        {
            Quotas = sp.GetRequiredService<IOptions<AccountQuotas>>().Value,
            NodeTimeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeTimeoutSeconds),
            ObservationRefresh = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ObservationRefreshSeconds),
            Time = sp.GetRequiredService<TimeProvider>(),
        });
        builder.Services.AddSingleton(sp => new TagService(sp.GetRequiredService<ApiStore>(), sp.GetRequiredService<HostedZoneService>(), sp.GetRequiredService<HealthCheckService>()));
        builder.Services.AddSingleton<ApiServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiServer>());
        // With a PostgreSQL store: apply the other nodes' changes, and report the sequence this node serves.
        builder.Services.AddSingleton<ClusterState>();
        builder.Services.AddHostedService<StoreFollower>();
        builder.Services.AddOptions<SyncServiceOptions>().Bind(builder.Configuration.GetSection(SyncServiceOptions.Section));
        // Only when jobs are configured: the background sync is optional.
        if (builder.Configuration.GetSection(SyncServiceOptions.Section + ":Jobs").GetChildren().Any())
            builder.Services.AddHostedService<SyncService>();
        // What the console's monitoring pages read: traffic history, sync runs, drill timelines.
        DnsHost.Web.WebConsole.ConsoleDataWiring.AddConsoleData(builder);
        builder.Services.AddSettingsValidation();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        // The host logs a failed start ("Hosting failed to start") with the whole stack trace before it rethrows;
        // RunAsync prints that exception itself: a known start-up mistake as one line, anything else in full.
        // Critical stays on, so a background service that stops the host is still logged.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// Starts the host; when a hosted service fails to start, stops the ones that did before the exception
    /// goes on to the one-line report. Disposing a started BackgroundService without a stop cancels it
    /// outside a stop, which the host logs as a critical failure with a stack trace: a bad setting found
    /// late (<c>--api nonsense</c>) printed that trace when the machine was slow enough to let the log through.
    /// </summary>
    public static async Task StartOrStopAsync(IHost host)
    {
        try
        {
            await host.StartAsync();
        }
        // Settings are validated before any service starts, so that failure has nothing to stop.
        catch (Exception startFailure) when (startFailure is not OptionsValidationException)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await host.StopAsync(stopping.Token);
            }
#pragma warning disable CA1031 // The start failure is the one to report: a stop that fails after it (a service never
                               // resolved, one that times out) must not replace it, and is not worth a second report.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            throw;
        }
    }

    /// <summary>Client locations (<c>ClientLocations</c>, <c>Routing:GeoDatabase</c>), VPC networks (<c>Vpcs</c>) and static health.</summary>
    public static RoutingEnvironment CreateRouting(IConfiguration configuration, RoutingOptions options, HealthStates? health = null)
    {
        var locations = configuration.GetSection("ClientLocations").Get<List<ClientLocationEntry>>() ?? [];
        var vpcs = configuration.GetSection("Vpcs").Get<Dictionary<string, List<string>>>() ?? [];
        return RoutingEnvironment.Create(options, locations, vpcs, health);
    }

    private static IPEndPoint OwnEndPoint(DnsListeners listeners)
    {
        var local = (IPEndPoint)listeners.UdpSockets[0].LocalEndPoint!;
        if (local.Address.Equals(IPAddress.Any))
            return new IPEndPoint(IPAddress.Loopback, local.Port);
        return local.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, local.Port) : local;
    }

    private static bool IsNetwork(string cidr)
    {
        try { NetworkList.Parse(cidr); return true; }
        catch (FormatException) { return false; }
    }

    public static async Task<int> RunAsync(CommandLine command)
    {
        IHost host;
        try
        {
            host = Build(command);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or FileNotFoundException)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        try
        {
            // Check settings and bind the sockets before the host starts, so a mistake is one clear line.
            _ = host.Services.GetRequiredService<IOptions<DnsServerOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<ZoneOptions>>().Value;
            _ = host.Services.GetRequiredService<RoutingEnvironment>();
            _ = host.Services.GetRequiredService<RecursionService>();
            _ = host.Services.GetRequiredService<IOptions<HealthCheckOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<SyncServiceOptions>>().Value;
            _ = host.Services.GetRequiredService<DnssecSigning>();
            // The store is opened here, so an unreachable PostgreSQL is one line and exit 78.
            _ = host.Services.GetRequiredService<ApiStore>();
            _ = host.Services.GetRequiredService<TransferService>();
            _ = host.Services.GetRequiredService<SecondaryService>();
            // The folder is checked again when the zones load; here a missing one is one line, not the host's failure log.
            var zones = Path.GetFullPath(host.Services.GetRequiredService<IOptions<ZoneOptions>>().Value.Directory);
            if (!Directory.Exists(zones))
            {
                Console.Error.WriteLine($"dnshost: the zones folder '{zones}' does not exist: create it or point --zones (Zones:Directory) at the folder of your *.zone and *.json files");
                return 78;
            }
            host.Services.GetRequiredService<DnsListeners>().Bind();
            await StartOrStopAsync(host);
            await host.WaitForShutdownAsync();
            return 0;
        }
        catch (Exception e) when (e is ListenerBindException or ApiBindException or InvalidDataException or ApiStoreException)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        catch (InvalidOperationException e) when (SettingConversion.Describe(e) is { } problem)
        {
            Console.Error.WriteLine($"dnshost: {problem}");
            return 78;
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine($"dnshost: invalid setting: {SettingsValidation.Describe(e)}");
            return 78;
        }
        catch (OperationCanceledException)
        {
            // SIGTERM (or Ctrl+C) while the hosted services were still starting, e.g. before Kestrel
            // had bound: the host stops what did start; that is a clean stop, not a crash (exit 134).
            return 0;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FormatException or FileNotFoundException or MaxMind.Db.InvalidDatabaseException)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        catch (Exception e)
        {
            // Not a start-up mistake we know: a bug or an environment failure, so the whole exception helps.
            Console.Error.WriteLine($"dnshost: serve failed: {e}");
            return 1;
        }
        finally
        {
            host.Dispose();
        }
    }
}
