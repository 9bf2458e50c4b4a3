using System.Runtime.InteropServices;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Server;

/// <summary>
/// The zone folder as a source of the <see cref="ZoneRegistry"/>: loads every zones/*.zone and
/// zones/*.json before the listeners start, reloads just the file that changed (FileSystemWatcher),
/// and everything on SIGHUP. A reload builds the new zone off to the side and swaps it in; a zone
/// that fails to reload keeps serving its last good version. When the folder itself disappears
/// (deleted or renamed), the last good zones keep serving and the folder is picked up again when
/// it is back. A file zone with the name of a Route 53 API zone is kept aside (see <see cref="ZoneCatalog"/>).
/// </summary>
public sealed partial class ZoneDirectoryService(ZoneRegistry registry, IOptions<ZoneOptions> options, RoutingEnvironment routing, IOptions<RoutingOptions> routingOptions,
    ILogger<ZoneDirectoryService> logger, TimeProvider? time = null) : IHostedService, IDisposable
{
    private static readonly TimeSpan FolderCheckInterval = TimeSpan.FromSeconds(2);
    private readonly ZoneOptions _options = options.Value;
    private readonly ZoneSourceLimits _limits = options.Value.Limits;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Zone> _zoneByFile = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changedFiles = new(StringComparer.Ordinal);
    private readonly Lock _reloadLock = new();
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private Timer? _debounce;
    private ITimer? _folderCheck;
    private bool _folderMissing;

    public string Directory => Path.GetFullPath(_options.Directory);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // At start a missing folder is a setting mistake; later it is an accident to ride out.
        if (!System.IO.Directory.Exists(Directory))
            throw new DirectoryNotFoundException($"Zones:Directory: the zones folder '{Directory}' does not exist (use --zones DIR)");
        ReloadAll("start");
        if (_options.Watch)
        {
            _debounce = new Timer(_ => ReloadChangedFiles());
            Watch();
            _folderCheck = _time.CreateTimer(_ => CheckFolder(), null, FolderCheckInterval, FolderCheckInterval);
        }
        if (!OperatingSystem.IsWindows())
        {
            // Started under nohup, SIGHUP arrives ignored; a reload signal must still reload.
            InheritedSignals.Unignore(PosixSignal.SIGHUP);
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                ThreadPool.QueueUserWorkItem(_ => ReloadAll("SIGHUP"));
            });
        }
        return Task.CompletedTask;
    }

    private void Watch()
    {
        _watcher?.Dispose();
        _watcher = new FileSystemWatcher(Directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Error += (_, e) => LogWatcherFailed(logger, Directory, e.GetException());
        _watcher.EnableRaisingEvents = true;
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        lock (_changedFiles)
        {
            _changedFiles.Add(e.FullPath);
            if (e is RenamedEventArgs renamed)
                _changedFiles.Add(renamed.OldFullPath);
        }
        // Editors write files in several steps; wait for the burst to settle before reloading.
        _debounce?.Change(TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan);
    }

    private void ReloadChangedFiles()
    {
        string[] files;
        lock (_changedFiles)
        {
            files = [.. _changedFiles];
            _changedFiles.Clear();
        }
        if (files.Length > 0)
            ReloadFiles(files, "file change");
    }

    /// <summary>
    /// Notices the folder going away or coming back (a watcher cannot: it dies with its folder).
    /// Runs on a timer; tests call it directly.
    /// </summary>
    public void CheckFolder()
    {
        bool exists = System.IO.Directory.Exists(Directory);
        if (exists && Volatile.Read(ref _folderMissing))
        {
            ReloadAll("zones folder is back");
            if (_options.Watch && !Volatile.Read(ref _folderMissing))
            {
                try
                {
                    Watch();
                }
                catch (Exception e) when (e is ArgumentException or IOException)
                {
                    // Gone again already: the next check tries again.
                    LogWatcherFailed(logger, Directory, e);
                }
            }
        }
        else if (!exists)
            ReloadAll("zones folder check");
    }

    /// <summary>Reloads these files only (changed, created, deleted); the other zones stay as they are, same objects.</summary>
    public void ReloadFiles(IEnumerable<string> paths, string reason)
    {
        lock (_reloadLock)
        {
            if (!FolderPresent())
                return;
            var loaded = new List<(string File, Zone Zone)>();
            var removed = new List<string>();
            foreach (var path in paths.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
            {
                // Anything else in the folder may be an $INCLUDE of some zone: reload them all.
                if (!IsZoneFile(path) || !string.Equals(Path.GetDirectoryName(path), Directory.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
                {
                    ReloadAll(reason);
                    return;
                }
                if (File.Exists(path))
                {
                    if (Load(path) is { } zone)
                        loaded.Add((path, zone));
                }
                else if (_zoneByFile.ContainsKey(path))
                    removed.Add(path);
            }
            Apply(loaded, removed, reason);
        }
    }

    /// <summary>Loads every zone file, replacing the zones whose files loaded and dropping those whose files are gone.</summary>
    public void ReloadAll(string reason)
    {
        lock (_reloadLock)
        {
            if (!FolderPresent())
                return;
            string[] files;
            try
            {
                // Master files (*.zone) and Route 53 hosted zones (*.json).
                files = System.IO.Directory.GetFiles(Directory, "*.zone").Concat(System.IO.Directory.GetFiles(Directory, "*.json")).Order(StringComparer.Ordinal).ToArray();
            }
            catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                // Gone between the check and the listing.
                FolderGone(e.Message);
                return;
            }
            var loaded = new List<(string File, Zone Zone)>();
            foreach (var file in files)
            {
                if (Load(file) is { } zone)
                    loaded.Add((file, zone));
            }
            foreach (var group in loaded.Where(l => !l.Zone.IsPrivate).GroupBy(l => l.Zone.OriginText, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                LogDuplicateOrigin(logger, group.Key, string.Join(", ", group.Select(l => Path.GetFileName(l.File))), Path.GetFileName(group.Last().File));
            // A file that did not load keeps its last good zone; only files no longer there are dropped.
            var removed = _zoneByFile.Keys.Where(f => !files.Contains(f, StringComparer.Ordinal)).ToList();
            Apply(loaded, removed, reason);
        }
    }

    private bool FolderPresent()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            Volatile.Write(ref _folderMissing, false);
            return true;
        }
        FolderGone("it does not exist");
        return false;
    }

    private void FolderGone(string why)
    {
        if (!_folderMissing)
            LogFolderMissing(logger, Directory, why, _zoneByFile.Count);
        Volatile.Write(ref _folderMissing, true);
    }

    private static bool IsZoneFile(string path) =>
        path.EndsWith(".zone", StringComparison.Ordinal) || path.EndsWith(".json", StringComparison.Ordinal);

    /// <summary>
    /// Loads one zone source. Whatever goes wrong stays inside this zone (issue 16): it is logged with
    /// its file (and line where known), the zone keeps its last good version and the reload goes on.
    /// </summary>
    private Zone? Load(string file)
    {
        var warnings = new List<ZoneProblem>();
        string kept = _zoneByFile.ContainsKey(file) ? "the previous version keeps serving" : "the zone is not served";
        try
        {
            return file.EndsWith(".json", StringComparison.Ordinal)
                ? HostedZoneLoader.Load(file, routing, routingOptions.Value, Directory, warnings, _limits)
                : MasterFileLoader.Load(file, Directory, warnings, _limits);
        }
        catch (ZoneLoadException e)
        {
            LogCapped(e.Problems, LogZoneProblem);
            LogZoneKept(logger, file, kept);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Deleted or locked between the event and the read: the next event or check sees it again.
            LogZoneKept(logger, file, $"{e.Message}; {kept}");
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug in a loader must not end the process or the reload of the other zones: one line, no content, no stack.
            LogZoneFailed(logger, file, e.GetType().Name, kept);
            return null;
        }
        finally
        {
            LogCapped(warnings, LogZoneWarning);
        }
    }

    /// <summary>The first problems of one load and then a count, so one file cannot flood the log.</summary>
    private void LogCapped(IReadOnlyList<ZoneProblem> problems, Action<ILogger, string> log)
    {
        int shown = Math.Min(problems.Count, _options.MaxLoggedProblems);
        for (int i = 0; i < shown; i++)
            log(logger, problems[i].ToString());
        if (problems.Count > shown)
            log(logger, $"{problems[0].File}: {problems.Count - shown} more {(problems[0].IsError ? "problems" : "warnings")} not shown");
    }

    /// <summary>One registry update for the whole reload, so readers and health checks see it at once.</summary>
    private void Apply(List<(string File, Zone Zone)> loaded, List<string> removed, string reason)
    {
        if (loaded.Count == 0 && removed.Count == 0)
            return;
        registry.Update(catalog =>
        {
            foreach (var (file, zone) in loaded)
            {
                if (_zoneByFile.TryGetValue(file, out var old))
                {
                    // As Knot does: secondaries compare serials, so an edit without a bump never reaches them.
                    if (old.Serial == zone.Serial && !SameContent(old, zone))
                        LogSerialNotIncreased(logger, Path.GetFileName(file), zone.OriginText, zone.Serial);
                    catalog = catalog.Without(old);
                }
                catalog = catalog.With(zone, ZoneSourceKind.File);
                _zoneByFile[file] = zone;
            }
            foreach (var gone in removed)
            {
                catalog = catalog.Without(_zoneByFile[gone]);
                _zoneByFile.Remove(gone);
            }
            return catalog;
        });
        var current = registry.Current;
        foreach (var (file, zone) in loaded)
        {
            LogZoneLoaded(logger, zone.OriginText, zone.Serial, zone.RecordCount, Path.GetFileName(file), reason);
            if (!zone.IsPrivate && current.GetExact(zone.Origin) is { } winner && !ReferenceEquals(winner, zone) && current.KindOf(winner) == ZoneSourceKind.Api)
                LogShadowedByApi(logger, zone.OriginText, Path.GetFileName(file), winner.HostedZone?.Id ?? winner.Source);
        }
        foreach (var gone in removed)
            LogZoneRemoved(logger, Path.GetFileName(gone), reason);
        // Parsing and building a big zone leaves a few hundred MB of garbage behind; hand it back to the
        // system now (one blocking collection) instead of keeping it committed until the GC next needs it.
        if (loaded.Sum(l => (long)l.Zone.RecordCount) >= LargeLoad)
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>Same records (owner, type, class, TTL, RDATA, in the zone's order) and the same routed sets.</summary>
    private static bool SameContent(Zone a, Zone b)
    {
        if (a.RecordCount != b.RecordCount)
            return false;
        using (var left = a.Records.GetEnumerator())
        using (var right = b.Records.GetEnumerator())
        {
            while (left.MoveNext() && right.MoveNext())
            {
                var (x, y) = (left.Current, right.Current);
                if (x.Type != y.Type || x.Class != y.Class || x.Ttl != y.Ttl || !x.Owner.AsSpan().SequenceEqual(y.Owner) || !x.RData.AsSpan().SequenceEqual(y.RData))
                    return false;
            }
        }
        // JSON zones: routed and alias sets are not among the plain records; compare them as the file gave them.
        var (setsA, setsB) = (a.HostedZone?.RecordSets ?? [], b.HostedZone?.RecordSets ?? []);
        return setsA.Count == setsB.Count && setsA.Select(Json).SequenceEqual(setsB.Select(Json), StringComparer.Ordinal);

        static string Json(DnsHost.Zones.HostedZones.ResourceRecordSetJson set) =>
            System.Text.Json.JsonSerializer.Serialize(set, DnsHost.Zones.HostedZones.HostedZoneDocument.Options);
    }

    /// <summary>Records loaded at once from which the memory the load used is returned at once.</summary>
    private const long LargeLoad = 100_000;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _sighup?.Dispose();
        _debounce?.Dispose();
        _folderCheck?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {Zone} serial {Serial} loaded ({Records} records) from {File} ({Reason})")]
    private static partial void LogZoneLoaded(ILogger logger, string zone, uint serial, int records, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: zone {Zone} changed but its SOA serial {Serial} did not increase; secondaries that compare serials will not transfer the change")]
    private static partial void LogSerialNotIncreased(ILogger logger, string file, string zone, uint serial);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File} is gone; its zone is no longer served ({Reason})")]
    private static partial void LogZoneRemoved(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogZoneProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogZoneWarning(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zone {Zone} is defined by several files ({Files}); {Winner} is served")]
    private static partial void LogDuplicateOrigin(ILogger logger, string zone, string files, string winner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zone {Zone} from {File} is not served: the Route 53 API hosted zone {HostedZoneId} has the same name and takes precedence")]
    private static partial void LogShadowedByApi(ILogger logger, string zone, string file, string hostedZoneId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File} failed to load; {Outcome}")]
    private static partial void LogZoneKept(ILogger logger, string file, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File} failed to load ({Error} in the loader); {Outcome}")]
    private static partial void LogZoneFailed(ILogger logger, string file, string error, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "The zones folder {Directory} is unavailable ({Why}); the {Count} zones from it keep serving until it is back")]
    private static partial void LogFolderMissing(ILogger logger, string directory, string why, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the zones folder {Directory} failed; changes are picked up by the folder check and SIGHUP")]
    private static partial void LogWatcherFailed(ILogger logger, string directory, Exception exception);
}
