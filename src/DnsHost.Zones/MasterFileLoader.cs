using DnsHost.Protocol;
using DnsHost.Zones.MasterFiles;

namespace DnsHost.Zones;

/// <summary>
/// Loads an RFC 1035 master file with <see cref="MasterFileParser"/> and compiles it into a <see cref="Zone"/>.
/// The origin is the file name without ".zone" unless the file sets $ORIGIN before its SOA (the SOA's
/// owner is the zone's apex); $INCLUDE paths are relative to the zones folder.
/// </summary>
public static class MasterFileLoader
{
    /// <summary>Problems reported per file; the rest are counted in a final line.</summary>
    public const int MaxProblems = 100;

    /// <param name="limits">What the zone's sources may cost (<see cref="ZoneSourceLimits.Default"/> when null).</param>
    public static Zone Load(string path, string? zonesDirectory = null, List<ZoneProblem>? warnings = null, ZoneSourceLimits? limits = null)
    {
        string display = DisplayName(path, zonesDirectory);
        limits ??= ZoneSourceLimits.Default;
        var stream = ZoneSourceFile.TryOpen(path, limits.MaxFileBytes, out string openError)
            ?? throw new ZoneLoadException([new ZoneProblem(display, 0, openError)]);
        string folder = zonesDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        string defaultOrigin = OriginFromFileName(path).TrimEnd('.') + ".";
        if (!DnsName.TryParse(defaultOrigin, default, out var defaultOriginWire, out var originError))
        {
            stream.Dispose();
            throw new ZoneLoadException([new ZoneProblem(display, 0, $"the file name does not give a valid zone name ({originError}); set $ORIGIN")]);
        }

        var parser = new MasterFileParser(folder, MaxProblems, limits);
        using var records = parser.Read(stream, display, defaultOriginWire, folder).GetEnumerator();
        // The zone's apex is the owner of its SOA, so records are held back only until the SOA (usually the first).
        var head = new List<ZoneRecord>();
        byte[]? origin = null;
        while (records.MoveNext())
        {
            head.Add(records.Current);
            if (records.Current.Type == (ushort)RecordType.SOA)
            {
                origin = records.Current.Owner;
                break;
            }
        }
        origin ??= defaultOriginWire;

        Zone zone;
        try
        {
            zone = ZoneBuilder.Build(origin, Concat(head, records), display, warnings);
        }
        catch (ZoneLoadException built) when (parser.ProblemCount > 0)
        {
            // A record the parser refused may be why the builder complains (a bad SOA: "no SOA"); both are shown.
            throw new ZoneLoadException(ParserProblems(parser, display).Concat(built.Problems).ToList());
        }
        if (parser.ProblemCount > 0)
            throw new ZoneLoadException(ParserProblems(parser, display));
        return zone;
    }

    private static List<ZoneProblem> ParserProblems(MasterFileParser parser, string display)
    {
        var problems = parser.Problems.ToList();
        if (parser.ProblemCount > problems.Count)
            problems.Add(new ZoneProblem(display, 0, $"{parser.ProblemCount - problems.Count} more problems not shown"));
        return problems;
    }

    private static IEnumerable<ZoneRecord> Concat(List<ZoneRecord> head, IEnumerator<ZoneRecord> rest)
    {
        foreach (var record in head)
            yield return record;
        while (rest.MoveNext())
            yield return rest.Current;
    }

    /// <summary>A TTL in seconds, or with the w/d/h/m/s units BIND, Knot and NSD accept ("1h30m").</summary>
    public static bool TryParseTtl(string token, out long seconds)
    {
        bool ok = PresentationText.TryParseTtl(System.Text.Encoding.UTF8.GetBytes(token), out uint value);
        seconds = value;
        return ok;
    }

    public static string OriginFromFileName(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".zone", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name;
    }

    /// <summary>How errors name a zone file: relative to the zones folder's parent when inside it, else as given.</summary>
    internal static string DisplayName(string path, string? zonesDirectory)
    {
        if (zonesDirectory is null)
            return path;
        string relative = Path.GetRelativePath(zonesDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : Path.Combine(Path.GetFileName(Path.TrimEndingDirectorySeparator(zonesDirectory)), relative);
    }

    /// <summary>Parses one value in presentation format into RDATA (names absolute, as Route 53 reads them).</summary>
    internal static bool TryParseRData(string type, string value, out byte[] rdata, out string error) =>
        MasterFileParser.TryParseRData(type, value, out rdata, out error);
}
