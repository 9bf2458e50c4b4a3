using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Abuse;

/// <summary>
/// Response rate limiting over UDP against a reflection flood: a burst of identical queries from one
/// /24 gets at most the configured rate, every second response over it goes out truncated (TC=1) so a
/// real client can retry over TCP, and the bucket refills as (fake) time moves. Loopback is exempt by
/// default, so these servers exempt another network instead.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private RunningServer _server = null!;
    private byte[] _markerCookie = null!;

    public async Task InitializeAsync() => _server = await Start();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private Task<RunningServer> Start(params string[] args) => RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
        ["--Dns:RateLimit:ResponsesPerSecond=5", "--Dns:RateLimit:Slip=2", "--Dns:RateLimit:Exempt:0=192.0.2.0/24", .. args]);

    private static List<byte[]> Flood(int count, Func<int, string>? name = null, RecordType type = RecordType.A) =>
        Enumerable.Range(0, count).Select(i => TestQuery.Build(name?.Invoke(i) ?? "www.example.test", type, id: (ushort)(100 + i))).ToList();

    /// <summary>A marker with a valid cookie (exempt) ends each burst, so dropped responses need no timeout.</summary>
    private async Task<List<TestResponse>> Burst(UdpBurst burst, List<byte[]> queries)
    {
        if (_markerCookie is null)
        {
            var first = await burst.QueryAsync(TestQuery.Build("mail.example.test", RecordType.A, id: 1, ednsOptions: CookieOption.Option([1, 2, 3, 4, 5, 6, 7, 8])));
            _markerCookie = first.Cookie()!;
        }
        return await burst.SendAsync(queries, TestQuery.Build("mail.example.test", RecordType.A, id: 999, ednsOptions: CookieOption.Option(_markerCookie)));
    }

    [Fact]
    public async Task A_flood_gets_the_rate_and_every_second_response_over_it_truncated()
    {
        using var burst = new UdpBurst(_server.EndPoint);
        var responses = await Burst(burst, Flood(25));
        var full = responses.Where(r => !r.TC).ToList();
        var truncated = responses.Where(r => r.TC).ToList();
        Assert.Equal(5, full.Count);
        Assert.All(full, r => Assert.Equal(2, r.Answer.Count));
        Assert.Equal(10, truncated.Count); // 20 over the limit: 10 slipped, 10 dropped
        Assert.All(truncated, r =>
        {
            Assert.Empty(r.Answer);
            Assert.Empty(r.Authority);
            Assert.Equal("www.example.test.", r.QuestionName);
            Assert.Equal(ResponseCode.NoError, r.ResponseCode);
        });

        // A second later the bucket has refilled to the rate, not beyond it.
        _time.Advance(TimeSpan.FromSeconds(1));
        responses = await Burst(burst, Flood(8));
        Assert.Equal(5, responses.Count(r => !r.TC));
        _time.Advance(TimeSpan.FromMilliseconds(400));
        responses = await Burst(burst, Flood(4));
        Assert.Equal(2, responses.Count(r => !r.TC));
        // /metrics counts what the limit did: the first flood alone dropped 10 and slipped 10.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(_server.ApiBase, "/metrics"));
        long Count(string name) => long.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1]);
        Assert.True(Count("dnshost_dns_rrl_dropped_total") >= 10, metrics);
        Assert.True(Count("dnshost_dns_rrl_slipped_total") >= 10, metrics);
    }

    [Fact]
    public async Task A_truncated_client_gets_its_answer_over_tcp()
    {
        using var burst = new UdpBurst(_server.EndPoint);
        var responses = await Burst(burst, Flood(12));
        Assert.Contains(responses, r => r.TC);
        var tcp = await _server.TcpAsync(Flood(10).ToArray());
        Assert.All(tcp, r => Assert.Equal(2, r.Answer.Count));
    }

    [Fact]
    public async Task Other_prefixes_other_names_and_other_classes_keep_their_own_rate()
    {
        using var flooded = new UdpBurst(_server.EndPoint, "127.0.0.5");
        Assert.Equal(5, (await Burst(flooded, Flood(20))).Count(r => !r.TC));
        Assert.Equal(5, (await Burst(flooded, Flood(20, type: RecordType.TXT, name: _ => "www.example.test"))).Count(r => !r.TC)); // NODATA, a class of its own
        // Another client in the same /24 shares the budget; one in another /24 does not.
        using var neighbour = new UdpBurst(_server.EndPoint, "127.0.0.6");
        Assert.Equal(0, (await Burst(neighbour, Flood(3))).Count(r => !r.TC));
        using var elsewhere = new UdpBurst(_server.EndPoint, "127.0.1.6");
        Assert.Equal(3, (await Burst(elsewhere, Flood(3))).Count(r => !r.TC));
    }

    [Fact]
    public async Task Random_names_under_one_zone_share_one_nxdomain_budget()
    {
        using var burst = new UdpBurst(_server.EndPoint);
        var responses = await Burst(burst, Flood(20, i => $"random{i}.example.test"));
        Assert.Equal(5, responses.Count(r => !r.TC && r.ResponseCode == ResponseCode.NXDomain));
    }

    [Fact]
    public async Task Off_or_from_an_exempt_network_nothing_is_limited()
    {
        await using var off = await RunningServer.StartAsync(_zones.Directory, "--Dns:RateLimit:Enabled=false");
        using (var burst = new UdpBurst(off.EndPoint))
            Assert.Equal(50, (await burst.SendAsync(Flood(50), TestQuery.Build("mail.example.test", RecordType.A, id: 999))).Count(r => !r.TC && r.Answer.Count == 2));
        // Default settings: on, 200 per second, loopback exempt (a spoofed loopback source cannot arrive from outside).
        await using var defaults = await RunningServer.StartAsync(_zones.Directory);
        using (var burst = new UdpBurst(defaults.EndPoint))
        {
            // In bursts of 50, so no socket buffer overflows on a busy machine; 300 in all, well past 200.
            int answered = 0;
            for (int i = 0; i < 6; i++)
                answered += (await burst.SendAsync(Flood(50), TestQuery.Build("mail.example.test", RecordType.A, id: 999))).Count(r => !r.TC && r.Answer.Count == 2);
            Assert.Equal(300, answered);
        }
    }
}
