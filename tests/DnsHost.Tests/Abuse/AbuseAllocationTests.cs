using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Abuse;

/// <summary>Cookies and rate limiting keep the query pipeline at zero allocations, limited or not.</summary>
[Trait("Kind", "Unit")]
public sealed class AbuseAllocationTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    [Fact]
    public void Cookies_and_rate_limiting_allocate_nothing_in_steady_state()
    {
        var options = new DnsServerOptions();
        options.RateLimit.ResponsesPerSecond = 50; // low, so passes, drops and slips all happen in the loop
        options.RateLimit.Exempt = ["192.0.2.0/24"];
        // The clock stands still: the loop must not straddle a rate-limit second or a cookie secret's
        // rotation, whatever the load on the machine (each happens once a second, not per query).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var processor = new QueryProcessor(_zones.LoadRegistry(), options, cookies: new ServerCookies(options.Cookies, time), rateLimiter: new ResponseRateLimiter(options.RateLimit, time));
        var client = IpPrefix.FromAddress(System.Net.IPAddress.Parse("198.51.100.7"));
        var response = new byte[65535];
        // A valid server cookie for this client, from the processor itself.
        processor.Process(TestQuery.Build("www.example.test", RecordType.A, ednsOptions: CookieOption.Option([1, 2, 3, 4, 5, 6, 7, 8])), response, false, false, client, out int length, out _);
        var cookie = TestResponse.Parse(response.AsSpan(0, length)).Cookie()!;
        byte[][] queries =
        [
            TestQuery.Build("www.example.test", RecordType.A),
            TestQuery.Build("nope.example.test", RecordType.A),
            TestQuery.Build("www.example.test", RecordType.A, ednsOptions: CookieOption.Option([1, 2, 3, 4, 5, 6, 7, 8])),
            TestQuery.Build("www.example.test", RecordType.A, ednsOptions: CookieOption.Option(cookie)),
            TestQuery.Build("www.example.test", RecordType.A, ednsOptions: CookieOption.Option([.. cookie[..8], .. new byte[16]])),
        ];
        void RunAll()
        {
            foreach (var q in queries)
                processor.Process(q, response, overTcp: false, transferAllowed: false, client, out _, out _);
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
