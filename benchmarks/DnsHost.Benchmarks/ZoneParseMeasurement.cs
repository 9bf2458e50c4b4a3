using System.Diagnostics;
using DnsHost.Protocol;
using DnsHost.Zones;
using DnsHost.Zones.MasterFiles;

namespace DnsHost.Benchmarks;

/// <summary>
/// Times the master-file parser over one large file (records produced and dropped, as a loader
/// consuming them would), and the whole load into a Zone. Not a BenchmarkDotNet benchmark: one
/// operation takes seconds and allocates by design (a ZoneRecord per record).
/// </summary>
/// <example>
/// python3 benchmarks/load/gen-zone.py --records 1000000 --out /tmp/z1m
/// dotnet run -c Release --project benchmarks/DnsHost.Benchmarks -- parse-zone /tmp/z1m/load.test.zone
/// </example>
public static class ZoneParseMeasurement
{
    public static void Run(string path, int runs, bool load)
    {
        var origin = DnsName.Parse(MasterFileLoader.OriginFromFileName(path).TrimEnd('.') + ".");
        long bytes = new FileInfo(path).Length;
        Console.WriteLine($"{path}: {bytes / 1e6:F1} MB, {runs} runs after one warm-up");
        for (int run = 0; run <= runs; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var parser = new MasterFileParser(Path.GetDirectoryName(path));
            long records = 0, rdataBytes = 0;
            foreach (var record in parser.ReadFile(path, Path.GetFileName(path), origin))
            {
                records++;
                rdataBytes += record.RData.Length;
            }
            watch.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (run == 0)
                continue; // warm-up: JIT and tiering
            Console.WriteLine($"parse run {run}: {records:N0} records in {watch.Elapsed.TotalMilliseconds:F0} ms " +
                $"({records / watch.Elapsed.TotalSeconds / 1e6:F2} M records/s, {bytes / watch.Elapsed.TotalSeconds / 1e6:F0} MB/s), " +
                $"allocated {allocated / 1e6:F1} MB = {(double)allocated / records:F1} B/record, " +
                $"GCs gen0 {GC.CollectionCount(0) - gen0} gen2 {GC.CollectionCount(2) - gen2}, problems {parser.ProblemCount}");
        }
        if (!load)
            return;
        GC.Collect();
        var loadWatch = Stopwatch.StartNew();
        var zone = MasterFileLoader.Load(path);
        loadWatch.Stop();
        Console.WriteLine($"MasterFileLoader.Load (parser + ZoneBuilder): {zone.RecordCount:N0} records in {loadWatch.Elapsed.TotalMilliseconds:F0} ms, " +
            $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
    }
}
