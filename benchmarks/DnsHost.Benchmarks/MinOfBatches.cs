using System.Diagnostics;

namespace DnsHost.Benchmarks;

/// <summary>
/// The answer benchmarks timed as the minimum over many short batches: other processes on a shared
/// machine only ever add time, so the minimum is close to what a quiet machine measures. For A/B
/// comparisons of two checkouts run one after the other (BenchmarkDotNet's means move with the
/// neighbours' load). <c>--only NAME</c> runs one case for 8 s, for a profiler to sample.
/// </summary>
public static class MinOfBatches
{
    private const int Batch = 2000;

    public static void Run(int rounds, string? only)
    {
        var b = new AnswerBenchmarks();
        b.Setup();
        (string Name, Func<int> Call)[] cases =
        [
            ("lookup exact A", b.LookupExact), ("lookup CNAME", b.LookupCname), ("lookup wildcard", b.LookupWildcard),
            ("lookup NX", b.LookupNx), ("lookup referral", b.LookupReferral), ("lookup 100k", b.LookupLarge),
            ("pipe A hit", b.PipelineHit), ("pipe AAAA mixed", b.PipelineMixedCase), ("pipe CNAME", b.PipelineCname),
            ("pipe wildcard", b.PipelineWildcard), ("pipe NX", b.PipelineNx), ("pipe referral", b.PipelineReferral),
            ("pipe MX", b.PipelineMx), ("pipe 100k hit", b.PipelineLargeHit), ("pipe 100k NX", b.PipelineLargeNx),
            ("pipe A hit +top", b.PipelineHitTopNames), ("pipe 4096 names", b.PipelineManyNames), ("pipe 4096 +top", b.PipelineManyNamesTopNames),
        ];
        if (only is not null)
        {
            var call = cases.First(c => c.Name == only).Call;
            var clock = Stopwatch.StartNew();
            long calls = 0;
            for (; clock.ElapsedMilliseconds < 8000; calls += Batch)
                for (int i = 0; i < Batch; i++)
                    call();
            Console.WriteLine($"{only}: {clock.Elapsed.TotalNanoseconds / calls:F1} ns (mean)");
            return;
        }
        // Warm up past tiered compilation's thresholds.
        for (int w = 0; w < 3; w++)
            foreach (var (_, call) in cases)
                for (int i = 0; i < 20000; i++)
                    call();
        var best = new double[cases.Length];
        Array.Fill(best, double.MaxValue);
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < cases.Length; k++)
            {
                var call = cases[k].Call;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < Batch; i++)
                    call();
                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalNanoseconds / Batch);
            }
        }
        for (int k = 0; k < cases.Length; k++)
            Console.WriteLine($"{cases[k].Name,-18} {best[k],8:F1} ns");
    }
}
