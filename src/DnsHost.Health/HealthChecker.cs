using System.Net;
using DnsHost.Zones;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Health;

/// <summary>
/// Runs every health check on its own schedule and publishes each check's status into
/// <see cref="HealthStates"/>, which the answer path reads without locks. Each check has its own loop,
/// started at a random point of its interval so checks do not fire in lockstep; a probe runs beside the
/// loop, so a slow endpoint delays nobody, and at most <c>MaxConcurrentProbes</c> are in flight.
/// </summary>
public sealed partial class HealthChecker : IHostedService, IDisposable
{
    private readonly HealthStates _states;
    private readonly HealthCheckOptions _options;
    private readonly IHealthCheckResolver _resolver;
    private readonly ILogger<HealthChecker> _logger;
    private readonly SemaphoreSlim _concurrency;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyList<HealthCheckSpec>> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _checks = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    // One timer per check whose override has a TTL; it clears the override when the TTL passes.
    private readonly Dictionary<string, ITimer> _overrideTimers = new(StringComparer.Ordinal);
    private bool _started;

    private sealed class Entry(HealthCheckState state)
    {
        public HealthCheckState State { get; } = state;
        public CancellationTokenSource? Loop { get; set; }
    }

    /// <summary>With a zone registry, the checks defined in zone files (<c>HealthChecks</c>) follow every zone load.</summary>
    public HealthChecker(HealthStates states, IOptions<HealthCheckOptions> options, IHealthCheckResolver resolver, ILogger<HealthChecker> logger, ZoneRegistry? zones = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _states = states;
        _options = options.Value;
        _resolver = resolver;
        _logger = logger;
        _concurrency = new SemaphoreSlim(_options.MaxConcurrentProbes);
        _targets = ParseTargetOverrides(_options.TargetOverrides);
        if (zones is not null)
        {
            zones.Changed += catalog =>
            {
                // A fault here must not stop a zone from loading.
                try { SetSource(ZoneSource, FromZones(catalog)); }
                catch (Exception e) { LogSourceFailed(_logger, e); }
            };
            SetSource(ZoneSource, FromZones(zones.Current));
        }
    }

    public const string ZoneSource = "zones";

    private static IEnumerable<HealthCheckSpec> FromZones(ZoneCatalog catalog) =>
        catalog.AllZones.SelectMany(z => z.HostedZone?.HealthChecks ?? []);

    public HealthCheckOptions Options => _options;

    /// <summary>
    /// Replaces the checks that come from one source (the zone files, the API). A check whose settings
    /// did not change keeps its state and schedule; a changed one starts over (keeping an override);
    /// a removed one stops and reports healthy again, as a record set with an unknown check does.
    /// </summary>
    public void SetSource(string source, IEnumerable<HealthCheckSpec> specs)
    {
        lock (_lock)
        {
            _sources[source] = specs.ToArray();
            var wanted = new Dictionary<string, HealthCheckSpec>(StringComparer.Ordinal);
            foreach (var (name, list) in _sources.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                foreach (var spec in list)
                {
                    if (wanted.TryGetValue(spec.Id, out var first))
                        LogDuplicate(_logger, spec.Id, spec.Source, first.Source);
                    else
                        wanted[spec.Id] = spec;
                }
            }
            foreach (var id in _checks.Keys.Where(id => !wanted.ContainsKey(id)).ToList())
            {
                StopLoop(_checks[id]);
                DropOverrideTimer(id);
                _checks.Remove(id);
                _states.Set(id, true);
                LogRemoved(_logger, id);
            }
            foreach (var spec in wanted.Values)
            {
                if (_checks.TryGetValue(spec.Id, out var existing))
                {
                    if (HealthCheckSpecs.SameSettings(existing.State.Spec, spec))
                        continue;
                    StopLoop(existing);
                }
                var entry = new Entry(new HealthCheckState(spec)
                {
                    Override = existing?.State.Override,
                    OverrideExpires = existing?.State.OverrideExpires,
                    History = existing?.State.History ?? new HealthCheckHistory(_options.HistoryProbes, _options.HistoryFailures),
                });
                entry.State.Reported = _states.IsHealthy(spec.Id);
                entry.State.History.AddChange(_time.GetUtcNow(), entry.State.Reported, existing is null ? "check loaded" : "settings changed");
                _checks[spec.Id] = entry;
                Accept(entry);
                if (_started)
                    StartLoop(entry);
            }
            // Children may have come or gone: every calculated check recounts.
            foreach (var entry in _checks.Values)
                Publish(entry, "settings loaded");
        }
    }

