using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>The zero-allocation rule for the whole per-query pipeline (parse, zone lookup, write).</summary>
[Trait("Kind", "Unit")]
public sealed class QueryAllocationTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    [Fact]
    public void Answering_from_a_zone_allocates_nothing_in_steady_state()
    {
        var processor = _zones.Processor();
        byte[][] queries =
        [
            TestQuery.Build("www.example.test", RecordType.A),
            TestQuery.Build("WwW.ExAmPlE.TeSt", RecordType.AAAA),
            TestQuery.Build("alias.example.test", RecordType.A, ednsSize: null),
            TestQuery.Build("nope.example.test", RecordType.A),
            TestQuery.Build("x.y.apps.example.test", RecordType.TXT),
            TestQuery.Build("example.test", RecordType.MX, dnssecOk: true),
            TestQuery.Build("host.dev.example.test", RecordType.A),
            TestQuery.Build("example.test", RecordType.ANY),
            TestQuery.Build("example.com", RecordType.A),
            TestQuery.Build("www.example.test", RecordType.A, ednsVersion: 1),
        ];
        var response = new byte[65535];
        void RunAll()
        {
            foreach (var q in queries)
                processor.Process(q, response, overTcp: false, transferAllowed: false, out _, out _);
        }
        for (int i = 0; i < 200; i++)
            RunAll();
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
                RunAll();
        }));
    }
}
