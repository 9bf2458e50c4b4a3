using System.Net;
using System.Text;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Health;

/// <summary>
/// <see cref="EndpointProbe"/> against real endpoints on loopback, judged by Route 53's rules
/// (route53-behaviour.md 6.1 and 6.2). Only 127.0.0.1 and ::1 are ever connected to.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class EndpointProbeTests
{
    private const string Needle = "STATUS=READY";

    /// <summary>A spec compiled the way a zone file or the API compiles it; fails the test if the config is refused.</summary>
    internal static HealthCheckSpec Spec(string type, int port, string address = "127.0.0.1", string? search = null,
        string? path = null, string? domain = null, bool? sni = null)
    {
        var errors = new List<string>();
        var spec = HealthCheckSpec.Compile("hc-probe", new HealthCheckConfigJson
        {
            Type = type,
            IPAddress = address,
            Port = port,
            SearchString = search,
            ResourcePath = path,
            FullyQualifiedDomainName = domain,
            EnableSNI = sni,
        }, "test", errors);
        Assert.True(spec is not null, string.Join("; ", errors));
        return spec;
    }

    /// <summary>
    /// One probe. Unless the test brings a clock of its own and moves it, the probe's deadlines stand still:
    /// a loaded machine (a slow TLS handshake) cannot time out a probe meant to get an answer, and a hang
    /// is still caught, by a 60 s guard on the wall clock.
    /// </summary>
    internal static Task<ProbeResult> Probe(HealthCheckSpec spec, TimeProvider? time = null) =>
        EndpointProbe.RunAsync(spec, spec.IPAddress!, CancellationToken.None, time ?? new FakeTimeProvider(DateTimeOffset.UtcNow)).WaitAsync(TimeSpan.FromSeconds(60));

    internal static async Task<ProbeResult> Probe(TestHttpEndpoint endpoint, string? search = null, string? path = null,
        string? domain = null, bool? sni = null, TimeProvider? time = null)
    {
        string type = (endpoint.Https, search is not null) switch
        {
            (false, false) => "HTTP",
            (true, false) => "HTTPS",
            (false, true) => "HTTP_STR_MATCH",
            (true, true) => "HTTPS_STR_MATCH",
        };
        return await Probe(Spec(type, endpoint.Port, endpoint.Address.ToString(), search, path, domain, sni), time);
    }

    // --- Status codes ---

    [Theory]
    [InlineData(200, "OK")]
    [InlineData(204, "No Content")]
    [InlineData(301, "Moved Permanently")]
    [InlineData(302, "Found")]
    public async Task A_2xx_or_3xx_status_is_success(int status, string reason)
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.StatusCode = status;
        endpoint.ReasonPhrase = reason;

        var result = await Probe(endpoint);

        Assert.Equal(ProbeOutcome.Success, result.Outcome);
        Assert.StartsWith($"Success: HTTP Status Code {status}, {reason}", result.Status);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal($"status {status}", result.Reason);
        // A redirect is not followed: one request reached the endpoint.
        Assert.Equal(1, endpoint.Requests);
    }

    [Fact]
    public async Task Http_200_reports_route53s_status_text()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        var result = await Probe(endpoint);
        Assert.Equal(ProbeOutcome.Success, result.Outcome);
        Assert.StartsWith("Success: HTTP Status Code 200", result.Status);
        Assert.Equal("Success: HTTP Status Code 200, OK.", result.Status);
        Assert.Equal(IPAddress.Loopback, result.ResolvedAddress);
    }

    [Theory]
    [InlineData(404, "Not Found")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(503, "Service Unavailable")]
    [InlineData(400, "Status")]
    public async Task Any_other_status_is_a_bad_status(int status, string reason)
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.StatusCode = status;

        var result = await Probe(endpoint);

        Assert.Equal(ProbeOutcome.BadStatus, result.Outcome);
        Assert.False(result.Success);
        Assert.Equal($"status {status}", result.Reason);
        Assert.StartsWith($"Failure: HTTP Status Code {status}, {reason}.", result.Status);
        Assert.Contains("Resolved IP: 127.0.0.1", result.Status);
    }

    [Fact]
    public async Task A_bad_status_fails_a_string_match_even_when_the_string_is_there()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        endpoint.StatusCode = 503;
        endpoint.Body = Needle;
        var result = await Probe(endpoint, search: Needle);
        Assert.Equal(ProbeOutcome.BadStatus, result.Outcome);
        Assert.Equal("status 503", result.Reason);
    }

    // --- What the request carries ---

    [Fact]
    public async Task The_resource_path_and_its_query_string_reach_the_server_as_given()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        Assert.True((await Probe(endpoint, path: "/health/deep?region=eu&verbose=1")).Success);
        Assert.Equal("/health/deep?region=eu&verbose=1", endpoint.LastPath);

        // A missing leading '/' is added (6.1).
        Assert.True((await Probe(endpoint, path: "ping?x=1")).Success);
        Assert.Equal("/ping?x=1", endpoint.LastPath);

        Assert.True((await Probe(endpoint)).Success);
        Assert.Equal("/", endpoint.LastPath);
    }

    [Fact]
    public async Task Host_header_is_the_ipv4_address_and_the_port_when_the_port_is_not_80()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        Assert.True((await Probe(endpoint)).Success);
        Assert.Equal($"127.0.0.1:{endpoint.Port}", endpoint.LastHost);
    }

    [Fact]
    public async Task Host_header_brackets_an_ipv6_address()
    {
        await using var endpoint = TestHttpEndpoint.Start(address: "::1");
        var result = await Probe(endpoint);
        Assert.Equal(ProbeOutcome.Success, result.Outcome);
        Assert.Equal($"[::1]:{endpoint.Port}", endpoint.LastHost);
        Assert.Equal(IPAddress.IPv6Loopback, result.ResolvedAddress);
    }

    [Fact]
    public async Task Host_header_is_the_domain_name_when_one_is_given_with_the_ip_address()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        Assert.True((await Probe(endpoint, domain: "name.test")).Success);
        Assert.Equal($"name.test:{endpoint.Port}", endpoint.LastHost);

        // The trailing dot of an absolute name is not part of the Host header.
        Assert.True((await Probe(endpoint, domain: "www.name.test.")).Success);
        Assert.Equal($"www.name.test:{endpoint.Port}", endpoint.LastHost);
    }

    // --- Connection failures ---

    [Fact]
    public async Task An_endpoint_that_closes_without_answering_is_connection_closed()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.Drop;
        var result = await Probe(endpoint);
        Assert.Equal(ProbeOutcome.ConnectionClosed, result.Outcome);
        Assert.Equal("connection closed", result.Reason);
        Assert.StartsWith("Failure: ", result.Status);
    }

    [Fact]
    public async Task A_stopped_endpoint_is_refused_at_once()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Stop();
        var result = await Probe(endpoint);
        Assert.Equal(ProbeOutcome.ConnectionRefused, result.Outcome);
        Assert.Equal("connection refused", result.Reason);
        Assert.Contains("Resolved IP: 127.0.0.1", result.Status);
        // Refused at once, not left to the 4 s connect timeout (which would say ConnectTimeout).
        Assert.NotEqual(ProbeOutcome.ConnectTimeout, result.Outcome);
    }

    [Fact]
    public async Task A_restarted_endpoint_is_healthy_again()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Stop();
        Assert.Equal(ProbeOutcome.ConnectionRefused, (await Probe(endpoint)).Outcome);
        endpoint.Restart();
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint)).Outcome);
    }

    // --- HTTPS ---

    [Fact]
    public async Task Https_accepts_a_self_signed_certificate()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        var result = await Probe(endpoint);
        Assert.Equal(ProbeOutcome.Success, result.Outcome);
        Assert.StartsWith("Success: HTTP Status Code 200", result.Status);
        Assert.Equal(1, endpoint.Requests);
    }

    [Fact]
    public async Task Https_over_ipv6_accepts_a_self_signed_certificate()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true, address: "::1");
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint)).Outcome);
        Assert.Equal($"[::1]:{endpoint.Port}", endpoint.LastHost);
    }

    [Fact]
    public async Task Sni_carries_the_domain_name_when_enabled_and_nothing_when_disabled()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);

        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, domain: "secure.name.test", sni: true)).Outcome);
        Assert.Equal("secure.name.test", endpoint.LastSniHost);
        Assert.Equal($"secure.name.test:{endpoint.Port}", endpoint.LastHost);

        // Same endpoint, so the null below is this probe's hello, not an untouched field.
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, domain: "secure.name.test", sni: false)).Outcome);
        Assert.Null(endpoint.LastSniHost);
    }

    [Fact]
    public async Task Sni_is_on_by_default_for_https()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, domain: "default.name.test.")).Outcome);
        Assert.Equal("default.name.test", endpoint.LastSniHost);
    }

    [Fact]
    public async Task Plain_http_against_a_tls_port_is_not_a_success()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        var result = await Probe(Spec("HTTP", endpoint.Port));
        Assert.NotEqual(ProbeOutcome.Success, result.Outcome);
        Assert.StartsWith("Failure: ", result.Status);
    }

    // --- String match ---

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task String_match_finds_the_string(bool https)
    {
        await using var endpoint = TestHttpEndpoint.Start(https);
        endpoint.Body = $"<html><body>{Needle}</body></html>";
        var result = await Probe(endpoint, search: Needle);
        Assert.Equal(ProbeOutcome.Success, result.Outcome);
        Assert.StartsWith("Success: HTTP Status Code 200", result.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task String_match_fails_when_the_string_is_absent(bool https)
    {
        await using var endpoint = TestHttpEndpoint.Start(https);
        endpoint.Body = "<html><body>STATUS=DEGRADED</body></html>";
        var result = await Probe(endpoint, search: Needle);
        Assert.Equal(ProbeOutcome.StringNotFound, result.Outcome);
        Assert.Equal("string not found", result.Reason);
        Assert.StartsWith("Failure: HTTP Status Code 200", result.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task String_match_is_case_sensitive(bool https)
    {
        await using var endpoint = TestHttpEndpoint.Start(https);
        endpoint.Body = "<html><body>status=ready</body></html>";
        Assert.Equal(ProbeOutcome.StringNotFound, (await Probe(endpoint, search: Needle)).Outcome);
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, search: "status=ready")).Outcome);
    }

    public static TheoryData<bool, string?, bool> Framings => new()
    {
        // https, Content-Encoding, chunked
        { false, null, false },
        { true, null, false },
        { false, "gzip", false },
        { true, "gzip", false },
        { false, "deflate", false },
        { true, "deflate", false },
        { false, null, true },
        { true, null, true },
        { false, "gzip", true },
        { false, "deflate", true },
    };

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task String_match_reads_compressed_and_chunked_bodies(bool https, string? encoding, bool chunked)
    {
        await using var endpoint = TestHttpEndpoint.Start(https);
        // The string in the middle of a body longer than the window, so framing and decompression both matter.
        endpoint.Body = new string('.', 2500) + Needle + new string('.', 9000);
        endpoint.ContentEncoding = encoding;
        endpoint.Chunked = chunked;

        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, search: Needle)).Outcome);
        Assert.Equal(ProbeOutcome.StringNotFound, (await Probe(endpoint, search: "STATUS=DEGRADED")).Outcome);
    }

    // The search window is the first 5,120 bytes of the (decoded) body: the string must lie wholly inside it.
    public static TheoryData<bool, string?, bool, int, bool> Windows
    {
        get
        {
            var data = new TheoryData<bool, string?, bool, int, bool>();
            int endsAtLimit = EndpointProbe.SearchWindow - Needle.Length;
            foreach (var (https, encoding, chunked) in new (bool, string?, bool)[]
            {
                (false, null, false), (true, null, false), (false, "gzip", false), (false, "deflate", false), (false, null, true),
            })
            {
                data.Add(https, encoding, chunked, endsAtLimit, true);               // last byte is byte 5,120
                data.Add(https, encoding, chunked, endsAtLimit + 1, false);          // straddles byte 5,120
                data.Add(https, encoding, chunked, EndpointProbe.SearchWindow, false); // starts right after
                data.Add(https, encoding, chunked, 7000, false);                     // wholly after
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public async Task String_must_lie_wholly_inside_the_first_5120_bytes(bool https, string? encoding, bool chunked, int offset, bool found)
    {
        await using var endpoint = TestHttpEndpoint.Start(https);
        endpoint.Body = new string('.', offset) + Needle + new string('.', 3000);
        endpoint.ContentEncoding = encoding;
        endpoint.Chunked = chunked;

        var result = await Probe(endpoint, search: Needle);

        Assert.Equal(found ? ProbeOutcome.Success : ProbeOutcome.StringNotFound, result.Outcome);
    }

    [Fact]
    public async Task The_window_counts_bytes_not_characters()
    {
        // "É" and "é" are two bytes each in UTF-8, so the 6-character string is 8 bytes: after 5,112 filler
        // bytes it ends exactly at byte 5,120, after 5,113 it straddles the edge.
        const string search = "ÉTAT-é";
        int searchBytes = Encoding.UTF8.GetByteCount(search);
        Assert.Equal(8, searchBytes);
        await using var endpoint = TestHttpEndpoint.Start();

        endpoint.Body = new string('.', EndpointProbe.SearchWindow - searchBytes) + search + "....";
        Assert.Equal(ProbeOutcome.Success, (await Probe(endpoint, search: search)).Outcome);

        endpoint.Body = new string('.', EndpointProbe.SearchWindow - searchBytes + 1) + search + "....";
        Assert.Equal(ProbeOutcome.StringNotFound, (await Probe(endpoint, search: search)).Outcome);
    }

    [Fact]
    public async Task String_match_with_an_empty_body_is_string_not_found()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Body = "";
        Assert.Equal(ProbeOutcome.StringNotFound, (await Probe(endpoint, search: Needle)).Outcome);
    }

    // --- TCP ---

    [Fact]
    public async Task Tcp_succeeds_when_something_listens_and_is_refused_when_stopped()
    {
        await using var endpoint = TestTcpEndpoint.Start();
        var spec = Spec("TCP", endpoint.Port);

        var up = await Probe(spec);
        Assert.Equal(ProbeOutcome.Success, up.Outcome);
        Assert.StartsWith("Success: ", up.Status);
        Assert.Equal("connected", up.Reason);

        endpoint.Stop();
        var down = await Probe(spec);
        Assert.Equal(ProbeOutcome.ConnectionRefused, down.Outcome);
        Assert.StartsWith("Failure: ", down.Status);
    }

    [Fact]
    public async Task Tcp_over_ipv6()
    {
        await using var endpoint = TestTcpEndpoint.Start("::1");
        Assert.Equal(ProbeOutcome.Success, (await Probe(Spec("TCP", endpoint.Port, "::1"))).Outcome);
        endpoint.Stop();
        Assert.Equal(ProbeOutcome.ConnectionRefused, (await Probe(Spec("TCP", endpoint.Port, "::1"))).Outcome);
    }

    [Fact]
    public async Task Tcp_needs_only_the_connection_not_an_http_answer()
    {
        // An HTTP endpoint that never answers is healthy to a TCP check: only the connect counts.
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.Hang;
        Assert.Equal(ProbeOutcome.Success, (await Probe(Spec("TCP", endpoint.Port))).Outcome);
    }
}

/// <summary>
/// The 2-second rules (route53-behaviour.md 6.2) on a fake clock: a probe's deadlines pass when the test
/// moves the clock, so a loaded machine can neither time a probe out early nor let a hang pass.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class EndpointProbeTimeoutTests
{
    private static async Task Until(Func<bool> condition, string what)
    {
        for (var bound = DateTime.UtcNow.AddSeconds(30); !condition(); await Task.Delay(10))
            Assert.True(DateTime.UtcNow < bound, $"waited 30 s for {what}");
    }

    /// <summary>A probe that must still be waiting: given real time to finish wrongly, it has not.</summary>
    private static async Task StillWaiting(params Task[] probes)
    {
        await Task.Delay(500);
        Assert.All(probes, p => Assert.False(p.IsCompleted, "the probe finished before its deadline"));
    }

    [Fact]
    public async Task No_status_within_2_seconds_of_connecting_is_a_response_timeout()
    {
        await using var http = TestHttpEndpoint.Start();
        await using var https = TestHttpEndpoint.Start(https: true);
        http.Behaviour = https.Behaviour = EndpointBehaviour.Hang;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var probes = new[] { EndpointProbeTests.Probe(http, time: clock), EndpointProbeTests.Probe(https, time: clock) };
        // The request was sent and read (through TLS too); only the answer is missing.
        await Until(() => http.Requests == 1 && https.Requests == 1, "both requests");
        clock.Advance(TimeSpan.FromSeconds(1.9));
        await StillWaiting(probes);
        clock.Advance(TimeSpan.FromSeconds(0.1));

        foreach (var result in await Task.WhenAll(probes))
        {
            Assert.Equal(ProbeOutcome.ResponseTimeout, result.Outcome);
            Assert.Equal("response timeout", result.Reason);
            Assert.StartsWith("Failure: ", result.Status);
        }
    }

    [Fact]
    public async Task A_status_just_inside_2_seconds_is_in_time()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.Hang;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var probe = EndpointProbeTests.Probe(endpoint, time: clock);
        await Until(() => endpoint.Requests == 1, "the request");
        clock.Advance(TimeSpan.FromSeconds(1.9));
        await StillWaiting(probe);
        // The endpoint answers the next request at once: a second probe, 1.9 s into its own window, succeeds.
        endpoint.Behaviour = EndpointBehaviour.Respond;
        endpoint.ResponseDelay = TimeSpan.FromSeconds(0.5);
        var second = EndpointProbeTests.Probe(endpoint, time: clock);
        await Until(() => endpoint.Requests == 2, "the second request");
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(ProbeOutcome.Success, (await second).Outcome);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(ProbeOutcome.ResponseTimeout, (await probe).Outcome);
    }

    [Fact]
    public async Task String_match_needs_the_body_within_2_seconds_but_plain_http_only_the_status()
    {
        await using var http = TestHttpEndpoint.Start();
        await using var https = TestHttpEndpoint.Start(https: true);
        http.Behaviour = https.Behaviour = EndpointBehaviour.HangAfterHeaders;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);

        // Without a string to match, the status line is all the probe waits for: the body never comes, so a
        // probe that waited for it could not succeed.
        foreach (var endpoint in new[] { http, https })
            Assert.Equal(ProbeOutcome.Success, (await EndpointProbeTests.Probe(endpoint, time: clock)).Outcome);

        var probes = new[] { EndpointProbeTests.Probe(http, search: "ok", time: clock), EndpointProbeTests.Probe(https, search: "ok", time: clock) };
        await Until(() => http.Requests == 2 && https.Requests == 2, "both requests");
        // The status and headers go out at once and the probe reads them before the clock moves (it is given
        // real time to); the body's own 2 s then start, and pass.
        await StillWaiting(probes);
        clock.Advance(TimeSpan.FromSeconds(2));
        foreach (var result in await Task.WhenAll(probes))
        {
            Assert.Equal(ProbeOutcome.BodyTimeout, result.Outcome);
            Assert.Equal("body timeout", result.Reason);
            Assert.Equal(200, result.HttpStatus);
        }
    }
}
