namespace DnsHost.Health;

/// <summary>One probe as the history keeps it: when its result arrived, its outcome, and how long it took.</summary>
public readonly record struct ProbeSample(DateTimeOffset At, ProbeOutcome Outcome, TimeSpan Latency)
{
    public bool Success => Outcome == ProbeOutcome.Success;
}

/// <summary>A change of what the check reports (probes, an override, a calculated check's children), and why.</summary>
public sealed record StatusChange(DateTimeOffset At, bool Healthy, string Reason);

/// <summary>A failed probe: when, and Route 53's status text ("Failure: Connection refused. ...").</summary>
public sealed record FailureReason(DateTimeOffset At, ProbeOutcome Outcome, string Status);

/// <summary>A check's history at one moment, oldest first, for the console's health-check page.</summary>
/// <param name="Healthy">What the check reports now.</param>
public sealed record HealthCheckHistorySnapshot(string Id, DateTimeOffset Now, bool Healthy, IReadOnlyList<ProbeSample> Probes,
    IReadOnlyList<StatusChange> Changes, IReadOnlyList<FailureReason> Failures);

/// <summary>
/// The recent past of one health check: its probes (outcome and latency, in a ring of
/// <see cref="ProbeCapacity"/>, 16 bytes each, grown as probes arrive), the changes of its reported status
/// (the last <see cref="MaxChanges"/>), and its last failures with Route 53's status text (the last
/// <see cref="FailureCapacity"/>; the newest is GetHealthCheckLastFailureReason's). Thread-safe.
/// </summary>
public sealed class HealthCheckHistory(int probeCapacity = HealthCheckHistory.DefaultProbes, int failureCapacity = HealthCheckHistory.DefaultFailures)
{
    /// <summary>6 hours of a 10-second check, 18 hours of a 30-second one.</summary>
    public const int DefaultProbes = 2160;
    public const int DefaultFailures = 10;
    public const int MaxChanges = 256;

    private struct Probe
    {
        public long UtcTicks;
        public int LatencyMicroseconds;
        public ProbeOutcome Outcome;
    }

    private readonly Lock _gate = new();
    private Probe[] _probes = new Probe[Math.Min(probeCapacity, 64)];
    private int _probeNext, _probeCount;
    private readonly Queue<StatusChange> _changes = new();
    private readonly Queue<(FailureReason Reason, ProbeResult Result)> _failures = new();

    public int ProbeCapacity { get; } = Math.Max(1, probeCapacity);
    public int FailureCapacity { get; } = Math.Max(1, failureCapacity);

    /// <summary>The newest failed probe, or null.</summary>
    public ProbeResult? LastFailure
    {
        get
        {
            lock (_gate)
                return _failures.Count == 0 ? null : _failures.Last().Result;
        }
    }

    public void AddProbe(DateTimeOffset at, ProbeResult result, TimeSpan latency)
    {
        lock (_gate)
        {
            if (_probeCount == _probes.Length && _probes.Length < ProbeCapacity)
                Grow();
            _probes[_probeNext] = new Probe
            {
                UtcTicks = at.UtcTicks,
                LatencyMicroseconds = (int)Math.Clamp(latency.Ticks / TimeSpan.TicksPerMicrosecond, 0, int.MaxValue),
                Outcome = result.Outcome,
            };
            _probeNext = (_probeNext + 1) % _probes.Length;
            _probeCount = Math.Min(_probeCount + 1, _probes.Length);
            if (!result.Success)
            {
                _failures.Enqueue((new FailureReason(at, result.Outcome, result.Status), result));
                if (_failures.Count > FailureCapacity)
                    _failures.Dequeue();
            }
        }
    }

    // The ring is full and may grow: unroll it, oldest first, into a larger one.
    private void Grow()
    {
        var larger = new Probe[Math.Min(ProbeCapacity, _probes.Length * 2)];
        for (int i = 0; i < _probeCount; i++)
            larger[i] = _probes[(_probeNext + i) % _probes.Length];
        _probeNext = _probeCount;
        _probes = larger;
    }

    public void AddChange(DateTimeOffset at, bool healthy, string reason)
    {
        lock (_gate)
        {
            _changes.Enqueue(new StatusChange(at, healthy, reason));
            if (_changes.Count > MaxChanges)
                _changes.Dequeue();
        }
    }

    /// <summary>The probes since <paramref name="since"/> (all without it); every status change kept, so the status before the window is known.</summary>
    public HealthCheckHistorySnapshot Snapshot(string id, DateTimeOffset now, bool healthy, DateTimeOffset? since = null)
    {
        lock (_gate)
        {
            long from = since?.UtcTicks ?? long.MinValue;
            var probes = new List<ProbeSample>(_probeCount);
            for (int i = 0; i < _probeCount; i++)
            {
                var p = _probes[(_probeNext - _probeCount + i + _probes.Length) % _probes.Length];
                if (p.UtcTicks >= from)
                    probes.Add(new ProbeSample(new DateTimeOffset(p.UtcTicks, TimeSpan.Zero), p.Outcome, TimeSpan.FromMicroseconds(p.LatencyMicroseconds)));
            }
            return new HealthCheckHistorySnapshot(id, now, healthy, probes, _changes.ToList(),
                _failures.Select(f => f.Reason).ToList());
        }
    }
}
