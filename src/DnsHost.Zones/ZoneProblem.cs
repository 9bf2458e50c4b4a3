namespace DnsHost.Zones;

/// <summary>A problem found while loading a zone: "file:line: message". Errors stop the zone loading; warnings do not.</summary>
public sealed record ZoneProblem(string File, int Line, string Message, bool IsError = true)
{
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}: {(IsError ? "" : "warning: ")}{Message}" : $"{File}: {(IsError ? "" : "warning: ")}{Message}";
}

/// <summary>Thrown when a zone cannot be loaded; carries every problem found.</summary>
public sealed class ZoneLoadException(IReadOnlyList<ZoneProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ZoneProblem> Problems { get; } = problems;
}
