using System.Net;
using DnsHost.Drill;
using DnsHost.Health;
using DnsHost.Server;
using DnsHost.Server.Traffic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// The monitoring pages (issue 22, phase 2b): health checks with their history and overrides, traffic,
/// failover drills run in the server, the resolver's cache and the sync jobs' last runs. Every change goes
/// through the same service calls as the operations endpoints (<see cref="HealthChecker.SetOverride"/>,
/// the resolver's <c>Flush</c>), so the console and <c>/dnshost/...</c> cannot disagree.
/// </summary>
public static class MonitoringEndpoints
{
    /// <summary>The override form's field: Healthy, Unhealthy or Clear.</summary>
    public sealed class OverrideForm
    {
        public string? Status { get; set; }
    }

    /// <summary>The drill form's fields, as <c>dnshost drill</c>'s options.</summary>
    public sealed class DrillForm
    {
        public string? Name { get; set; }
        public string? Type { get; set; }
        public string? CheckId { get; set; }
        public string? Mode { get; set; }
        public int? Flips { get; set; }
        public double? QueryMs { get; set; }
        public double? Settle { get; set; }
        public double? Timeout { get; set; }
    }

    /// <summary>The flush form's field: a name, or empty for the whole cache.</summary>
    public sealed class FlushForm
    {
        public string? Name { get; set; }
        public string? Q { get; set; }
    }

    public static void Map(RouteGroupBuilder console, IServiceProvider services)
    {
        var checker = services.GetRequiredService<HealthChecker>();
        var time = services.GetRequiredService<TimeProvider>();
        string Relative(string path) => path[ConsoleNavigation.Home.Length..];

        console.MapGet(Relative(ConsoleNavigation.HealthChecks), () =>
            new RazorComponentResult<HealthChecksPage>(new { Checks = checker.List() }));
        console.MapGet(Relative(ConsoleNavigation.HealthChecks) + "/{id}", (string id) =>
            checker.Get(id) is { } status
                ? new RazorComponentResult<HealthCheckPage>(new { Status = status, History = checker.HistorySnapshot(id), Now = time.GetUtcNow() })
                : new RazorComponentResult<HealthCheckPage>(new { Status = (HealthCheckStatus?)null, MissingId = id, Now = time.GetUtcNow() })
                { StatusCode = StatusCodes.Status404NotFound });
        console.MapPost(Relative(ConsoleNavigation.HealthChecks) + "/{id}/override", (string id, [FromForm] OverrideForm form) =>
        {
            bool? healthy = form.Status?.ToLowerInvariant() switch
            {
                "healthy" => true,
                "unhealthy" => false,
                _ => null,
            };
            if (healthy is null && !string.Equals(form.Status, "clear", StringComparison.OrdinalIgnoreCase))
                return Results.BadRequest($"Status '{form.Status}' must be Healthy, Unhealthy or Clear");
            return checker.SetOverride(id, healthy)
                ? Results.LocalRedirect(ConsoleNavigation.HealthChecks + "/" + Uri.EscapeDataString(id))
                : Results.NotFound($"No health check exists with the specified ID {id}");
        });

        var traffic = services.GetRequiredService<TrafficHistory>();
        var recursion = services.GetRequiredService<RecursionService>();
        console.MapGet(Relative(ConsoleNavigation.Traffic), () =>
            new RazorComponentResult<TrafficPage>(new { Snapshot = traffic.Snapshot(), ResolverOn = recursion.Resolver is not null }));

        var journal = services.GetRequiredService<DrillJournal>();
        var listeners = services.GetRequiredService<DnsListeners>();
        var dnsOptions = services.GetRequiredService<IOptions<DnsServerOptions>>().Value;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        console.MapGet(Relative(ConsoleNavigation.Drills), (string? error) =>
            new RazorComponentResult<DrillsPage>(new { Drills = journal.Recent(), Checks = checker.List(), Error = error }));
        console.MapPost(Relative(ConsoleNavigation.Drills), ([FromForm] DrillForm form) =>
        {
            if (DrillSettingsFrom(form, DrillServer(dnsOptions, listeners.Port), checker) is not { } settings)
                return Results.LocalRedirect(ConsoleNavigation.Drills + "?error=" + Uri.EscapeDataString(DrillFormError(form, checker)));
            // Two drills on one check would break and repair it under each other.
            if (journal.Recent().Any(d => d.Running && d.CheckId == settings.CheckId))
                return Results.LocalRedirect(ConsoleNavigation.Drills + "?error=" + Uri.EscapeDataString($"A drill on {settings.CheckId} is running; wait for it to end."));
            var recorder = journal.Begin(settings, time.GetUtcNow());
            // The drill runs in the background; its timeline fills in as it goes and the page shows it running.
            _ = Task.Run(async () =>
            {
                try
                {
                    await new FailoverDrill(settings, new LocalHealthOperations(checker), progress: null, recorder).RunAsync(stopping);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
                {
                    // RunAsync has recorded the failure in the timeline.
                }
            }, CancellationToken.None);
            return Results.LocalRedirect(ConsoleNavigation.Drills);
        });

        console.MapGet(Relative(ConsoleNavigation.ResolverCache), (string? q, string? flushed) =>
        {
            if (recursion.Resolver is not { } resolver)
                return new RazorComponentResult<ResolverCachePage>(new { ResolverOn = false });
            long now = resolver.Clock.Now;
            var entries = resolver.Cache.Dump()
                .Where(e => string.IsNullOrEmpty(q) || e.Name.Contains(q.Trim().TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
                .OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Type, StringComparer.Ordinal)
                .Select(e => new ResolverCacheRow(e.Name, e.Type, e.Entry.ResponseCode.ToString().ToUpperInvariant(),
                    (e.Entry.ExpiresAt - now) / 1000, e.Entry.RecordCount, e.Entry.Hits, e.Entry.IsNegative, e.Entry.Security.ToString()))
                .ToList();
            return new RazorComponentResult<ResolverCachePage>(new { ResolverOn = true, Query = q, Entries = entries, Flushed = flushed });
        });
        console.MapPost(Relative(ConsoleNavigation.ResolverCache) + "/flush", ([FromForm] FlushForm form) =>
        {
            string back = ConsoleNavigation.ResolverCache + (string.IsNullOrEmpty(form.Q) ? "?" : "?q=" + Uri.EscapeDataString(form.Q) + "&");
            if (recursion.Resolver is not { } resolver)
                return Results.LocalRedirect(ConsoleNavigation.ResolverCache);
            if (string.IsNullOrWhiteSpace(form.Name))
                return Results.LocalRedirect(back + "flushed=" + Uri.EscapeDataString($"the whole cache: {resolver.Flush()} entries"));
            string name = form.Name.Trim();
            if (!DnsHost.Protocol.DnsName.TryParse(name.EndsWith('.') ? name : name + ".", default, out _, out var error))
                return Results.LocalRedirect(back + "flushed=" + Uri.EscapeDataString($"'{name}' is not a domain name: {error}"));
            return Results.LocalRedirect(back + "flushed=" + Uri.EscapeDataString($"{name}: {resolver.Flush(name)} entries"));
        });

        var syncRuns = services.GetRequiredService<SyncRunLog>();
        console.MapGet(Relative(ConsoleNavigation.Sync), () =>
            new RazorComponentResult<SyncPage>(new { Jobs = syncRuns.Latest().Select(l => syncRuns.Runs(l.Job)).ToList() }));
    }

    /// <summary>The DNS address a drill run in the server queries: the first it listens on, loopback for a wildcard.</summary>
    private static IPEndPoint DrillServer(DnsServerOptions options, int port)
    {
        var address = IPAddress.TryParse(options.EffectiveAddresses[0], out var parsed) ? parsed : IPAddress.Loopback;
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any))
            address = IPAddress.IPv6Loopback;
        return new IPEndPoint(address, port);
    }

