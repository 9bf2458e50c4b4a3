using System.Text.Json;
using DnsHost.Route53.Client;
using DnsHost.Route53.Sync;

namespace DnsHost;

/// <summary>
/// The sync verb: <c>sync plan</c> (exit 0 in sync, 2 changes found, 1 error), <c>sync apply</c>, and
/// <c>sync pull</c> (apply with --prune: make the target a copy of the source's selected zones).
/// Sides: <c>route53</c>, <c>route53:URL</c> (any endpoint, such as a DnsHost), <c>dir:PATH</c>.
/// </summary>
public static class SyncCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private const string Usage = "usage: dnshost sync plan|apply|pull --source SIDE --target SIDE [--zone NAME]... [--exclude NAME]... [--prune] [--include-apex] [--json] [--profile NAME] [--no-wait] [--max-attempts N]\n"
        + "  SIDE: route53 | route53:URL | dir:PATH";

    public static async Task<int> RunAsync(CommandLine command)
    {
        if (command.Positional is not [var action] || action is not ("plan" or "apply" or "pull")
            || !command.Options.TryGetValue("source", out var sourceSpec) || !command.Options.TryGetValue("target", out var targetSpec))
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }
        var options = new SyncOptions
        {
            Include = command.Lists.GetValueOrDefault("zone") ?? [],
            Exclude = command.Lists.GetValueOrDefault("exclude") ?? [],
            Prune = action == "pull" || command.Flags.Contains("prune"),
            IncludeApex = command.Flags.Contains("include-apex"),
        };
        bool json = command.Flags.Contains("json");
        try
        {
            int attempts = command.Options.TryGetValue("max-attempts", out var a) ? int.Parse(a, System.Globalization.CultureInfo.InvariantCulture) : 10;
            // Each retry says what it waits for, so an unreachable endpoint is not a silent pause.
            Action<string> retry = notice => Console.Error.WriteLine($"dnshost: sync: retrying, {notice}");
            var source = SyncSideFactory.Create(sourceSpec, command.Options.GetValueOrDefault("profile"), attempts, onRetry: retry);
            var target = SyncSideFactory.Create(targetSpec, command.Options.GetValueOrDefault("profile"), attempts, onRetry: retry);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var plan = await SyncPlanner.PlanAsync(source, target, options, CancellationToken.None);
            if (json && action == "plan")
                Console.WriteLine(SyncPlanner.ToJson(plan));
            else if (!json)
                SyncPlanner.Write(plan, Console.Out);
            if (action == "plan")
            {
                Console.Error.WriteLine($"planned in {clock.Elapsed.TotalSeconds:0.00} s: {plan.Zones.Count} zone(s), {plan.ChangeCount} change(s), {plan.HealthChecks.Count} health check(s); " +
                    $"{(source.Counters?.Calls ?? 0) + (target.Counters?.Calls ?? 0)} API call(s)");
                return plan.IsEmpty ? 0 : 2;
            }
            if (plan.IsEmpty)
            {
                Console.WriteLine("nothing to do");
                return 0;
            }
            var progress = new ProgressReporter(Console.IsErrorRedirected);
            var summary = await SyncApplier.ApplyAsync(plan, target, !command.Flags.Contains("no-wait"), TimeSpan.FromMinutes(10), progress.Report, CancellationToken.None);
            progress.Done();
            foreach (string warning in summary.Warnings)
                Console.Error.WriteLine($"warning: {warning}");
            // The whole run: both sides' listings for the plan as well as the writes.
            summary.ApiCalls = (source.Counters?.Calls ?? 0) + (target.Counters?.Calls ?? 0);
            summary.Retries = (source.Counters?.Retries ?? 0) + (target.Counters?.Retries ?? 0);
            summary.Elapsed = clock.Elapsed;
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(summary, Indented));
            else
                Console.WriteLine($"applied: {summary}");
            return 0;
        }
        catch (Exception e) when (e is Route53ClientException or Route53CredentialsException or InvalidOperationException or InvalidDataException or IOException or HttpRequestException
            or TimeoutException or FormatException or ArgumentException or DnsHost.Zones.ZoneLoadException)
        {
            Console.Error.WriteLine($"dnshost sync: {e.Message}");
            return 1;
        }
    }

    /// <summary>A progress bar on a terminal, a plain line per tenth of the work otherwise (CI logs).</summary>
    private sealed class ProgressReporter(bool plain)
    {
        private int _lastTenth = -1;
        private bool _drawn;

        public void Report(SyncProgress p)
        {
            double share = p.BatchesTotal == 0 ? 1 : (double)p.BatchesDone / p.BatchesTotal;
            if (plain)
            {
                int tenth = (int)(share * 10);
                if (tenth != _lastTenth)
                {
                    _lastTenth = tenth;
                    Console.Error.WriteLine($"sync: {p.BatchesDone}/{p.BatchesTotal} batches, {p.ChangesDone}/{p.ChangesTotal} changes ({p.Zone})");
                }
                return;
            }
            int width = 30, filled = (int)(share * width);
            Console.Error.Write($"\r[{new string('#', filled)}{new string(' ', width - filled)}] {p.BatchesDone}/{p.BatchesTotal} batches {p.ChangesDone}/{p.ChangesTotal} changes {p.Zone,-30}");
            _drawn = true;
        }

        public void Done()
        {
            if (_drawn)
                Console.Error.WriteLine();
        }
    }
}
