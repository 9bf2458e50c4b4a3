using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DnsHost.Benchmarks -- --filter '*'
// ShortRun unless a job is named on the command line (for example --job medium).
var config = args.Contains("--job") ? DefaultConfig.Instance : DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
