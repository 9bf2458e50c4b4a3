namespace DnsHost.Zones;

/// <summary>
/// A problem found while loading a zone: "file:line:column: message" (line and column 1-based, 0 when not known).
/// Errors stop the zone loading; warnings do not.
/// </summary>
public sealed record ZoneProblem(string File, int Line, string Message, bool IsError = true, int Column = 0)
{
    public override string ToString()
    {
        string severity = IsError ? "" : "warning: ";
        if (Line <= 0)
            return $"{File}: {severity}{Message}";
        return Column > 0 ? $"{File}:{Line}:{Column}: {severity}{Message}" : $"{File}:{Line}: {severity}{Message}";
    }
}

/// <summary>Thrown when a zone cannot be loaded; carries every problem found.</summary>
public sealed class ZoneLoadException(IReadOnlyList<ZoneProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ZoneProblem> Problems { get; } = problems;
}
