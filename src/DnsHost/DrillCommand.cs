using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using DnsClient;
using DnsHost.Drill;
using DnsHost.Server;

namespace DnsHost;

/// <summary>The drill verb: a failover drill against a running server, as text or JSON.</summary>
public static class DrillCommand
{
    private const string Usage = "usage: dnshost drill NAME [TYPE] --check ID [--mode endpoint|override] [--flips N] [--server IP:PORT] [--api URL] [--query-ms MS] [--settle S] [--timeout S] [--json]";

    public static async Task<int> RunAsync(CommandLine command)
    {
        var o = command.Options;
        if (command.Positional.Count is < 1 or > 2 || !o.TryGetValue("check", out var check))
            return Fail(Usage, 64);
        var type = QueryType.A;
        if (command.Positional.Count == 2 && !Enum.TryParse(command.Positional[1], ignoreCase: true, out type))
            return Fail($"dnshost: '{command.Positional[1]}' is not a record type", 64);
        var server = o.TryGetValue("server", out var serverText) ? serverText : "127.0.0.1:53";
        if (!IPEndPoint.TryParse(server, out var dnsServer) || (dnsServer.Port == 0 && !server.Contains(':')))
            dnsServer = IPAddress.TryParse(server, out var address) ? new IPEndPoint(address, 53) : null;
        if (dnsServer is null)
            return Fail($"dnshost: --server '{server}' is not IP or IP:PORT", 64);
        DrillMode mode = DrillMode.Endpoint;
        if (o.TryGetValue("mode", out var modeText) && !Enum.TryParse(modeText, ignoreCase: true, out mode))
            return Fail($"dnshost: --mode '{modeText}' must be endpoint or override", 64);
        if (!TryNumber(o, "flips", 10, out double flips) || !TryNumber(o, "query-ms", 20, out double queryMs)
            || !TryNumber(o, "settle", 1, out double settle) || !TryNumber(o, "timeout", 0, out double timeout))
            return Fail("dnshost: --flips, --query-ms, --settle and --timeout take numbers", 64);

        var settings = new DrillSettings
        {
            Name = command.Positional[0],
            Type = type,
            CheckId = check,
            DnsServer = dnsServer,
            Mode = mode,
            Flips = Math.Max(1, (int)flips),
            QueryEvery = TimeSpan.FromMilliseconds(Math.Max(1, queryMs)),
            Settle = TimeSpan.FromSeconds(settle),
            Timeout = timeout > 0 ? TimeSpan.FromSeconds(timeout) : null,
        };
        bool json = command.Flags.Contains("json");
        using var operations = new OperationsClient(OperationsClient.FromCommand(command), OperationsClient.AdminToken(command));
        using var interrupt = new CancellationTokenSource();
        // SIGINT and SIGTERM stop the drill instead of the process: the drill then repairs what it broke
        // (clears its override, closes its endpoint) before the process exits.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.Error.WriteLine($"dnshost: drill: {context.Signal}: stopping; undoing what the drill broke first");
            interrupt.Cancel();
        }
        // A drill started in the background of a script inherits SIGINT ignored; it must still hear it
        // to repair what it broke.
        InheritedSignals.Unignore(PosixSignal.SIGINT);
        InheritedSignals.Unignore(PosixSignal.SIGTERM);
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        DrillReport report;
        try
        {
            report = await new FailoverDrill(settings, operations, json ? Console.Error : Console.Out).RunAsync(interrupt.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationsException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            return Fail($"dnshost: drill: {e.Message}", 1);
        }
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(report, OperationsClient.Json));
        else
            PrintSummary(report);
        // 0: every switch within the bound; 2: some switch was slower (or never happened).
        return report.Summary.AllWithinBound ? 0 : 2;
    }

    private static void PrintSummary(DrillReport r)
    {
        var s = r.Summary;
        Console.WriteLine();
        Console.WriteLine($"{r.Name} {r.Type}, check {r.CheckId} ({r.Target}, every {r.RequestInterval} s, threshold {r.FailureThreshold}), {s.Flips} flips by {r.Mode}");
        Console.WriteLine($"  bound (interval x threshold + 1 s): {s.BoundSeconds:0.###} s");
        Console.WriteLine($"  failure  -> every query on the new answer: median {Show(s.FailureMedianSeconds)} s, worst {Show(s.FailureWorstSeconds)} s");
        Console.WriteLine($"  recovery -> every query on the old answer: median {Show(s.RecoveryMedianSeconds)} s, worst {Show(s.RecoveryWorstSeconds)} s");
        Console.WriteLine($"  {(s.AllWithinBound ? "all switches within the bound" : "SOME SWITCHES EXCEEDED THE BOUND")}");
    }

    private static string Show(double? v) => v is null ? "never" : $"{v:0.000}";

    private static bool TryNumber(Dictionary<string, string> options, string name, double fallback, out double value)
    {
        value = fallback;
        return !options.TryGetValue(name, out var text) || double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine(message);
        return code;
    }
}
