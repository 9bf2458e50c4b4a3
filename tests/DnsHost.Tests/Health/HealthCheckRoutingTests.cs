using System.Net;
using System.Net.Http.Json;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Health;

/// <summary>
/// Real health checks against real endpoints move DNS answers, over the wire: each test breaks an
/// endpoint the fixture runs, watches the answer change, repairs it and watches it come back.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class HealthCheckRoutingTests(HealthServerFixture f) : IClassFixture<HealthServerFixture>
{
    [Fact]
    public async Task Failover_moves_to_the_secondary_when_the_primary_returns_503_and_back_when_it_recovers()
    {
        await f.AnswersBecome("app", "192.0.2.1");
        Assert.Equal("/health", f.Primary.LastPath);
        f.Primary.StatusCode = 503;
        try
        {
            await f.AnswersBecome("app", "192.0.2.2");
            var status = f.Status("hc-primary");
            Assert.Equal("Unhealthy", status.Status);
            Assert.Contains("HTTP Status Code 503", status.LastFailures.Single().Status);
            Assert.Equal("status 503", status.LastReason);
        }
        finally
        {
            f.Primary.StatusCode = 200;
        }
        await f.AnswersBecome("app", "192.0.2.1");
        Assert.Equal("Healthy", f.Status("hc-primary").Status);
    }

    [Fact]
    public async Task Failover_answers_the_primary_when_both_are_unhealthy()
    {
        f.Primary.Behaviour = EndpointBehaviour.Drop;
        f.Secondary.Stop();
        try
        {
            // Unhealthy for the reasons this test gave them (a loaded machine may have failed a probe earlier
            // for another reason, such as a timeout, so wait for the reasons and not only the verdicts).
            await HealthServerFixture.Eventually(() => Task.FromResult(!f.Status("hc-primary").Healthy && !f.Status("hc-secondary").Healthy
                && f.Status("hc-primary").LastReason == "connection closed" && f.Status("hc-secondary").LastReason == "connection refused"),
                () => $"both checks unhealthy, closed and refused; they are {f.Status("hc-primary").LastReason} and {f.Status("hc-secondary").LastReason}");
            Assert.Equal(["192.0.2.1"], await f.Addresses("app"));
            f.Secondary.Restart();
            await f.AnswersBecome("app", "192.0.2.2");
        }
        finally
        {
            f.Primary.Behaviour = EndpointBehaviour.Respond;
            f.Secondary.Restart();
        }
        await f.AnswersBecome("app", "192.0.2.1");
    }

    [Fact]
    public async Task Weighted_stops_answering_an_unhealthy_set_and_takes_it_back()
    {
        async Task<HashSet<string>> Seen()
        {
            var seen = new HashSet<string>();
            for (int i = 0; i < 40; i++)
                seen.UnionWith(await f.Addresses("weighted"));
            return seen;
        }
        Assert.Equal(["192.0.2.11", "192.0.2.12"], (await Seen()).Order());
        f.Weighted.Stop();
        try
        {
            await HealthServerFixture.Eventually(() => Task.FromResult(!f.Status("hc-weighted").Healthy), "hc-weighted unhealthy");
            Assert.Equal(["192.0.2.12"], await Seen());
        }
        finally
        {
            f.Weighted.Restart();
        }
        await HealthServerFixture.Eventually(() => Task.FromResult(f.Status("hc-weighted").Healthy), "hc-weighted healthy");
        Assert.Equal(["192.0.2.11", "192.0.2.12"], (await Seen()).Order());
    }

    [Fact]
    public async Task Multivalue_leaves_out_unhealthy_values_and_answers_them_all_when_all_are_unhealthy()
    {
        await f.AnswersBecome("multi", "192.0.2.21", "192.0.2.22", "192.0.2.23");
        f.Multi2.Stop();
        try
        {
            await f.AnswersBecome("multi", "192.0.2.21", "192.0.2.23");
            f.Multi1.StatusCode = 500;
            await f.AnswersBecome("multi", "192.0.2.23");
        }
        finally
        {
            f.Multi1.StatusCode = 200;
            f.Multi2.Restart();
        }
        await f.AnswersBecome("multi", "192.0.2.21", "192.0.2.22", "192.0.2.23");
    }

    [Fact]
    public async Task Latency_skips_an_unhealthy_region_for_the_next_nearest()
    {
        await f.AnswersBecome("latency", "192.0.2.31");
        f.Latency.Behaviour = EndpointBehaviour.Drop;
        try
        {
            await f.AnswersBecome("latency", "192.0.2.32");
        }
        finally
        {
            f.Latency.Behaviour = EndpointBehaviour.Respond;
        }
        await f.AnswersBecome("latency", "192.0.2.31");
    }

    [Fact]
    public async Task Calculated_checks_count_healthy_children_against_their_threshold()
    {
        await f.AnswersBecome("calc", "192.0.2.41");
        await f.AnswersBecome("calc1", "192.0.2.43");
        f.Child1.StatusCode = 503;
        try
        {
            // Threshold 2 of 2 fails with one child down; threshold 1 of 2 holds.
            await f.AnswersBecome("calc", "192.0.2.42");
            Assert.Equal(["192.0.2.43"], await f.Addresses("calc1"));
            Assert.Equal("1 of 2 (threshold 2)", f.Status("hc-calc-all").HealthyChildren);
            f.Child2.StatusCode = 503;
            await f.AnswersBecome("calc1", "192.0.2.44");
        }
        finally
        {
            f.Child1.StatusCode = 200;
            f.Child2.StatusCode = 200;
        }
        await f.AnswersBecome("calc", "192.0.2.41");
        await f.AnswersBecome("calc1", "192.0.2.43");
    }

    [Fact]
    public async Task Inverted_check_reports_a_healthy_endpoint_as_unhealthy_and_the_other_way_round()
    {
        Assert.Equal(["192.0.2.52"], await f.Addresses("inverted"));
        Assert.True(f.Status("hc-inverted").EndpointHealthy);
        f.Inverted.StatusCode = 503;
        try
        {
            await f.AnswersBecome("inverted", "192.0.2.51");
        }
        finally
        {
            f.Inverted.StatusCode = 200;
        }
        await f.AnswersBecome("inverted", "192.0.2.52");
    }

    [Fact]
    public async Task Disabled_check_reports_healthy_and_does_not_probe()
    {
        await Task.Delay(1500);
        Assert.Equal(["192.0.2.61"], await f.Addresses("disabled"));
        var status = f.Status("hc-disabled");
        Assert.Equal("disabled", status.DecidedBy);
        Assert.Empty(status.Observations);
        Assert.Equal(0, f.DisabledTarget.Connections);
    }

    [Fact]
    public async Task A_domain_name_target_is_resolved_through_this_server_and_probed_with_its_host_header()
    {
        await HealthServerFixture.Eventually(() => Task.FromResult(f.ByName.Requests > 0), "a probe of backend.hc.test");
        Assert.Equal($"backend.hc.test:{f.ByName.Port}", f.ByName.LastHost);
        await f.AnswersBecome("byname", "192.0.2.71");
        f.ByName.StatusCode = 503;
        try
        {
            await f.AnswersBecome("byname", "192.0.2.72");
            Assert.Contains("Resolved IP: 127.0.0.1", f.Status("hc-byname").LastFailures.Single().Status);
        }
        finally
        {
            f.ByName.StatusCode = 200;
        }
        await f.AnswersBecome("byname", "192.0.2.71");
    }

    [Fact]
    public async Task Https_string_match_with_a_self_signed_certificate_follows_the_body()
    {
        await f.AnswersBecome("tls", "192.0.2.91");
        f.Tls.Body = "<html>status: degraded</html>";
        try
        {
            await f.AnswersBecome("tls", "192.0.2.92");
            Assert.Equal("string not found", f.Status("hc-tls").LastReason);
        }
        finally
        {
            f.Tls.Body = "<html>status: all systems go</html>";
        }
        await f.AnswersBecome("tls", "192.0.2.91");
    }

    [Fact]
    public async Task Override_over_http_moves_dns_at_once_shows_in_status_and_clears()
    {
        using (var response = await f.PutOverride("hc-override", "Unhealthy"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = await response.Content.ReadFromJsonAsync<HealthCheckStatus>();
            Assert.Equal("Unhealthy", status!.Status);
            Assert.Equal("override", status.DecidedBy);
            Assert.Equal("Unhealthy", status.Override);
        }
        // The next query sees it: no probe interval in between.
        Assert.Equal(["192.0.2.82"], await f.Addresses("override"));
        using (var response = await f.Http.DeleteAsync("dnshost/health-checks/hc-override/override"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["192.0.2.81"], await f.Addresses("override"));
        Assert.Null(f.Status("hc-override").Override);
    }

    [Fact]
    public async Task Override_errors_name_the_problem()
    {
        using var missing = await f.PutOverride("hc-nope", "Unhealthy");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("NoSuchHealthCheck", await missing.Content.ReadAsStringAsync());
        using var bad = await f.PutOverride("hc-override", "Sideways");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("must be Healthy or Unhealthy", await bad.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", f.Status("hc-override").Status);
    }

    [Fact]
    public async Task Status_list_over_http_has_every_check_with_its_last_probe()
    {
        var list = await f.Http.GetFromJsonAsync<List<HealthCheckStatus>>("dnshost/health-checks");
        Assert.Equal(15, list!.Count);
        var primary = list.Single(c => c.Id == "hc-primary");
        Assert.Equal("HTTP", primary.Type);
        Assert.Equal($"127.0.0.1:{f.Primary.Port}/health", primary.Target);
        Assert.Equal("us-east-1", primary.Observations.Single().Region);
        Assert.StartsWith("Success: HTTP Status Code 200", primary.Observations.Single().Status);
        Assert.Equal("calculated", list.Single(c => c.Id == "hc-calc-all").DecidedBy);
        Assert.Equal("ok\n", await f.Http.GetStringAsync("healthz"));
    }
}
