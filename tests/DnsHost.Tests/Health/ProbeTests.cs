using System.Diagnostics;
using System.Net;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Health;

/// <summary>One probe against a real endpoint on loopback, judged by Route 53's rules (route53-behaviour.md 6.2).</summary>
public sealed class ProbeTests
{
    public static HealthCheckSpec Spec(string type, int port, string? search = null, string? path = null, string? domain = null, bool? sni = null)
    {
        var errors = new List<string>();
        var spec = HealthCheckSpec.Compile("hc", new HealthCheckConfigJson
        {
            Type = type,
            IPAddress = "127.0.0.1",
            Port = port,
            SearchString = search,
            ResourcePath = path,
            FullyQualifiedDomainName = domain,
            EnableSNI = sni,
        }, "test", errors);
        Assert.True(spec is not null, string.Join("; ", errors));
        return spec;
    }

    public static Task<ProbeResult> Probe(HealthCheckSpec spec, IPAddress? address = null) =>
        EndpointProbe.RunAsync(spec, address ?? IPAddress.Loopback, CancellationToken.None);

    [Theory]
    [InlineData(200, true)]
    [InlineData(204, true)]
    [InlineData(301, true)]
    [InlineData(399, true)]
    [InlineData(404, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public async Task Http_succeeds_on_2xx_and_3xx_only(int status, bool success)
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.StatusCode = status;
        var result = await Probe(Spec("HTTP", endpoint.Port));
        Assert.Equal(success, result.Success);
        Assert.Contains($"HTTP Status Code {status}", result.Status);
        Assert.StartsWith(success ? "Success: " : "Failure: ", result.Status);
        if (!success)
            Assert.Equal($"status {status}", result.Reason);
    }

    [Fact]
    public async Task Request_carries_the_resource_path_and_route53s_host_header()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        Assert.True((await Probe(Spec("HTTP", endpoint.Port, path: "health?deep=1"))).Success);
        Assert.Equal("/health?deep=1", endpoint.LastPath);
        Assert.Equal($"127.0.0.1:{endpoint.Port}", endpoint.LastHost);

        Assert.True((await Probe(Spec("HTTP", endpoint.Port, domain: "web.example.test"))).Success);
        Assert.Equal($"web.example.test:{endpoint.Port}", endpoint.LastHost);

        await using var v6 = TestHttpEndpoint.Start(address: "::1");
        var spec = Spec("HTTP", v6.Port) with { IPAddress = IPAddress.IPv6Loopback };
        Assert.True((await Probe(spec, IPAddress.IPv6Loopback)).Success);
        Assert.Equal($"[::1]:{v6.Port}", v6.LastHost);
    }

    [Fact]
    public async Task Refused_dropped_and_slow_but_in_time_endpoints()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.Drop;
        Assert.Equal(ProbeOutcome.ConnectionClosed, (await Probe(Spec("HTTP", endpoint.Port))).Outcome);

        endpoint.Behaviour = EndpointBehaviour.Respond;
        endpoint.ResponseDelay = TimeSpan.FromSeconds(1);
        Assert.True((await Probe(Spec("HTTP", endpoint.Port))).Success);

        endpoint.Stop();
        var clock = Stopwatch.StartNew();
        var refused = await Probe(Spec("HTTP", endpoint.Port));
        Assert.Equal(ProbeOutcome.ConnectionRefused, refused.Outcome);
        Assert.Equal("connection refused", refused.Reason);
        Assert.Contains("Resolved IP: 127.0.0.1", refused.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Tcp_succeeds_on_connect_and_fails_when_closed()
    {
        await using var endpoint = TestTcpEndpoint.Start();
        Assert.True((await Probe(Spec("TCP", endpoint.Port))).Success);
        endpoint.Stop();
        Assert.Equal(ProbeOutcome.ConnectionRefused, (await Probe(Spec("TCP", endpoint.Port))).Outcome);
    }

    [Fact]
    public async Task Https_accepts_a_self_signed_certificate_and_sends_sni_only_when_asked()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        Assert.True((await Probe(Spec("HTTPS", endpoint.Port, domain: "secure.example.test"))).Success);
        Assert.Equal("secure.example.test", endpoint.LastSniHost);
        Assert.True((await Probe(Spec("HTTPS", endpoint.Port, domain: "secure.example.test", sni: false))).Success);
        Assert.Null(endpoint.LastSniHost);
        // Plain HTTP against a TLS port is not a valid response.
        Assert.False((await Probe(Spec("HTTP", endpoint.Port))).Success);
    }

    [Theory]
    [InlineData(null, false, "found")]
    [InlineData("gzip", false, "found")]
    [InlineData("deflate", false, "found")]
    [InlineData(null, true, "found")]
    [InlineData("gzip", true, "found")]
    public async Task String_match_finds_the_string_in_plain_compressed_and_chunked_bodies(string? encoding, bool chunked, string _)
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Body = new string('x', 3000) + "status=READY" + new string('y', 8000);
        endpoint.ContentEncoding = encoding;
        endpoint.Chunked = chunked;
        Assert.True((await Probe(Spec("HTTP_STR_MATCH", endpoint.Port, search: "status=READY"))).Success);
        var missing = await Probe(Spec("HTTP_STR_MATCH", endpoint.Port, search: "status=ready"));
        Assert.Equal(ProbeOutcome.StringNotFound, missing.Outcome);
        Assert.Equal("string not found", missing.Reason);
    }

    [Theory]
    [InlineData(5120 - 5, true)]   // ends exactly at byte 5,120
    [InlineData(5120 - 4, false)]  // straddles byte 5,120
    [InlineData(6000, false)]      // wholly after
    public async Task String_must_lie_wholly_inside_the_first_5120_bytes(int offset, bool found)
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Body = new string('.', offset) + "MATCH" + new string('.', 2000);
        var result = await Probe(Spec("HTTP_STR_MATCH", endpoint.Port, search: "MATCH"));
        Assert.Equal(found, result.Success);
    }

    [Fact]
    public async Task Https_string_match_works_through_tls()
    {
        await using var endpoint = TestHttpEndpoint.Start(https: true);
        endpoint.Body = "<p>healthy</p>";
        Assert.True((await Probe(Spec("HTTPS_STR_MATCH", endpoint.Port, search: "healthy"))).Success);
        Assert.Equal(ProbeOutcome.StringNotFound, (await Probe(Spec("HTTPS_STR_MATCH", endpoint.Port, search: "sick"))).Outcome);
    }
}

/// <summary>The 2-second rules, in their own class so their waiting overlaps with the other tests.</summary>
public sealed class ProbeTimeoutTests
{
    [Fact]
    public async Task No_status_within_2_seconds_of_connecting_is_a_failure()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.Hang;
        var clock = Stopwatch.StartNew();
        var result = await ProbeTests.Probe(ProbeTests.Spec("HTTP", endpoint.Port));
        Assert.Equal(ProbeOutcome.ResponseTimeout, result.Outcome);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.8, 4);
    }

    [Fact]
    public async Task String_match_needs_the_body_within_2_seconds_more_but_plain_http_only_the_status()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        endpoint.Behaviour = EndpointBehaviour.HangAfterHeaders;
        Assert.True((await ProbeTests.Probe(ProbeTests.Spec("HTTP", endpoint.Port))).Success);
        var clock = Stopwatch.StartNew();
        var result = await ProbeTests.Probe(ProbeTests.Spec("HTTP_STR_MATCH", endpoint.Port, search: "ok"));
        Assert.Equal(ProbeOutcome.BodyTimeout, result.Outcome);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.8, 4);
    }
}
