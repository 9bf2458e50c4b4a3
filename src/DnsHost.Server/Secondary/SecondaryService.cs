using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server;

/// <summary>
/// DnsHost as a secondary (RFC 1034 4.3.5, RFC 1995, RFC 1996): each zone of <c>Transfers:Secondary:Zones</c> is served
/// from its stored copy at start, then refreshed from its primaries: at once, on every NOTIFY from one of them, and on
/// the SOA timers (REFRESH after a success, RETRY after a failure). A zone not refreshed for EXPIRE answers SERVFAIL
/// until a refresh succeeds. Every new copy is stored before it is served, and goes through the registry like any
/// change, so it is journaled for IXFR and NOTIFY'd to our own secondaries (chained transfers).
/// </summary>
public sealed partial class SecondaryService : IHostedService, IDisposable
{
    private readonly Dictionary<string, SecondaryZone> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly ZoneRegistry _registry;
    private readonly TransferService _transfers;
    private readonly SecondaryOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private int _expiredCount;
    private bool _loaded;
    // Zones with no copy yet (never transferred, nothing stored): they answer SERVFAIL, as Knot does. Rebuilt when one gets its first copy.
    private SecondaryZone[] _withoutCopy;

    public SecondaryService(SecondaryOptions options, ZoneRegistry registry, TransferService transfers, SecondaryStore store, ILogger<SecondaryService> logger)
    {
        _options = options;
        _registry = registry;
        _transfers = transfers;
        _logger = logger;
        Store = store;
        foreach (var settings in options.Zones)
        {
            string origin = TransferAccess.Normalize(settings.Name);
            TsigKey? key = null;
            if (!string.IsNullOrWhiteSpace(settings.TsigKey))
                key = transfers.Keys.Find(settings.TsigKey) ?? throw new FormatException($"Transfers:Secondary:Zones ({settings.Name}): TsigKey {settings.TsigKey} is not in Tsig:Keys or Tsig:KeyFiles");
            if (settings.Primaries.Count == 0)
                throw new FormatException($"Transfers:Secondary:Zones ({settings.Name}): Primaries lists no server, e.g. 192.0.2.1 or 127.0.0.1@5300");
            var primaries = settings.Primaries.Select(p => PrimaryServer.Parse(settings.Name, p, transfers.Keys, key)).ToArray();
            if (!_zones.TryAdd(origin, new SecondaryZone(origin, primaries)))
                throw new FormatException($"Transfers:Secondary:Zones: {settings.Name} is listed twice");
        }
        _withoutCopy = [.. _zones.Values];
        transfers.Secondaries = this;
    }

    public SecondaryStore Store { get; }

    public bool HasZones => _zones.Count > 0;

    public IEnumerable<SecondaryZone> Zones => _zones.Values;

    /// <summary>The secondary zone of this name (e.g. "example.test."), or null.</summary>
    public SecondaryZone? Find(string origin) => _zones.GetValueOrDefault(TransferAccess.Normalize(origin));

    /// <summary>Transfers and SOA checks that succeeded, since start (tests and /metrics).</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);
    private long _refreshes;

    /// <summary>New copies taken by IXFR, and by a whole-zone transfer (AXFR, or an IXFR answered with the whole zone), since start.</summary>
    public long IncrementalTransfers => Interlocked.Read(ref _incremental);
    public long FullTransfers => Interlocked.Read(ref _full);
    private long _incremental;
    private long _full;

    /// <summary>Whether the zone is a secondary copy past its EXPIRE time (queries for it get SERVFAIL). Cheap when none has expired.</summary>
    public bool IsExpired(Zone zone) =>
        Volatile.Read(ref _expiredCount) > 0 && _zones.TryGetValue(zone.OriginText, out var secondary) && secondary.Expired;

    /// <summary>
    /// The secondary zone without a copy yet (never transferred, none stored) that <paramref name="lowerName"/> falls in, when
    /// it is closer to the name than <paramref name="selected"/> (the zone served that would answer otherwise); else null.
    /// Such a zone answers SERVFAIL, as Knot does, until its first transfer. Cheap once every zone has a copy.
    /// </summary>
    public SecondaryZone? WithoutCopy(ReadOnlySpan<byte> lowerName, ushort type, Zone? selected)
    {
        var pending = Volatile.Read(ref _withoutCopy);
        SecondaryZone? found = null;
        foreach (var zone in pending)
        {
            var origin = zone.Origin;
            if (origin.Length <= (found?.Origin.Length ?? selected?.Origin.Length ?? 0) || !DnsName.IsSubdomainOf(lowerName, origin))
                continue;
            // RFC 4035 3.1.4.1: DS at the apex belongs to the parent side; a served parent answers it.
            if (type == (ushort)RecordType.DS && lowerName.Length == origin.Length && selected is not null)
                continue;
            found = zone;
        }
        return found;
    }

