using System.Net;
using DnsHost.Drill;

namespace DnsHost.Tests.WebConsole;

/// <summary>The drill page's timelines: events in time order, bounded, from a running drill or a finished report.</summary>
[Trait("Kind", "Unit")]
public sealed class DrillJournalTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static DrillReport Report(int flips, bool slowRecovery = false)
    {
        var timeline = Enumerable.Range(1, flips).Select(f =>
        {
            var at = Noon.AddMinutes(f);
            return new DrillFlip(f, new DrillSwitch("failure", at, 20.5, 21.0, 900, "192.0.2.2", true),
                new DrillSwitch("recovery", at.AddSeconds(30), slowRecovery ? null : 9.0, slowRecovery ? null : 10.0, 500, "192.0.2.1", !slowRecovery));
        }).ToList();
        return new DrillReport("app.drill.test.", "A", "hc", "endpoint", "127.0.0.1:8080/", 10, 2, "192.0.2.1", timeline,
            new DrillSummary(flips, 21, 21, 21, 10, 10, !slowRecovery));
    }

    [Fact]
    public void A_reported_drill_becomes_a_timeline_of_breaks_moves_and_recoveries_in_time_order()
    {
        var journal = new DrillJournal();
        var timeline = journal.Add(Report(2), Noon, Noon.AddMinutes(3));

        Assert.Equal("reported", timeline.Origin);
        Assert.False(timeline.Running);
        Assert.Equal(
            [
                (Noon, DrillEventKind.Started, 0),
                (Noon.AddMinutes(1), DrillEventKind.BackendBroken, 1),
                (Noon.AddMinutes(1).AddSeconds(20.5), DrillEventKind.FirstNewAnswer, 1),
                (Noon.AddMinutes(1).AddSeconds(21), DrillEventKind.AnswerMoved, 1),
                (Noon.AddMinutes(1).AddSeconds(30), DrillEventKind.BackendRepaired, 1),
                (Noon.AddMinutes(1).AddSeconds(39), DrillEventKind.FirstOldAnswer, 1),
                (Noon.AddMinutes(1).AddSeconds(40), DrillEventKind.Recovered, 1),
            ],
            timeline.Events.Take(7).Select(e => (e.At, e.Kind, e.Flip)));
        Assert.Equal(DrillEventKind.Finished, timeline.Events[^1].Kind);
        Assert.Equal(2 + 2 * 6, timeline.Events.Count);
        Assert.Contains("every query on 192.0.2.2 after 21.000 s", timeline.Events[3].Detail);
        Assert.Same(timeline.Report, journal.Get(timeline.Id)!.Report);
    }

    [Fact]
    public void A_switch_never_seen_is_an_event_of_its_own()
    {
        var timeline = new DrillJournal().Add(Report(1, slowRecovery: true), Noon, Noon.AddMinutes(5));
        var timedOut = Assert.Single(timeline.Events, e => e.Kind == DrillEventKind.SwitchTimedOut);
        Assert.Equal("recovery never seen by every query (500 queries)", timedOut.Detail);
        Assert.Equal("some switch slower than the bound", timeline.Events[^1].Detail);
    }

    [Fact]
    public void A_running_drill_shows_its_events_so_far_then_its_failure()
    {
        var journal = new DrillJournal();
        var settings = new DrillSettings { Name = "app.drill.test.", CheckId = "hc", DnsServer = new IPEndPoint(IPAddress.Loopback, 53), Mode = DrillMode.Override };
        var recorder = journal.Begin(settings, Noon);
        recorder.Add(Noon.AddSeconds(2), DrillEventKind.Baseline, 0, "healthy answer: 192.0.2.1");
        var running = journal.Get(recorder.Id)!;
        Assert.True(running.Running);
        Assert.Equal("server", running.Origin);
        Assert.Equal("override", running.Mode);
        Assert.Equal([DrillEventKind.Started, DrillEventKind.Baseline], running.Events.Select(e => e.Kind));

        recorder.Fail("health check hc did not become healthy within 40 s", Noon.AddSeconds(40));
        var failed = journal.Get(recorder.Id)!;
        Assert.False(failed.Running);
        Assert.Equal("health check hc did not become healthy within 40 s", failed.Error);
        Assert.Equal(Noon.AddSeconds(40), failed.Ended);
    }

    [Fact]
    public void The_journal_keeps_the_last_drills_newest_first()
    {
        var journal = new DrillJournal();
        var ids = Enumerable.Range(0, DrillJournal.MaxDrills + 5).Select(i => journal.Add(Report(1), Noon.AddHours(i), Noon.AddHours(i).AddMinutes(2)).Id).ToList();
        var recent = journal.Recent();
        Assert.Equal(DrillJournal.MaxDrills, recent.Count);
        Assert.Equal(ids[^1], recent[0].Id);
        Assert.Null(journal.Get(ids[0]));
    }
}