    private void Accept(Entry entry)
    {
        var spec = entry.State.Spec;
        if (!_options.Enabled)
            return;
        if (spec.ProbesEndpoint && spec.RequestInterval < _options.MinimumInterval)
            entry.State.NotRunReason = $"RequestInterval {spec.RequestInterval} s is below HealthChecks:MinimumInterval ({_options.MinimumInterval} s); Route 53 allows 10 or 30";
        else if (spec.ProbesEndpoint && spec.IPAddress is { } address && !_options.AllowPrivateTargets && TargetPolicy.IsNonPublic(address))
            entry.State.NotRunReason = $"IPAddress {address} is a loopback, private or reserved address, which Route 53 refuses; set HealthChecks:AllowPrivateTargets=true to check it";
        else if (spec.Type == HealthCheckType.Calculated)
        {
            foreach (var child in spec.ChildHealthChecks)
            {
                if (_checks.TryGetValue(child, out var c) && c.State.Spec.Type == HealthCheckType.Calculated)
                    entry.State.NotRunReason = $"child {child} is a calculated check; a calculated check cannot watch another";
            }
        }
        if (entry.State.NotRunReason is { } reason)
            LogNotRun(_logger, spec.Id, spec.Source, reason);
        if (spec.Type is HealthCheckType.CloudWatchMetric or HealthCheckType.RecoveryControl)
            LogUnsupported(_logger, spec.Id, HealthCheckSpec.TypeName(spec.Type));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _started = true;
            foreach (var entry in _checks.Values)
                StartLoop(entry);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        lock (_lock)
        {
            foreach (var entry in _checks.Values)
                StopLoop(entry);
        }
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // The container disposes it twice (as a singleton and as a hosted service).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stopping.Cancel();
        lock (_lock)
        {
            foreach (var entry in _checks.Values)
                StopLoop(entry);
            foreach (var timer in _overrideTimers.Values)
                timer.Dispose();
            _overrideTimers.Clear();
        }
    }

    private int _disposed;

    private void StartLoop(Entry entry)
    {
        var spec = entry.State.Spec;
        if (!_options.Enabled || !spec.ProbesEndpoint || spec.Disabled || entry.State.NotRunReason is not null)
            return;
        entry.Loop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var token = entry.Loop.Token;
        _ = Task.Run(() => RunLoopAsync(entry.State, token), CancellationToken.None);
    }

    private static void StopLoop(Entry entry)
    {
        entry.Loop?.Cancel();
        entry.Loop?.Dispose();
        entry.Loop = null;
    }

