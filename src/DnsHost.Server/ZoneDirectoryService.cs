using System.Runtime.InteropServices;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Server;

/// <summary>
/// Loads every zones/*.zone into the <see cref="ZoneRegistry"/> before the listeners start, and
/// reloads a zone when its file changes or on SIGHUP. A reload builds the new zone off to the side
/// and swaps it in; a zone that fails to reload keeps serving its last good version.
/// </summary>
public sealed partial class ZoneDirectoryService(ZoneRegistry registry, IOptions<ZoneOptions> options, RoutingEnvironment routing, IOptions<RoutingOptions> routingOptions, ILogger<ZoneDirectoryService> logger) : IHostedService, IDisposable
{
    private readonly ZoneOptions _options = options.Value;
    private readonly Dictionary<string, Zone> _zoneByFile = new(StringComparer.Ordinal);
    private readonly Lock _reloadLock = new();
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private Timer? _debounce;

    public string Directory => Path.GetFullPath(_options.Directory);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Directory))
            throw new DirectoryNotFoundException($"Zones:Directory: the zones folder '{Directory}' does not exist (use --zones DIR)");
        ReloadAll("start");
        if (_options.Watch)
        {
            _debounce = new Timer(_ => ReloadAll("file change"));
            _watcher = new FileSystemWatcher(Directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnChanged;
            _watcher.Created += OnChanged;
            _watcher.Deleted += OnChanged;
            _watcher.Renamed += OnChanged;
            _watcher.EnableRaisingEvents = true;
        }
        if (!OperatingSystem.IsWindows())
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                ThreadPool.QueueUserWorkItem(_ => ReloadAll("SIGHUP"));
            });
        }
        return Task.CompletedTask;
    }

    private void OnChanged(object sender, FileSystemEventArgs e) =>
        // Editors write files in several steps; wait for the burst to settle before reloading.
        _debounce?.Change(TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan);

    /// <summary>Loads every zone file, replacing the zones whose files loaded and dropping those whose files are gone.</summary>
    public void ReloadAll(string reason)
    {
        lock (_reloadLock)
        {
            // Master files (*.zone) and Route 53 hosted zones (*.json).
            var files = System.IO.Directory.GetFiles(Directory, "*.zone").Concat(System.IO.Directory.GetFiles(Directory, "*.json")).Order(StringComparer.Ordinal).ToArray();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var loaded = new List<(string File, Zone Zone)>();
            foreach (var file in files)
            {
                seen.Add(file);
                var warnings = new List<ZoneProblem>();
                try
                {
                    var zone = file.EndsWith(".json", StringComparison.Ordinal)
                        ? HostedZoneLoader.Load(file, routing, routingOptions.Value, Directory, warnings)
                        : MasterFileLoader.Load(file, Directory, warnings);
                    loaded.Add((file, zone));
                }
                catch (ZoneLoadException e)
                {
                    foreach (var problem in e.Problems)
                        LogZoneProblem(logger, problem.ToString());
                    LogZoneKept(logger, file, _zoneByFile.ContainsKey(file) ? "the previous version keeps serving" : "the zone is not served");
                }
                foreach (var warning in warnings)
                    LogZoneWarning(logger, warning.ToString());
            }
            foreach (var group in loaded.Where(l => !l.Zone.IsPrivate).GroupBy(l => l.Zone.OriginText, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                LogDuplicateOrigin(logger, group.Key, string.Join(", ", group.Select(l => Path.GetFileName(l.File))), Path.GetFileName(group.Last().File));
            registry.Update(catalog =>
            {
                foreach (var (file, zone) in loaded)
                {
                    if (_zoneByFile.TryGetValue(file, out var old))
                        catalog = catalog.Without(old);
                    catalog = catalog.With(zone);
                    _zoneByFile[file] = zone;
                }
                foreach (var gone in _zoneByFile.Keys.Where(f => !seen.Contains(f)).ToList())
                {
                    catalog = catalog.Without(_zoneByFile[gone]);
                    _zoneByFile.Remove(gone);
                }
                return catalog;
            });
            foreach (var (file, zone) in loaded)
                LogZoneLoaded(logger, zone.OriginText, zone.Serial, zone.RecordCount, Path.GetFileName(file), reason);
        }
    }

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
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {Zone} serial {Serial} loaded ({Records} records) from {File} ({Reason})")]
    private static partial void LogZoneLoaded(ILogger logger, string zone, uint serial, int records, string file, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogZoneProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogZoneWarning(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zone {Zone} is defined by several files ({Files}); {Winner} is served")]
    private static partial void LogDuplicateOrigin(ILogger logger, string zone, string files, string winner);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File} failed to load; {Outcome}")]
    private static partial void LogZoneKept(ILogger logger, string file, string outcome);
}
