namespace DnsHost.Drill;

/// <summary>What happened at one point of a drill.</summary>
public enum DrillEventKind
{
    Started,
    /// <summary>The check is healthy and the name's healthy answer is known.</summary>
    Baseline,
    /// <summary>The drill broke the backend (closed its endpoint, or overrode the check unhealthy).</summary>
    BackendBroken,
    /// <summary>The first query that got the failed-over answer.</summary>
    FirstNewAnswer,
    /// <summary>From here every query got the failed-over answer: DNS moved.</summary>
    AnswerMoved,
    /// <summary>The drill repaired the backend (reopened its endpoint, or cleared the override).</summary>
    BackendRepaired,
    /// <summary>The first query that got the healthy answer again.</summary>
    FirstOldAnswer,
    /// <summary>From here every query got the healthy answer again.</summary>
    Recovered,
    /// <summary>A switch that queries never saw within the drill's timeout.</summary>
    SwitchTimedOut,
    Finished,
    Failed,
}

/// <summary>One event of a drill; <see cref="Flip"/> is 0 outside the flips.</summary>
public sealed record DrillEvent(DateTimeOffset At, DrillEventKind Kind, int Flip, string Detail);

/// <summary>
/// A drill's timeline: its events in order of time, and its report once it finished. <see cref="Origin"/>
/// says where it ran: <c>server</c> (run by this process, recorded as it went) or <c>reported</c> (a
/// finished report handed in, e.g. from the CLI's <c>dnshost drill --json</c>).
/// </summary>
public sealed record DrillTimeline(string Id, string Name, string Type, string CheckId, string Mode, string Origin, DateTimeOffset Started,
    DateTimeOffset? Ended, bool Running, string? Error, IReadOnlyList<DrillEvent> Events, DrillReport? Report);

/// <summary>
/// The last drills' timelines, for the console's drill page: the last <see cref="MaxDrills"/> drills, each
/// with at most <see cref="MaxEvents"/> events (a 10-flip drill has 63). A drill run in this process
/// records through a <see cref="DrillRecorder"/> as it goes; a drill run elsewhere (the <c>drill</c> verb
/// runs in its own process) reaches the journal only as a finished report, through <see cref="Add"/>.
/// </summary>
public sealed class DrillJournal
{
    public const int MaxDrills = 20;
    public const int MaxEvents = 1000;

    private readonly Lock _gate = new();
    private readonly LinkedList<DrillRecorder> _drills = new();
    private long _nextId;

    /// <summary>Starts the timeline of a drill this process runs; hand the recorder to <see cref="FailoverDrill"/>.</summary>
    public DrillRecorder Begin(DrillSettings settings, DateTimeOffset now)
    {
        var recorder = new DrillRecorder(NextId(), settings.Name, settings.Type.ToString(), settings.CheckId, settings.Mode.ToString().ToLowerInvariant(), "server", now);
        Keep(recorder);
        return recorder;
    }

    /// <summary>Keeps a finished drill's report (one run elsewhere); its events come from the report's switches.</summary>
    public DrillTimeline Add(DrillReport report, DateTimeOffset started, DateTimeOffset ended)
    {
        var recorder = new DrillRecorder(NextId(), report.Name, report.Type, report.CheckId, report.Mode, "reported", started);
        foreach (var flip in report.Timeline)
        {
            recorder.AddSwitch(flip.Flip, flip.Failure);
            recorder.AddSwitch(flip.Flip, flip.Recovery);
        }
        recorder.Finish(report, ended);
        Keep(recorder);
        return recorder.Timeline();
    }

    /// <summary>The kept drills, newest first.</summary>
    public IReadOnlyList<DrillTimeline> Recent()
    {
        lock (_gate)
            return _drills.Select(d => d.Timeline()).ToList();
    }

    public DrillTimeline? Get(string id)
    {
        lock (_gate)
            return _drills.FirstOrDefault(d => d.Id == id)?.Timeline();
    }

    private string NextId() => "drill-" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Keep(DrillRecorder recorder)
    {
        lock (_gate)
        {
            _drills.AddFirst(recorder);
            if (_drills.Count > MaxDrills)
                _drills.RemoveLast();
        }
    }
}

/// <summary>Records one drill's events as it runs. Thread-safe; times are the drill's (the wall clock its queries run on).</summary>
public sealed class DrillRecorder
{
    private readonly Lock _gate = new();
    private readonly List<DrillEvent> _events = [];
    private readonly string _name, _type, _checkId, _mode, _origin;
    private readonly DateTimeOffset _started;
    private DateTimeOffset? _ended;
    private string? _error;
    private DrillReport? _report;

    internal DrillRecorder(string id, string name, string type, string checkId, string mode, string origin, DateTimeOffset started)
    {
        (Id, _name, _type, _checkId, _mode, _origin, _started) = (id, name, type, checkId, mode, origin, started);
        Add(started, DrillEventKind.Started, 0, $"{name} {type}, check {checkId}, by {mode}");
    }

    public string Id { get; }

    public void Add(DateTimeOffset at, DrillEventKind kind, int flip, string detail)
    {
        lock (_gate)
        {
            if (_events.Count < DrillJournal.MaxEvents)
                _events.Add(new DrillEvent(at, kind, flip, detail));
        }
    }

    /// <summary>A finished switch: the break (or repair), then when the first and then every query saw it.</summary>
    public void AddSwitch(int flip, DrillSwitch change)
    {
        bool failure = change.Direction == "failure";
        Add(change.At, failure ? DrillEventKind.BackendBroken : DrillEventKind.BackendRepaired, flip, failure ? "backend broken" : "backend repaired");
        if (change.FirstNewAnswerSeconds is { } first)
            Add(change.At.AddSeconds(first), failure ? DrillEventKind.FirstNewAnswer : DrillEventKind.FirstOldAnswer, flip,
                $"first query on the {(failure ? "new" : "healthy")} answer after {first:0.000} s");
        if (change.AllNewAnswersSeconds is { } all)
            Add(change.At.AddSeconds(all), failure ? DrillEventKind.AnswerMoved : DrillEventKind.Recovered, flip,
                $"every query on {change.NewAnswer} after {all:0.000} s{(change.WithinBound ? "" : " (slower than the bound)")}");
        else
            Add(change.At, DrillEventKind.SwitchTimedOut, flip, $"{change.Direction} never seen by every query ({change.Queries} queries)");
    }

    public void Finish(DrillReport report, DateTimeOffset at)
    {
        Add(at, DrillEventKind.Finished, 0, report.Summary.AllWithinBound ? "every switch within the bound" : "some switch slower than the bound");
        lock (_gate)
            (_report, _ended) = (report, at);
    }

    public void Fail(string error, DateTimeOffset at)
    {
        Add(at, DrillEventKind.Failed, 0, error);
        lock (_gate)
            (_error, _ended) = (error, at);
    }

    public DrillTimeline Timeline()
    {
        lock (_gate)
            return new DrillTimeline(Id, _name, _type, _checkId, _mode, _origin, _started, _ended, _ended is null, _error,
                _events.OrderBy(e => e.At).ToList(), _report);
    }
}
