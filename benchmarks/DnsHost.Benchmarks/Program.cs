using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DnsHost.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/DnsHost.Benchmarks -- parse-zone FILE [runs] [--load]
// dotnet run -c Release --project benchmarks/DnsHost.Benchmarks -- min [rounds] [--only NAME]
if (args.Length >= 2 && args[0] == "parse-zone")
{
    DnsHost.Benchmarks.ZoneParseMeasurement.Run(args[1], args.Length >= 3 && int.TryParse(args[2], out int runs) ? runs : 3, args.Contains("--load"));
    return;
}

if (args.Length >= 1 && args[0] == "min")
{
    int at = Array.IndexOf(args, "--only");
    DnsHost.Benchmarks.MinOfBatches.Run(args.Length >= 2 && int.TryParse(args[1], out int rounds) ? rounds : 200, at >= 0 && at + 1 < args.Length ? args[at + 1] : null);
    return;
}

// ShortRun unless a job is named on the command line (for example --job medium).
var config = args.Contains("--job") ? DefaultConfig.Instance : DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
