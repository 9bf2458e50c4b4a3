using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.WebConsole;

/// <summary>The sync page's last runs: per job, newest first, bounded.</summary>
[Trait("Kind", "Unit")]
public sealed class SyncRunLogTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static SyncRun Run(int job, int minute, SyncRunOutcome outcome, string? error = null) =>
        new(job, "route53", "local", Noon.AddMinutes(minute), Noon.AddMinutes(minute).AddSeconds(3), outcome, outcome == SyncRunOutcome.Applied ? 2 : 0,
            outcome == SyncRunOutcome.Applied ? 7 : 0, 0, null, error, []);

    [Fact]
    public void Each_jobs_runs_are_kept_newest_first_up_to_the_bound()
    {
        var log = new SyncRunLog(new FakeTimeProvider(Noon));
        for (int i = 0; i < SyncRunLog.RunsPerJob + 10; i++)
            log.Add(Run(0, i, SyncRunOutcome.InSync));
        log.Add(Run(1, 0, SyncRunOutcome.Failed, "NoSuchHostedZone"));
        log.Add(Run(0, 100, SyncRunOutcome.Applied));

        var runs = log.Runs(0);
        Assert.Equal(SyncRunLog.RunsPerJob, runs.Count);
        Assert.Equal(Noon.AddMinutes(100), runs[0].Started);
        Assert.Equal(TimeSpan.FromSeconds(3), runs[0].Duration);
        Assert.Equal((2, 7), (runs[0].ZonesChanged, runs[0].RecordSetChanges));
        Assert.Equal([SyncRunOutcome.Applied, SyncRunOutcome.Failed], log.Latest().Select(r => r.Outcome));
        Assert.Equal("NoSuchHostedZone", log.Latest()[1].Error);
        Assert.Empty(log.Runs(7));
    }
}