    private static DrillSettings? DrillSettingsFrom(DrillForm form, IPEndPoint server, HealthChecker checker)
    {
        if (DrillFormError(form, checker).Length > 0)
            return null;
        var type = Enum.Parse<DnsClient.QueryType>(form.Type!, ignoreCase: true);
        return new DrillSettings
        {
            Name = form.Name!.Trim(),
            Type = type,
            CheckId = form.CheckId!,
            DnsServer = server,
            Mode = Enum.Parse<DrillMode>(form.Mode ?? nameof(DrillMode.Override), ignoreCase: true),
            Flips = form.Flips ?? 1,
            QueryEvery = TimeSpan.FromMilliseconds(form.QueryMs ?? 20),
            Settle = TimeSpan.FromSeconds(form.Settle ?? 1),
            Timeout = form.Timeout is > 0 ? TimeSpan.FromSeconds(form.Timeout.Value) : null,
        };
    }

    /// <summary>What is wrong with the drill form, in words; empty when nothing is.</summary>
    private static string DrillFormError(DrillForm form, HealthChecker checker)
    {
        if (string.IsNullOrWhiteSpace(form.Name))
            return "Name is required: the record name the drill queries.";
        if (string.IsNullOrEmpty(form.Type) || !Enum.TryParse<DnsClient.QueryType>(form.Type, ignoreCase: true, out _))
            return $"Type '{form.Type}' is not a record type.";
        if (string.IsNullOrEmpty(form.CheckId) || checker.Get(form.CheckId) is null)
            return $"No health check exists with the specified ID {form.CheckId}";
        if (form.Mode is not null && !Enum.TryParse<DrillMode>(form.Mode, ignoreCase: true, out _))
            return $"Mode '{form.Mode}' must be endpoint or override.";
        if (form.Flips is not (>= 1 and <= 10))
            return "Flips must be 1 to 10.";
        if (form.QueryMs is <= 0 || form.Settle is < 0 || form.Timeout is < 0)
            return "Query every, settle and timeout must be positive numbers.";
        return "";
    }
}

/// <summary>One cached answer on the resolver cache page.</summary>
public sealed record ResolverCacheRow(string Name, string Type, string ResponseCode, long TtlLeft, int Records, int Hits, bool Negative, string Dnssec);
