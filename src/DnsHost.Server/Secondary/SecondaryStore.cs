using System.Globalization;
using DnsHost.Zones;
using DnsHost.Zones.MasterFiles;

namespace DnsHost.Server;

/// <summary>
/// The last copy of each secondary zone on disk, so a restart serves it at once (as Knot and BIND do): the zone as a
/// master file (<c>NAME.zone</c>) and the time of its last successful refresh (<c>NAME.refreshed</c>, Unix seconds), from
/// which the expire timer goes on after a restart. Both are written to a temporary file and renamed over the old one.
/// </summary>
public sealed class SecondaryStore(string directory)
{
    public string Directory { get; } = directory;

    public string ZonePath(string origin) => Path.Combine(Directory, FileName(origin) + ".zone");

    private string RefreshedPath(string origin) => Path.Combine(Directory, FileName(origin) + ".refreshed");

    private static string FileName(string origin)
    {
        var name = origin.TrimEnd('.');
        if (name.Length == 0)
            return "root";
        foreach (char c in Path.GetInvalidFileNameChars())
            name = name.Replace(c, '_');
        return name.ToLowerInvariant();
    }

    public void SaveZone(Zone zone, string primary)
    {
        System.IO.Directory.CreateDirectory(Directory);
        MasterFileWriter.WriteAtomically(zone, ZonePath(zone.OriginText),
            $"{zone.OriginText} serial {zone.Serial}: secondary copy transferred from {primary} by DnsHost; edits here are overwritten");
    }

    public void SaveRefreshed(string origin, DateTimeOffset when)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = RefreshedPath(origin);
        File.WriteAllText(path + ".tmp", when.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The stored copy and when it was last refreshed, or null when there is none (or it does not load: the problem says why).</summary>
    public (Zone Zone, DateTimeOffset? Refreshed)? TryLoad(string origin, out string? problem)
    {
        problem = null;
        var path = ZonePath(origin);
        if (!File.Exists(path))
            return null;
        Zone zone;
        try
        {
            zone = MasterFileLoader.Load(path);
        }
        catch (ZoneLoadException e)
        {
            problem = e.Message;
            return null;
        }
        if (!string.Equals(zone.OriginText, origin, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"{path} holds {zone.OriginText}, not {origin}";
            return null;
        }
        DateTimeOffset? refreshed = null;
        var refreshedPath = RefreshedPath(origin);
        if (File.Exists(refreshedPath) && long.TryParse(File.ReadAllText(refreshedPath).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds))
            refreshed = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return (zone, refreshed);
    }
}
