using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost;

/// <summary>
/// The explain verb: Route 53's TestDNSAnswer for the zones in the folder and this configuration,
/// with the reasons (which record set won, which lost, and why).
/// </summary>
public static class ExplainCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(CommandLine command)
    {
        if (command.Positional.Count != 2 || !command.Options.TryGetValue("client", out var clientText))
        {
            Console.Error.WriteLine("usage: dnshost explain NAME TYPE --client IP [--subnet CIDR] [--server URL] [--json] [--zones DIR] [--config FILE]");
            return 64;
        }
        if (!IpPrefix.TryParse(clientText, out var client) || client.Length != client.MaxLength)
        {
            Console.Error.WriteLine($"dnshost: --client '{clientText}' is not an IP address");
            return 64;
        }
        IpPrefix? subnet = null;
        if (command.Options.TryGetValue("subnet", out var subnetText))
        {
            if (!IpPrefix.TryParse(subnetText, out var parsed))
            {
                Console.Error.WriteLine($"dnshost: --subnet '{subnetText}' is not a CIDR block");
                return 64;
            }
            subnet = parsed;
        }
        ushort type = ParseType(command.Positional[1]);
        if (type == 0)
        {
            Console.Error.WriteLine($"dnshost: '{command.Positional[1]}' is not a record type");
            return 64;
        }

        command.Settings["Logging:LogLevel:Default"] = "Warning";
        using var host = ServeCommand.Build(command);
        Explanation explanation;
        string? health;
        try
        {
            var routing = host.Services.GetRequiredService<RoutingEnvironment>();
            host.Services.GetRequiredService<ZoneDirectoryService>().ReloadAll("explain");
            host.Services.GetRequiredService<SecondaryService>().LoadStored();
            var catalog = host.Services.GetRequiredService<ZoneRegistry>().Current;
            health = UseServerHealth(command, host.Services.GetRequiredService<HealthStates>());
            if (health is null)
                return 1;
            explanation = SecondaryExplanation.Add(Explainer.Explain(catalog, routing, command.Positional[0], type, client, subnet), host.Services);
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        if (command.Flags.Contains("json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                explanation.Zone,
                explanation.PrivateZone,
                explanation.RecordName,
                explanation.RecordType,
                ResponseCode = explanation.ResponseCode.ToString().ToUpperInvariant(),
                explanation.RecordData,
                explanation.Answer,
                explanation.Reasons,
                explanation.EcsScope,
                Protocol = "UDP",
                Health = health,
            }, Indented));
            return 0;
        }
        Console.WriteLine($"{explanation.RecordName} {explanation.RecordType} from {clientText}{(subnet is null ? "" : $" (client subnet {subnet})")}: {explanation.ResponseCode.ToString().ToUpperInvariant()}");
        foreach (var line in explanation.Answer)
            Console.WriteLine($"  {line}");
        Console.WriteLine($"health: {health}");
        Console.WriteLine("why:");
        foreach (var reason in explanation.Reasons)
            Console.WriteLine($"  {reason}");
        return 0;
    }

    /// <summary>
    /// Health as the server answers with it: from the running server given by --server (its operations
    /// endpoint), else from the one at the configured Api:Listen if it answers; otherwise every check
    /// counts as healthy, and the line says so. Null (after an error message) when --server does not answer.
    /// </summary>
    private static string? UseServerHealth(CommandLine command, HealthStates states)
    {
        bool given = command.Options.TryGetValue("server", out var serverText);
        Uri address;
        if (given)
        {
            string text = serverText!.Contains("://", StringComparison.Ordinal) ? serverText : "http://" + serverText;
            if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out address!))
            {
                Console.Error.WriteLine($"dnshost: --server '{serverText}' is not a URL or ADDR:PORT of a running server's HTTP endpoint");
                return null;
            }
        }
        else
            address = OperationsClient.FromCommand(command);
        List<DnsHost.Health.HealthCheckStatus> checks;
        try
        {
            using var operations = new OperationsClient(address, OperationsClient.AdminToken(command));
            // A configured address that nobody serves is the usual case without a server: do not wait long.
            using var timeout = new CancellationTokenSource(given ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1));
            checks = operations.ListAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or OperationsException or JsonException)
        {
            if (given)
            {
                Console.Error.WriteLine($"dnshost: --server {address}: {e.Message}");
                return null;
            }
            return $"static (no running server at {address}; checks not run, every check counts as healthy)";
        }
        foreach (var check in checks)
            states.Set(check.Id, check.Healthy);
        int unhealthy = checks.Count(c => !c.Healthy);
        return $"from the running server at {address} ({checks.Count} checks, {unhealthy} unhealthy)";
    }

    private static ushort ParseType(string text)
    {
        if (ushort.TryParse(text, out var number))
            return number;
        if (text.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase) && ushort.TryParse(text.AsSpan(4), out number))
            return number;
        return Enum.TryParse<RecordType>(text, ignoreCase: true, out var type) ? (ushort)type : (ushort)0;
    }
}
