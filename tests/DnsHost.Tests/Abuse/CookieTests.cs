using System.Diagnostics;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Abuse;

/// <summary>
/// DNS cookies on the wire (RFC 7873, RFC 9018): dig and kdig see their client cookie echoed with a
/// good server cookie; Knot's cookies module and DnsHost accept each other's cookies when they share
/// a secret; a cookie expires after an hour; a previous secret is accepted during a rollover.
/// Validity is made visible through rate limiting (a valid cookie is exempt), with time moved by a FakeTimeProvider.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class CookieTests : IDisposable
{
    private const string Secret = "e5e973e5a6b2a43f48e7dc849e37bfcf";
    private const string OtherSecret = "00112233445566778899aabbccddeeff";
    private readonly TestZones _zones = new TestZones().CopySamples();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _zones.Dispose();

    /// <summary>A server whose loopback clients are limited to one response per second, none slipped.</summary>
    private Task<RunningServer> StartLimited(params string[] args) => RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
        ["--Dns:RateLimit:ResponsesPerSecond=1", "--Dns:RateLimit:Slip=0", "--Dns:RateLimit:Exempt:0=192.0.2.0/24", .. args]);

    private static byte[] Query(byte[] cookie, ushort id, string name = "www.example.test") =>
        TestQuery.Build(name, RecordType.A, id: id, ednsOptions: CookieOption.Option(cookie));

    private static readonly byte[] ClientCookie = Convert.FromHexString("2464c4abcf10c957");

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task Dig_and_kdig_get_their_client_cookie_back_with_a_good_server_cookie(string tool)
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory);
        string output = await Run(tool, $"@127.0.0.1 -p {server.Port} www.example.test A +cookie=2464c4abcf10c957 +norecurse");
        Assert.Contains("NOERROR", output);
        // dig: "; COOKIE: 2464c4abcf10c957 0100000065...  (good)"; kdig: ";; COOKIE: 2464C4ABCF10C9570100...".
        var line = output.Split('\n').Single(l => l.Contains("COOKIE:"));
        var hex = string.Concat(line[(line.IndexOf("COOKIE:") + 7)..].TakeWhile(c => c != '(')).Replace(" ", "").Trim();
        Assert.Equal(48, hex.Length);
        Assert.StartsWith("2464C4ABCF10C957" + "01000000", hex.ToUpperInvariant());
        if (tool == "dig")
            Assert.Contains("(good)", line);
        Assert.DoesNotContain("WARNING", output);

        // Sent back as it came, the cookie is accepted (dig checks the echoed client cookie again).
        string again = await Run(tool, $"@127.0.0.1 -p {server.Port} www.example.test A +cookie={hex} +norecurse");
        Assert.Contains("NOERROR", again);
        Assert.DoesNotContain("WARNING", again);
    }

    [Fact]
    public async Task A_valid_cookie_is_exempt_from_rate_limiting_and_echoed_until_half_an_hour_old()
    {
        await using var server = await StartLimited();
        using var burst = new UdpBurst(server.EndPoint);
        var first = await burst.QueryAsync(Query(ClientCookie, 1));
        var cookie = first.Cookie()!;
        Assert.Equal(24, cookie.Length);

        var marker = Query(cookie, 999);
        var answered = await burst.SendAsync(Enumerable.Range(0, 10).Select(i => Query(cookie, (ushort)(100 + i))).ToList(), marker);
        Assert.Equal(10, answered.Count(r => r.ResponseCode == ResponseCode.NoError && r.Answer.Count == 2));
        Assert.All(answered, r => Assert.Equal(cookie, r.Cookie()));

        // RFC 9018 4.3: after half an hour a fresh one is made (a later timestamp); still valid, so still exempt.
        _time.Advance(TimeSpan.FromMinutes(31));
        var renewed = (await burst.QueryAsync(Query(cookie, 2))).Cookie()!;
        Assert.Equal(cookie[..12], renewed[..12]);
        Assert.NotEqual(cookie[12..16], renewed[12..16]);
    }

    [Fact]
    public async Task A_cookie_older_than_an_hour_is_no_longer_exempt()
    {
        await using var server = await StartLimited();
        using var burst = new UdpBurst(server.EndPoint);
        var cookie = (await burst.QueryAsync(Query(ClientCookie, 1))).Cookie()!;
        _time.Advance(TimeSpan.FromMinutes(61));
        var fresh = (await burst.QueryAsync(Query(cookie, 2))).Cookie()!; // answered (first in this second), with a new cookie
        Assert.NotEqual(cookie, fresh);
        var answered = await burst.SendAsync(Enumerable.Range(0, 5).Select(i => Query(cookie, (ushort)(100 + i))).ToList(), Query(fresh, 999));
        Assert.Empty(answered); // the bucket is spent and the stale cookie buys nothing
    }

    [Fact]
    public async Task Past_the_limit_a_client_with_a_client_cookie_gets_badcookie_and_its_retry_is_answered()
    {
        await using var server = await StartLimited("--Dns:RateLimit:Slip=1");
        using var burst = new UdpBurst(server.EndPoint);
        Assert.Equal(ResponseCode.NoError, (await burst.QueryAsync(Query(ClientCookie, 1))).ResponseCode);
        var limited = await burst.QueryAsync(Query(ClientCookie, 2));
        // RFC 7873 5.2.3: BADCOOKIE (extended RCODE 23) with the client cookie and a fresh server cookie, no answer.
        Assert.Equal(ResponseCode.BadCookie, limited.ResponseCode);
        Assert.Empty(limited.Answer);
        var cookie = limited.Cookie()!;
        Assert.Equal(ClientCookie, cookie[..8]);
        var retry = await burst.QueryAsync(Query(cookie, 3));
        Assert.Equal(ResponseCode.NoError, retry.ResponseCode);
        Assert.Equal(2, retry.Answer.Count);
    }

    [Fact]
    public async Task During_a_rollover_the_previous_secret_is_still_accepted()
    {
        byte[] cookie;
        await using (var old = await StartLimited($"--Dns:Cookies:Secret={OtherSecret}"))
        {
            using var c = new UdpBurst(old.EndPoint);
            cookie = (await c.QueryAsync(Query(ClientCookie, 1))).Cookie()!;
        }
        await using var rolled = await StartLimited($"--Dns:Cookies:Secret={Secret}", $"--Dns:Cookies:PreviousSecret={OtherSecret}");
        await using var other = await StartLimited($"--Dns:Cookies:Secret={Secret}");
        Assert.Equal(5, await AnsweredOf5(rolled, cookie));
        Assert.Equal(1, await AnsweredOf5(other, cookie)); // not ours: limited like a client without a cookie
    }

    [Fact]
    public async Task Knot_and_dnshost_sharing_a_secret_accept_each_others_cookies()
    {
        // Real time here: Knot reads the system clock.
        await using var dnshost = await RunningServer.StartAsync(_zones.Directory, "--Dns:RateLimit:ResponsesPerSecond=1", "--Dns:RateLimit:Slip=0",
            "--Dns:RateLimit:Exempt:0=192.0.2.0/24", $"--Dns:Cookies:Secret={Secret}");
        await using var knot = await KnotServer.StartAsync([("example.test.", Path.Combine(_zones.Directory, "example.test.zone"))],
            modules: $"mod-cookies:\n  - id: default\n    secret: 0x{Secret}\n");
        using var toKnot = new UdpBurst(knot.EndPoint);
        using var toDnsHost = new UdpBurst(dnshost.EndPoint);

        // Knot answers a query without a valid server cookie with BADCOOKIE; with DnsHost's cookie it answers.
        var ours = (await toDnsHost.QueryAsync(Query(ClientCookie, 1))).Cookie()!;
        var knotAnswer = await toKnot.QueryAsync(Query(ours, 2));
        Assert.Equal(ResponseCode.NoError, knotAnswer.ResponseCode);
        Assert.Equal(2, knotAnswer.Answer.Count);

        // Knot's cookie for the same client exempts it from DnsHost's rate limit.
        var knotsCookie = (await toKnot.QueryAsync(Query(Convert.FromHexString("0102030405060708"), 3))).Cookie()!;
        var answered = await toDnsHost.SendAsync(Enumerable.Range(0, 5).Select(i => Query(knotsCookie, (ushort)(100 + i))).ToList(), Query(knotsCookie, 999));
        Assert.Equal(5, answered.Count(r => r.ResponseCode == ResponseCode.NoError));
    }

    private static async Task<int> AnsweredOf5(RunningServer server, byte[] cookie)
    {
        using var burst = new UdpBurst(server.EndPoint);
        var marker = (await burst.QueryAsync(Query(ClientCookie, 1, "mail.example.test"))).Cookie()!;
        var answered = await burst.SendAsync(Enumerable.Range(0, 5).Select(i => Query(cookie, (ushort)(100 + i))).ToList(), Query(marker, 999, "mail.example.test"));
        return answered.Count(r => r.ResponseCode == ResponseCode.NoError && r.Answer.Count > 0);
    }

    private static async Task<string> Run(string tool, string arguments)
    {
        var start = new ProcessStartInfo(PeerProcess.FindExecutable(tool, tool == "dig" ? "bind9-dnsutils" : "knot-dnsutils"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