    private async Task RunLoopAsync(HealthCheckState state, CancellationToken cancel)
    {
        var interval = TimeSpan.FromSeconds(state.Spec.RequestInterval);
        try
        {
            // Start somewhere in the first interval, so checks loaded together do not probe together.
            await Task.Delay(interval * Random.Shared.NextDouble(), _time, cancel);
            var next = _time.GetUtcNow();
            for (long sequence = 0; !cancel.IsCancellationRequested; sequence++)
            {
                _ = ProbeOnceAsync(state, sequence, cancel);
                // ±5 % jitter per period keeps checks apart; the mean period stays the interval.
                next += interval * (0.95 + 0.1 * Random.Shared.NextDouble());
                var wait = next - _time.GetUtcNow();
                if (wait < TimeSpan.Zero)
                    next = _time.GetUtcNow();
                else
                    await Task.Delay(wait, _time, cancel);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ProbeOnceAsync(HealthCheckState state, long sequence, CancellationToken cancel)
    {
        ProbeResult result;
        try
        {
            await _concurrency.WaitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        long started = _time.GetTimestamp();
        try
        {
            result = await ProbeAsync(state.Spec, cancel);
            result = result with { Latency = _time.GetElapsedTime(started) };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            result = ProbeResult.Fail(ProbeOutcome.Error, e.Message, null);
        }
        finally
        {
            _concurrency.Release();
        }
        if (cancel.IsCancellationRequested)
            return;
        if (state.Apply(sequence, result, _time.GetUtcNow(), _time.GetElapsedTime(started)))
        {
            lock (_lock)
            {
                if (_checks.TryGetValue(state.Spec.Id, out var entry) && ReferenceEquals(entry.State, state))
                    Publish(entry, $"{result.Reason}: {result.Status}");
            }
        }
    }

    /// <summary>Resolves the target if needed, applies the target policy, and probes once.</summary>
    public async Task<ProbeResult> ProbeAsync(HealthCheckSpec spec, CancellationToken cancel)
    {
        IPAddress? address = spec.IPAddress;
        if (address is null)
        {
            // Route 53 resolves the name at every interval, A records only (route53-behaviour.md 6.1).
            address = await _resolver.ResolveAsync(spec.FullyQualifiedDomainName!, cancel);
            if (address is null)
                return ProbeResult.Fail(ProbeOutcome.DnsFailed, $"DNS resolution failed: {spec.FullyQualifiedDomainName} has no A record.", null);
        }
        if (!_options.AllowPrivateTargets && TargetPolicy.IsNonPublic(address))
            return ProbeResult.Fail(ProbeOutcome.TargetNotAllowed, $"{address} is a loopback, private or reserved address; set HealthChecks:AllowPrivateTargets=true to check it.", address);
        if (_targets.Count > 0 && _targets.TryGetValue(new IPEndPoint(address, spec.Port), out var instead))
            return await EndpointProbe.RunAsync(spec with { Port = instead.Port }, instead.Address, cancel, _time);
        return await EndpointProbe.RunAsync(spec, address, cancel, _time);
    }

    /// <summary>
    /// Forces a check healthy or unhealthy (true/false), or clears the override (null). With a TTL the
    /// override lapses by itself when it passes, so a harness that dies (even by SIGKILL) cannot leave
    /// traffic failed over. False if there is no such check.
    /// </summary>
    public bool SetOverride(string id, bool? healthy, TimeSpan? ttl = null)
    {
        if (ttl is { } t && t <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "an override's TTL must be positive");
        return SetOverrideUntil(id, healthy, healthy is not null && ttl is { } lifetime ? _time.GetUtcNow() + lifetime : null);
    }

    /// <summary>
    /// As <see cref="SetOverride"/>, with the moment the override lapses (null: never), so every node of a
    /// cluster drops an override it was told about at the same time. An override whose moment has passed clears.
    /// </summary>
    public bool SetOverrideUntil(string id, bool? healthy, DateTimeOffset? until)
    {
        lock (_lock)
        {
            if (!_checks.TryGetValue(id, out var entry))
                return false;
            DropOverrideTimer(id);
            var now = _time.GetUtcNow();
            if (until is { } end && end <= now)
                healthy = null;
            entry.State.Override = healthy;
            entry.State.OverrideExpires = healthy is not null ? until : null;
            if (entry.State.OverrideExpires is { } expires)
            {
                _overrideTimers[id] = _time.CreateTimer(_ => ExpireOverride(id, expires), null, expires - now, Timeout.InfiniteTimeSpan);
                LogOverrideUntil(_logger, id, healthy!.Value ? "Healthy" : "Unhealthy", now, expires);
            }
            else
                LogOverride(_logger, id, healthy is null ? "cleared" : healthy.Value ? "Healthy" : "Unhealthy", now);
            Publish(entry, healthy is null ? "override cleared" : "override");
            return true;
        }
    }

    private void ExpireOverride(string id, DateTimeOffset expires)
    {
        lock (_lock)
        {
            // A newer override (or a clear) replaced this one: its own timer decides.
            if (!_checks.TryGetValue(id, out var entry) || entry.State.OverrideExpires != expires)
                return;
            DropOverrideTimer(id);
            entry.State.Override = null;
            entry.State.OverrideExpires = null;
            LogOverrideExpired(_logger, id, expires);
            Publish(entry, "override expired");
        }
    }

    // Called under _lock.
    private void DropOverrideTimer(string id)
    {
        if (_overrideTimers.Remove(id, out var timer))
            timer.Dispose();
    }

    // Called under _lock: publishes the check's status, then lets calculated parents recount.
    private void Publish(Entry entry, string reason)
    {
        var state = entry.State;
        if (state.Spec.Type == HealthCheckType.Calculated)
            state.Children = CountChildren(state.Spec);
        bool healthy = state.Override ?? state.Evaluate();
        if (healthy == state.Reported && _states.IsHealthy(state.Spec.Id) == healthy)
            return;
        bool changed = healthy != state.Reported;
        state.Reported = healthy;
        _states.Set(state.Spec.Id, healthy);
        if (!changed)
            return;
        var now = _time.GetUtcNow();
        state.LastTransition = now;
        state.Transitions++;
        state.History.AddChange(now, healthy, reason);
        LogTransition(_logger, state.Spec.Id, healthy ? "Healthy" : "Unhealthy", now, reason);
        foreach (var parent in _checks.Values)
        {
            if (parent.State.Spec.Type == HealthCheckType.Calculated && parent.State.Spec.ChildHealthChecks.Contains(state.Spec.Id))
                Publish(parent, $"child {state.Spec.Id} is {(healthy ? "healthy" : "unhealthy")}");
        }
    }

    private (int Healthy, int Total) CountChildren(HealthCheckSpec spec)
    {
        int healthy = 0;
        foreach (var child in spec.ChildHealthChecks)
        {
            // A child that does not exist counts as unhealthy; a disabled child reports healthy by itself.
            if (_checks.TryGetValue(child, out var c) && c.State.Reported)
                healthy++;
        }
        return (healthy, spec.ChildHealthChecks.Count);
    }

    public IReadOnlyList<HealthCheckStatus> List()
    {
        lock (_lock)
            return _checks.Values.OrderBy(e => e.State.Spec.Id, StringComparer.Ordinal).Select(e => HealthCheckStatus.From(e.State, _options)).ToList();
    }

    public HealthCheckStatus? Get(string id)
    {
        lock (_lock)
            return _checks.TryGetValue(id, out var entry) ? HealthCheckStatus.From(entry.State, _options) : null;
    }

    /// <summary>
    /// A check's probes since <paramref name="since"/> (all that are kept without it), its status changes and
    /// its last failure reasons, for the console's health-check page; null if there is no such check.
    /// </summary>
    public HealthCheckHistorySnapshot? HistorySnapshot(string id, DateTimeOffset? since = null)
    {
        lock (_lock)
            return _checks.TryGetValue(id, out var entry) ? entry.State.History.Snapshot(id, _time.GetUtcNow(), entry.State.Reported, since) : null;
    }

    public HealthCheckSpec? GetSpec(string id)
    {
        lock (_lock)
            return _checks.TryGetValue(id, out var entry) ? entry.State.Spec : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id} is now {Status} at {Time:O}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string id, string status, DateTimeOffset time, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id}: override {Override} at {Time:O}")]
    private static partial void LogOverride(ILogger logger, string id, string @override, DateTimeOffset time);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id}: override {Override} at {Time:O}, until {Expires:O}")]
    private static partial void LogOverrideUntil(ILogger logger, string id, string @override, DateTimeOffset time, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id}: override expired at {Expires:O}; the check reports from its probes again")]
    private static partial void LogOverrideExpired(ILogger logger, string id, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Error, Message = "health check {Id} ({Source}) is not run and reports unhealthy: {Reason}")]
    private static partial void LogNotRun(ILogger logger, string id, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id}: {Type} checks need AWS data and are not evaluated here; the check reports healthy (no data yet)")]
    private static partial void LogUnsupported(ILogger logger, string id, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health check {Id} in {Source} is already defined in {First}; the first definition is used")]
    private static partial void LogDuplicate(ILogger logger, string id, string source, string first);

    [LoggerMessage(Level = LogLevel.Error, Message = "health checks from the zone files could not be applied")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "health check {Id} was removed")]
    private static partial void LogRemoved(ILogger logger, string id);
}
