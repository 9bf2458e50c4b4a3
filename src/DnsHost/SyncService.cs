using DnsHost.Route53.Sync;
using DnsHost.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost;

/// <summary>One periodic sync (section <c>Sync:Jobs</c>). A side is <c>route53</c>, <c>route53:URL</c>, <c>dir:PATH</c>, or <c>local</c> for this server's own API.</summary>
public sealed class SyncJobOptions
{
    public string Source { get; set; } = "";
    public string Target { get; set; } = "local";
    public List<string> Zones { get; set; } = [];
    public List<string> Exclude { get; set; } = [];
    public bool Prune { get; set; }
    public double IntervalSeconds { get; set; } = 300;
    /// <summary>A profile from ~/.aws for route53 sides; null uses the credential chain.</summary>
    public string? Profile { get; set; }
    /// <summary>Explicit keys for route53 sides (both or neither); they win over the profile and the chain. Never logged.</summary>
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
}

public sealed class SyncServiceOptions
{
    public const string Section = "Sync";
    public List<SyncJobOptions> Jobs { get; set; } = [];
}

/// <summary>
/// The optional background sync: each job plans and applies on its interval (the first run right after
/// start), logs what it changed, and keeps going after errors. A job whose side is <c>local</c> talks to
/// this server's Route 53 API with the first configured access key.
/// </summary>
public sealed partial class SyncService(IOptions<SyncServiceOptions> options, IOptions<ApiOptions> api, ApiServer server, ILogger<SyncService> logger, TimeProvider time,
    SyncRunLog? runs = null) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Jobs.Select((job, i) => RunJobAsync(i, job, stoppingToken)));

    private async Task RunJobAsync(int index, SyncJobOptions job, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, job.IntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            SyncPlan? plan = null;
            try
            {
                var source = Side(job.Source, job);
                var target = Side(job.Target, job);
                plan = await SyncPlanner.PlanAsync(source, target, new SyncOptions { Include = job.Zones, Exclude = job.Exclude, Prune = job.Prune }, stoppingToken);
                if (plan.IsEmpty)
                {
                    LogInSync(logger, index, job.Source, job.Target);
                    Record(SyncRunOutcome.InSync, null, null, []);
                }
                else
                {
                    var summary = await SyncApplier.ApplyAsync(plan, target, wait: true, TimeSpan.FromMinutes(5), null, stoppingToken);
                    LogApplied(logger, index, job.Source, job.Target, summary.ToString());
                    foreach (string warning in summary.Warnings)
                        LogWarning(logger, index, warning);
                    Record(SyncRunOutcome.Applied, summary.ToString(), null, summary.Warnings);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, index, job.Source, job.Target, e.Message);
                Record(SyncRunOutcome.Failed, null, e.Message, []);
            }

            // The run for the console's sync page; the counts are the plan's (what it set out to change).
            void Record(SyncRunOutcome outcome, string? summary, string? error, IReadOnlyList<string> warnings) =>
                runs?.Add(new SyncRun(index, job.Source, job.Target, started, time.GetUtcNow(), outcome, plan?.Zones.Count ?? 0, plan?.ChangeCount ?? 0,
                    plan?.HealthChecks.Count ?? 0, summary, error, warnings.ToList()));
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private ISyncSide Side(string spec, SyncJobOptions job)
    {
        if (spec != "local")
            return SyncSideFactory.Create(spec, job.Profile, credentials: job.AccessKeyId is { } keyId && job.SecretAccessKey is { } keySecret
                ? new Amazon.Runtime.BasicAWSCredentials(keyId, keySecret) : null, onRetry: notice => LogRetry(logger, spec, notice), time: time);
        var address = server.BaseAddress ?? throw new InvalidOperationException("sync side 'local' needs the HTTP endpoint (Api:Listen is off)");
        var (key, secret) = api.Value.EffectiveAccessKeys.First();
        return SyncSideFactory.Create("route53:" + address, null, credentials: new Amazon.Runtime.BasicAWSCredentials(key, secret), time: time);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "sync side {Side}: retrying, {Notice}")]
    private static partial void LogRetry(ILogger logger, string side, string notice);

    [LoggerMessage(Level = LogLevel.Debug, Message = "sync job {Index} ({Source} -> {Target}): in sync")]
    private static partial void LogInSync(ILogger logger, int index, string source, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "sync job {Index} ({Source} -> {Target}): {Summary}")]
    private static partial void LogApplied(ILogger logger, int index, string source, string target, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sync job {Index}: {Warning}")]
    private static partial void LogWarning(ILogger logger, int index, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "sync job {Index} ({Source} -> {Target}) failed: {Error}; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, int index, string source, string target, string error);
}
