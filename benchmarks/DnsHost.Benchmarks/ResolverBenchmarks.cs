using BenchmarkDotNet.Attributes;
using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Server;

namespace DnsHost.Benchmarks;

/// <summary>
/// The pipeline with the resolver on: an answer from the resolver's cache, and an authoritative
/// answer for a client that may recurse (the access check and RA), against the same authoritative
/// answer with the resolver off. The cache is filled directly; nothing goes upstream.
/// </summary>
[MemoryDiagnoser]
public class ResolverBenchmarks
{
    private QueryProcessor _off = null!;
    private QueryProcessor _on = null!;
    private readonly byte[] _response = new byte[65535];
    private byte[] _www = null!, _cached = null!, _cachedCname = null!;

    [GlobalSetup]
    public void Setup()
    {
        var registry = BenchmarkZones.Load();
        _off = new QueryProcessor(registry, new DnsServerOptions());
        var options = new ResolverOptions { Forwarders = ["192.0.2.53"] };
        options.Cache.Prefetch = false;
        var recursion = new RecursionService(options);
        _on = new QueryProcessor(registry, new DnsServerOptions(), null, recursion);
        var cache = recursion.Resolver!.Cache;
        var far = DnsName.Parse("www.far.lab.");
        var builder = new CachedAnswerBuilder();
        builder.Add(DnsSection.Answer, far, (ushort)RecordType.A, RecordClass.IN, 86400, [192, 0, 2, 1]);
        cache.Store(CacheKey.Create(far, (ushort)RecordType.A, RecordClass.IN), builder.Build(ResponseCode.NoError, options.Cache, Environment.TickCount64));
        var alias = DnsName.Parse("alias.far.lab.");
        var chain = new CachedAnswerBuilder();
        chain.Add(DnsSection.Answer, alias, (ushort)RecordType.CNAME, RecordClass.IN, 86400, far);
        chain.Add(DnsSection.Answer, far, (ushort)RecordType.A, RecordClass.IN, 86400, [192, 0, 2, 1]);
        cache.Store(CacheKey.Create(alias, (ushort)RecordType.A, RecordClass.IN), chain.Build(ResponseCode.NoError, options.Cache, Environment.TickCount64));
        _www = BenchmarkZones.Query("www.example.test", RecordType.A);
        _cached = BenchmarkZones.Query("www.far.lab", RecordType.A);
        _cachedCname = BenchmarkZones.Query("alias.far.lab", RecordType.A);
    }

    private static int Process(QueryProcessor processor, byte[] query, byte[] response)
    {
        if (processor.Process(query, response, overTcp: false, transferAllowed: false, out int length, out _) != QueryDisposition.Respond)
            throw new InvalidOperationException("expected an answer");
        return length;
    }

    [Benchmark(Baseline = true, Description = "zone A hit, resolver off")] public int ZoneHitOff() => Process(_off, _www, _response);
    [Benchmark(Description = "zone A hit, resolver on")] public int ZoneHitOn() => Process(_on, _www, _response);
    [Benchmark(Description = "cache A hit")] public int CacheHit() => Process(_on, _cached, _response);
    [Benchmark(Description = "cache CNAME+A hit")] public int CacheCnameHit() => Process(_on, _cachedCname, _response);
}
