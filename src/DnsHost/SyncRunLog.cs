namespace DnsHost;

/// <summary>How a sync run ended.</summary>
public enum SyncRunOutcome { InSync, Applied, Failed }

/// <summary>
/// One run of a background sync job (<c>Sync:Jobs</c>): when it started and ended, what it changed, and
/// the error when it failed. <see cref="ZonesChanged"/> and <see cref="RecordSetChanges"/> are the
/// plan's zones with changes and its record-set changes (0 when in sync, or when the plan failed).
/// </summary>
public sealed record SyncRun(int Job, string Source, string Target, DateTimeOffset Started, DateTimeOffset Ended, SyncRunOutcome Outcome,
    int ZonesChanged, int RecordSetChanges, int HealthChecksChanged, string? Summary, string? Error, IReadOnlyList<string> Warnings)
{
    public TimeSpan Duration => Ended - Started;
}

/// <summary>
/// The background sync jobs' last runs, for the console's sync page: the last <see cref="RunsPerJob"/>
/// of each job, newest first. <see cref="SyncService"/> records them; nothing is kept on disk.
/// </summary>
public sealed class SyncRunLog(TimeProvider time)
{
    public const int RunsPerJob = 50;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, LinkedList<SyncRun>> _runs = [];

    public TimeProvider Time { get; } = time;

    public void Add(SyncRun run)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(run.Job, out var runs))
                _runs[run.Job] = runs = new LinkedList<SyncRun>();
            runs.AddFirst(run);
            if (runs.Count > RunsPerJob)
                runs.RemoveLast();
        }
    }

    /// <summary>One job's runs, newest first (empty for a job that has not run).</summary>
    public IReadOnlyList<SyncRun> Runs(int job)
    {
        lock (_gate)
            return _runs.TryGetValue(job, out var runs) ? runs.ToList() : [];
    }

    /// <summary>Every job's latest run, by job number.</summary>
    public IReadOnlyList<SyncRun> Latest()
    {
        lock (_gate)
            return _runs.OrderBy(r => r.Key).Select(r => r.Value.First!.Value).ToList();
    }
}
