namespace DnsHost.Zones;

/// <summary>
/// What one zone's sources may cost before the load stops with an error (issue 16): a file in the
/// zones folder is input, and a typo or a hostile file must not take the memory, the CPU or the
/// reload loop of the whole server. The defaults let a zone of millions of records load.
/// </summary>
public sealed record ZoneSourceLimits
{
    public static ZoneSourceLimits Default { get; } = new();

    /// <summary>Bytes in one line, and in one entry joined by parentheses.</summary>
    public int MaxLineLength { get; init; } = 1 << 20;

    /// <summary>Bytes in one file (a zone file, an included file, a JSON zone).</summary>
    public long MaxFileBytes { get; init; } = 1L << 30;

    /// <summary>Bytes read for one zone, its own file and every $INCLUDE together.</summary>
    public long MaxZoneBytes { get; init; } = 2L << 30;

    /// <summary>Records in one zone, $GENERATE and includes counted.</summary>
    public int MaxRecords { get; init; } = 10_000_000;

    /// <summary>How deep $INCLUDE may nest.</summary>
    public int MaxIncludeDepth { get; init; } = 8;

    /// <summary>$INCLUDE directives followed for one zone in all (the fan-out: ten per level over nine levels is 10^9).</summary>
    public int MaxIncludes { get; init; } = 1000;

    /// <summary>Whether $INCLUDE may read files outside the zones folder (symbolic links resolved).</summary>
    public bool IncludeOutsideFolder { get; init; }
}