    /// <summary>The zone has its first copy in the registry: it stops answering SERVFAIL.</summary>
    private void HasCopy(SecondaryZone zone)
    {
        lock (_zones)
            Volatile.Write(ref _withoutCopy, [.. _withoutCopy.Where(z => z != zone)]);
    }

    /// <summary>Puts the stored copies into the registry (at start, and for <c>dnshost explain</c>); runs once.</summary>
    public void LoadStored()
    {
        lock (_zones)
        {
            if (_loaded)
                return;
            _loaded = true;
        }
        var now = _transfers.Time.GetUtcNow();
        foreach (var zone in _zones.Values)
        {
            if (Store.TryLoad(zone.OriginText, out string? problem) is not { } stored)
            {
                if (problem is not null)
                    LogStoredCopyBroken(_logger, zone.OriginText, problem);
                continue;
            }
            zone.Zone = stored.Zone;
            zone.LastRefresh = stored.Refreshed ?? now;
            _registry.Update(c => c.With(stored.Zone, ZoneSourceKind.Secondary));
            HasCopy(zone);
            var expire = SecondaryZone.Timers(stored.Zone).Expire;
            var left = zone.LastRefresh.Value + expire - now;
            LogStoredCopy(_logger, zone.OriginText, stored.Zone.Serial, stored.Zone.Source, left > TimeSpan.Zero ? left.ToString() : "expired");
            if (left <= TimeSpan.Zero)
                SetExpired(zone, true);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LoadStored();
        var time = _transfers.Time;
        foreach (var zone in _zones.Values)
        {
            zone.RefreshTimer = time.CreateTimer(_ => Trigger(zone), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            zone.ExpireTimer = time.CreateTimer(_ => OnExpired(zone), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (zone.Zone is { } stored && !zone.Expired)
                zone.ExpireTimer.Change(zone.LastRefresh!.Value + SecondaryZone.Timers(stored).Expire - time.GetUtcNow(), Timeout.InfiniteTimeSpan);
            // As Knot and BIND do, a secondary asks its primary at start whether its copy is still current.
            Trigger(zone);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        foreach (var zone in _zones.Values)
        {
            zone.RefreshTimer?.Dispose();
            zone.ExpireTimer?.Dispose();
        }
        // A transfer in flight stops at its next read; one being applied or stored is let finish, so what was served is on disk.
        var running = _zones.Values.Select(z => z.Refreshing).OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// A NOTIFY (RFC 1996 3.10) for <paramref name="lowerOrigin"/> from <paramref name="source"/>, signed with <paramref name="key"/>
    /// (verified, or null): a zone we are not a secondary for, or a sender that is not one of its primaries (address, and
    /// the primary's key when it has one), gets NOTAUTH as Knot answers; otherwise the zone is refreshed now.
    /// </summary>
    public ResponseCode Notify(ReadOnlySpan<byte> lowerOrigin, in IpPrefix source, TsigKey? key)
    {
        string origin = DnsName.ToText(lowerOrigin);
        if (!_zones.TryGetValue(origin, out var zone))
            return ResponseCode.NotAuth;
        foreach (var primary in zone.Primaries)
        {
            if (IpPrefix.FromAddress(primary.EndPoint.Address) == source && (primary.Key is null || ReferenceEquals(primary.Key, key)))
            {
                LogNotifyAccepted(_logger, origin, source.ToAddress().ToString());
                Trigger(zone);
                return ResponseCode.NoError;
            }
        }
        LogNotifyIgnored(_logger, origin, source.ToAddress().ToString(), key?.NameText ?? "none");
        return ResponseCode.NotAuth;
    }

    /// <summary>Starts a refresh now, or, when one is running, one more right after it (a NOTIFY during a transfer is not lost).</summary>
    public void Trigger(SecondaryZone zone)
    {
        lock (zone.Lock)
        {
            if (zone.Running)
            {
                zone.Again = true;
                return;
            }
            zone.Running = true;
        }
        zone.Refreshing = Task.Run(() => RefreshLoopAsync(zone));
    }

    /// <summary>Refreshes the zone now and waits for the result (tools and tests); null on success, else why it failed.</summary>
    public async Task<string?> RefreshNowAsync(SecondaryZone zone)
    {
        while (true)
        {
            lock (zone.Lock)
            {
                if (!zone.Running)
                {
                    zone.Running = true;
                    break;
                }
            }
            await Task.Delay(10);
        }
        try
        {
            return await RefreshOnceAsync(zone);
        }
        finally
        {
            lock (zone.Lock)
                zone.Running = false;
        }
    }

    private async Task RefreshLoopAsync(SecondaryZone zone)
    {
        while (true)
        {
            try
            {
                await RefreshOnceAsync(zone);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never lose the zone's timers to a bug in one refresh: log it and try again after RETRY.
                LogRefreshCrashed(_logger, zone.OriginText, e);
                Schedule(zone, RetryOf(zone));
            }
            catch (OperationCanceledException)
            {
            }
            lock (zone.Lock)
            {
                if (!zone.Again || _stopping.IsCancellationRequested)
                {
                    zone.Running = false;
                    return;
                }
                zone.Again = false;
            }
        }
    }

    /// <summary>One refresh from the first primary that answers; null on success, else every primary's failure.</summary>
    private async Task<string?> RefreshOnceAsync(SecondaryZone zone)
    {
        var failures = new List<string>();
        foreach (var primary in zone.Primaries)
        {
            if (_stopping.IsCancellationRequested)
                return "stopping";
            try
            {
                await RefreshFromAsync(zone, primary);
                zone.LastError = null;
                return null;
            }
            catch (Exception e) when (e is TransferFailedException or ZoneLoadException or IOException or UnauthorizedAccessException)
            {
                failures.Add($"{primary}: {e.Message}");
            }
        }
        string why = string.Join("; ", failures);
        zone.LastError = why;
        var retry = RetryOf(zone);
        LogRefreshFailed(_logger, zone.OriginText, why, retry.ToString());
        Schedule(zone, retry);
        return why;
    }

    private TimeSpan RetryOf(SecondaryZone zone) =>
        zone.Zone is { } copy ? SecondaryZone.Timers(copy).Retry : TimeSpan.FromSeconds(_options.BootstrapRetrySeconds);

    private async Task RefreshFromAsync(SecondaryZone zone, PrimaryServer primary)
    {
        var client = new ZoneTransferClient(_transfers.Keys, TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var current = zone.Zone;
        var result = await client.FetchAsync(primary, zone.Origin, current, _stopping.Token);
        Zone? next = null;
        if (!result.UpToDate)
        {
            if (result.Incremental)
            {
                try
                {
                    next = IxfrApplier.Apply(current!, result.Steps!, result.Soa!);
                }
                catch (TransferFailedException e) when (e.TryAxfr)
                {
                    LogIxfrFallback(_logger, zone.OriginText, primary.ToString(), e.Message);
                    result = await client.FetchAsync(primary, zone.Origin, null, _stopping.Token);
                }
            }
            if (next is null && result.Records is { } records)
                next = ZoneBuilder.Build(zone.Origin, records, Store.ZonePath(zone.OriginText));
        }
        if (client.UdpFailure is { } udp)
            LogSoaOverTcp(_logger, zone.OriginText, primary.ToString(), udp);
        if (client.FellBack is { } why)
            LogIxfrFallback(_logger, zone.OriginText, primary.ToString(), why);
        var now = _transfers.Time.GetUtcNow();
        if (next is not null)
        {
            // Served first, then stored (as Knot syncs its zone file after the change is served): writing a big zone's
            // master file takes longer than the change itself. A crash in between restarts on the copy before, and
            // the next refresh brings it up to date again; the primary still holds the change.
            zone.Zone = next;
            _registry.Update(c => c.With(next, ZoneSourceKind.Secondary));
            if (current is null)
                HasCopy(zone);
            Interlocked.Increment(ref result.Incremental ? ref _incremental : ref _full);
            LogTransferred(_logger, zone.OriginText, result.Kind, current?.Serial ?? 0, next.Serial, primary.ToString(), result.Messages, result.Bytes);
            zone.StoreBehind = true;
        }
        else
            LogUpToDate(_logger, zone.OriginText, result.Serial, primary.ToString());
        if (zone.StoreBehind)
            TrySave(zone, primary);
        zone.LastRefresh = now;
        try
        {
            Store.SaveRefreshed(zone.OriginText, now);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(_logger, zone.OriginText, Store.Directory, e.Message);
        }
        Interlocked.Increment(ref _refreshes);
        var (refresh, _, expire) = SecondaryZone.Timers(zone.Zone!);
        zone.ExpireTimer?.Change(expire, Timeout.InfiniteTimeSpan);
        SetExpired(zone, false);
        Schedule(zone, refresh);
    }

    /// <summary>Stores the copy served; a failure is logged and the next refresh tries again (the copy keeps serving).</summary>
    private void TrySave(SecondaryZone zone, PrimaryServer primary)
    {
        try
        {
            Store.SaveZone(zone.Zone!, primary.ToString());
            zone.StoreBehind = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(_logger, zone.OriginText, Store.ZonePath(zone.OriginText), e.Message);
        }
    }

    private void Schedule(SecondaryZone zone, TimeSpan after)
    {
        if (!_stopping.IsCancellationRequested)
            zone.RefreshTimer?.Change(after, Timeout.InfiniteTimeSpan);
    }

    private void OnExpired(SecondaryZone zone)
    {
        if (zone.Zone is null || zone.Expired)
            return;
        LogExpired(_logger, zone.OriginText, zone.LastRefresh?.ToString("u") ?? "never");
        SetExpired(zone, true);
    }

    private void SetExpired(SecondaryZone zone, bool expired)
    {
        lock (zone.Lock)
        {
            if (zone.ExpiredFlag == expired)
                return;
            Volatile.Write(ref zone.ExpiredFlag, expired);
            Interlocked.Add(ref _expiredCount, expired ? 1 : -1);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Secondary zone {Zone}: serving the stored copy, serial {Serial} from {Path} (expires in {Left})")]
    private static partial void LogStoredCopy(ILogger logger, string zone, uint serial, string path, string left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secondary zone {Zone}: the stored copy does not load ({Problem}); waiting for a transfer")]
    private static partial void LogStoredCopyBroken(ILogger logger, string zone, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Secondary zone {Zone}: {Kind} serial {From} -> {To} from {Primary} ({Messages} messages, {Bytes} bytes)")]
    private static partial void LogTransferred(ILogger logger, string zone, string kind, uint from, uint to, string primary, int messages, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Secondary zone {Zone}: serial {Serial} at {Primary} is not newer; up to date")]
    private static partial void LogUpToDate(ILogger logger, string zone, uint serial, string primary);

    [LoggerMessage(Level = LogLevel.Error, Message = "Secondary zone {Zone}: the copy could not be stored in {Path} ({Reason}); it is served, and stored again at the next refresh")]
    private static partial void LogStoreFailed(ILogger logger, string zone, string path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Secondary zone {Zone}: SOA of {Primary} asked over TCP ({Reason})")]
    private static partial void LogSoaOverTcp(ILogger logger, string zone, string primary, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Secondary zone {Zone}: IXFR from {Primary} not usable ({Reason}); asking for AXFR")]
    private static partial void LogIxfrFallback(ILogger logger, string zone, string primary, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secondary zone {Zone}: refresh failed ({Reason}); next attempt in {Retry}")]
    private static partial void LogRefreshFailed(ILogger logger, string zone, string reason, string retry);

    [LoggerMessage(Level = LogLevel.Error, Message = "Secondary zone {Zone}: refresh failed unexpectedly")]
    private static partial void LogRefreshCrashed(ILogger logger, string zone, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Secondary zone {Zone} expired (last refreshed {LastRefresh}): answering SERVFAIL until a primary answers")]
    private static partial void LogExpired(ILogger logger, string zone, string lastRefresh);

    [LoggerMessage(Level = LogLevel.Information, Message = "NOTIFY for {Zone} from {Source}: refreshing")]
    private static partial void LogNotifyAccepted(ILogger logger, string zone, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NOTIFY for {Zone} from {Source} (TSIG key {Key}) answered NOTAUTH: not one of the zone's primaries")]
    private static partial void LogNotifyIgnored(ILogger logger, string zone, string source, string key);
}
