using System.Text.Json;
using DnsHost.Health;

namespace DnsHost;

/// <summary>
/// The health verb: the health checks of a running server (list, show), and overrides for test
/// harnesses (override, clear), through its HTTP endpoint.
/// </summary>
public static class HealthCommand
{
    private const string Usage = "usage: dnshost health [list | show ID | override ID healthy|unhealthy | clear ID] [--api URL] [--json]";

    public static async Task<int> RunAsync(CommandLine command)
    {
        var args = command.Positional;
        string action = args.Count > 0 ? args[0] : "list";
        bool json = command.Flags.Contains("json");
        using var client = new OperationsClient(OperationsClient.FromCommand(command), OperationsClient.AdminToken(command));
        try
        {
            switch (action)
            {
                case "list" when args.Count <= 1:
                    var all = await client.ListAsync();
                    if (json)
                        Console.WriteLine(JsonSerializer.Serialize(all, OperationsClient.Json));
                    else
                        PrintTable(all);
                    return 0;
                case "show" when args.Count == 2:
                    Print(await client.GetAsync(args[1]), json);
                    return 0;
                case "override" when args.Count == 3 && args[2].ToLowerInvariant() is "healthy" or "unhealthy":
                    Print(await client.OverrideAsync(args[1], args[2].Equals("healthy", StringComparison.OrdinalIgnoreCase)), json);
                    return 0;
                case "clear" when args.Count == 2:
                    Print(await client.OverrideAsync(args[1], null), json);
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 64;
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationsException or TaskCanceledException)
        {
            Console.Error.WriteLine($"dnshost: {client.BaseAddress}: {e.Message}");
            return 1;
        }
    }

    private static void PrintTable(List<HealthCheckStatus> checks)
    {
        if (checks.Count == 0)
        {
            Console.WriteLine("no health checks");
            return;
        }
        int idWidth = Math.Max(2, checks.Max(c => c.Id.Length));
        int targetWidth = Math.Max(6, checks.Max(c => (c.Target ?? "-").Length));
        Console.WriteLine($"{"ID".PadRight(idWidth)}  {"STATUS",-9}  {"BY",-10}  {"TYPE",-15}  {"TARGET".PadRight(targetWidth)}  LAST PROBE");
        foreach (var c in checks)
            Console.WriteLine($"{c.Id.PadRight(idWidth)}  {c.Status,-9}  {c.DecidedBy,-10}  {c.Type,-15}  {(c.Target ?? "-").PadRight(targetWidth)}  {(c.Observations.Count > 0 ? c.Observations[0].Status : null) ?? c.NotRunReason ?? "-"}");
    }

    private static void Print(HealthCheckStatus c, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(c, OperationsClient.Json));
            return;
        }
        Console.WriteLine($"{c.Id}: {c.Status} (decided by {c.DecidedBy}{(c.Override is null ? "" : $", override {c.Override}")})");
        Console.WriteLine($"  type {c.Type}{(c.Target is null ? "" : $", target {c.Target}")}, every {c.RequestInterval} s, threshold {c.FailureThreshold}{(c.Inverted ? ", inverted" : "")}{(c.Disabled ? ", disabled" : "")}");
        if (c.HealthyChildren is not null)
            Console.WriteLine($"  healthy children: {c.HealthyChildren}");
        if (c.NotRunReason is not null)
            Console.WriteLine($"  not run: {c.NotRunReason}");
        Console.WriteLine($"  endpoint {(c.EndpointHealthy ? "healthy" : "unhealthy")}, {c.Streak} probe(s) in a row disagree");
        foreach (var o in c.Observations)
            Console.WriteLine($"  last probe   {o.CheckedTime:O}  {o.Status}");
        foreach (var o in c.LastFailures)
            Console.WriteLine($"  last failure {o.CheckedTime:O}  {o.Status}");
        if (c.LastTransition is { } t)
            Console.WriteLine($"  last transition {t:O} ({c.Transitions} so far)");
        Console.WriteLine($"  defined in {c.DefinedIn}");
    }
}
