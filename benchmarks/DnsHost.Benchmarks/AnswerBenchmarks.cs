using BenchmarkDotNet.Attributes;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Zones;

namespace DnsHost.Benchmarks;

/// <summary>Zone lookup and answer writing (AnswerEngine) and the whole per-query pipeline (QueryProcessor).</summary>
[MemoryDiagnoser]
public class AnswerBenchmarks
{
    private ZoneRegistry _registry = null!;
    private QueryProcessor _processor = null!;
    // The same pipeline counting the console's top names (ServeCommand wires it so).
    private QueryProcessor _counting = null!;
    private byte[][] _manyNames = null!;
    private int _nextName;
    private Zone _sample = null!;
    private Zone _load = null!;
    private readonly byte[] _response = new byte[65535];

    private byte[] _www = null!, _wwwMixed = null!, _alias = null!, _wildcard = null!, _nx = null!, _referral = null!, _mx = null!;
    private byte[] _loadHit = null!, _loadNx = null!;
    private byte[] _lookupWww = null!, _lookupAlias = null!, _lookupWildcard = null!, _lookupNx = null!, _lookupReferral = null!, _lookupLoad = null!;

    [GlobalSetup]
    public void Setup()
    {
        _registry = BenchmarkZones.Load();
        _processor = new QueryProcessor(_registry, new DnsServerOptions());
        _counting = new QueryProcessor(_registry, new DnsServerOptions()) { TopNames = new DnsHost.Server.Traffic.TopQueryNames() };
        // More distinct names than the top-names counters: the worst case, every sampled name replaces the smallest.
        _manyNames = Enumerable.Range(0, 4096).Select(i => BenchmarkZones.Query($"missing{i}.load.test", RecordType.A)).ToArray();
        _sample = _registry.Current.GetExact(DnsName.Parse("example.test."))!;
        _load = _registry.Current.GetExact(DnsName.Parse("load.test."))!;
        _www = BenchmarkZones.Query("www.example.test", RecordType.A);
        _wwwMixed = BenchmarkZones.Query("wWw.ExAmPlE.tEsT", RecordType.AAAA);
        _alias = BenchmarkZones.Query("alias.example.test", RecordType.A);
        _wildcard = BenchmarkZones.Query("anything.apps.example.test", RecordType.A);
        _nx = BenchmarkZones.Query("nope.example.test", RecordType.A);
        _referral = BenchmarkZones.Query("host.dev.example.test", RecordType.A);
        _mx = BenchmarkZones.Query("example.test", RecordType.MX);
        _loadHit = BenchmarkZones.Query("host54321.load.test", RecordType.A);
        _loadNx = BenchmarkZones.Query("missing54321.load.test", RecordType.A);
        _lookupWww = DnsName.Parse("www.example.test.");
        _lookupAlias = DnsName.Parse("alias.example.test.");
        _lookupWildcard = DnsName.Parse("anything.apps.example.test.");
        _lookupNx = DnsName.Parse("nope.example.test.");
        _lookupReferral = DnsName.Parse("host.dev.example.test.");
        _lookupLoad = DnsName.Parse("host54321.load.test.");
    }

    private int Lookup(Zone zone, byte[] name, RecordType type)
    {
        var writer = new DnsMessageWriter(_response, 1232);
        writer.TryWriteQuestion(name, (ushort)type, RecordClass.IN);
        AnswerEngine.Answer(zone, name, name, (ushort)type, ref writer);
        return writer.Finish();
    }

    [Benchmark(Description = "lookup: exact A")] public int LookupExact() => Lookup(_sample, _lookupWww, RecordType.A);
    [Benchmark(Description = "lookup: CNAME chain")] public int LookupCname() => Lookup(_sample, _lookupAlias, RecordType.A);
    [Benchmark(Description = "lookup: wildcard")] public int LookupWildcard() => Lookup(_sample, _lookupWildcard, RecordType.A);
    [Benchmark(Description = "lookup: NXDOMAIN")] public int LookupNx() => Lookup(_sample, _lookupNx, RecordType.A);
    [Benchmark(Description = "lookup: referral")] public int LookupReferral() => Lookup(_sample, _lookupReferral, RecordType.A);
    [Benchmark(Description = "lookup: exact A in 100k-record zone")] public int LookupLarge() => Lookup(_load, _lookupLoad, RecordType.A);

    private int Process(byte[] query)
    {
        _processor.Process(query, _response, overTcp: false, transferAllowed: false, out int length, out _);
        return length;
    }

    [Benchmark(Baseline = true, Description = "pipeline: A hit")] public int PipelineHit() => Process(_www);
    [Benchmark(Description = "pipeline: AAAA, mixed case")] public int PipelineMixedCase() => Process(_wwwMixed);
    [Benchmark(Description = "pipeline: CNAME chain")] public int PipelineCname() => Process(_alias);
    [Benchmark(Description = "pipeline: wildcard")] public int PipelineWildcard() => Process(_wildcard);
    [Benchmark(Description = "pipeline: NXDOMAIN")] public int PipelineNx() => Process(_nx);
    [Benchmark(Description = "pipeline: referral")] public int PipelineReferral() => Process(_referral);
    [Benchmark(Description = "pipeline: MX + additional")] public int PipelineMx() => Process(_mx);
    [Benchmark(Description = "pipeline: A hit, 100k zone")] public int PipelineLargeHit() => Process(_loadHit);
    [Benchmark(Description = "pipeline: NXDOMAIN, 100k zone")] public int PipelineLargeNx() => Process(_loadNx);
    [Benchmark(Description = "pipeline: A hit, top names counted")] public int PipelineHitTopNames() => Process(_counting, _www);
    [Benchmark(Description = "pipeline: 4096 names, 100k zone")] public int PipelineManyNames() => Process(_processor, NextName());
    [Benchmark(Description = "pipeline: 4096 names, 100k zone, top names counted")] public int PipelineManyNamesTopNames() => Process(_counting, NextName());

    private byte[] NextName() => _manyNames[_nextName++ & (_manyNames.Length - 1)];

    private int Process(QueryProcessor processor, byte[] query)
    {
        processor.Process(query, _response, overTcp: false, transferAllowed: false, out int length, out _);
        return length;
    }
}
