using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Resolver;

/// <summary>The zero-allocation rule for answers from the resolver's cache, through the whole query pipeline.</summary>
[Trait("Kind", "Integration")]
public sealed class CacheHitAllocationTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task A_cache_hit_allocates_nothing_and_the_authoritative_path_neither()
    {
        using var upstream = new FakeUpstream("up.lab.").A("www.up.lab", "192.0.2.1").Cname("alias.up.lab", "www.up.lab").Txt("txt.up.lab", "hello");
        var options = new ResolverOptions { Forwarders = [upstream.Address], Dnssec = false };
        options.Cache.Prefetch = false;
        var processor = new QueryProcessor(_zones.LoadRegistry(), new DnsServerOptions(), null, new RecursionService(options));
        var source = new IpPrefix(false, 0x7F000001, 32);
        byte[][] queries =
        [
            TestQuery.Build("www.up.lab", RecordType.A, rd: true),
            TestQuery.Build("ALIAS.up.lab", RecordType.A, rd: true, dnssecOk: true),
            TestQuery.Build("txt.up.lab", RecordType.TXT, rd: true, ednsSize: null),
            TestQuery.Build("nope.up.lab", RecordType.A, rd: true),
            TestQuery.Build("www.example.test", RecordType.A, rd: true),
        ];
        var response = new byte[65535];
        foreach (var query in queries)
        {
            if (processor.Process(query, response, false, false, source, out _, out _) == QueryDisposition.Recurse)
                Assert.True(await processor.ResolveAsync(query, response, false, source) > 0);
        }
        void RunAll()
        {
            foreach (var q in queries)
            {
                if (processor.Process(q, response, overTcp: false, transferAllowed: false, source, out _, out _) != QueryDisposition.Respond)
                    throw new InvalidOperationException("expected a cache hit");
            }
        }
        for (int i = 0; i < 200; i++)
            RunAll();
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
                RunAll();
        }));
        Assert.Equal(4, upstream.Queries);
    }
}
