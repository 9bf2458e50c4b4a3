namespace DnsHost.Web.WebConsole;

/// <summary>The console's paths and its navigation, in the order the header shows them.</summary>
public static class ConsoleNavigation
{
    public const string Home = "/console";
    public const string Zones = "/console/zones";
    public const string Answer = "/console/answer";
    public const string HealthChecks = "/console/health-checks";
    public const string Traffic = "/console/traffic";
    public const string Drills = "/console/drills";
    public const string ResolverCache = "/console/resolver";
    public const string Sync = "/console/sync";
    public const string StylesheetPath = ConsoleAccess.AssetsPath + "/console.css";

    public sealed record Item(string Title, string Path);

    public static readonly IReadOnlyList<Item> Items =
    [
        new("Zones", Zones),
        new("Answer", Answer),
        new("Health checks", HealthChecks),
        new("Traffic", Traffic),
        new("Drills", Drills),
        new("Resolver cache", ResolverCache),
        new("Sync", Sync),
    ];
}

/// <summary>The home page's figures.</summary>
public sealed record ConsoleSummary(int Zones, int HealthChecks, int Unhealthy);
