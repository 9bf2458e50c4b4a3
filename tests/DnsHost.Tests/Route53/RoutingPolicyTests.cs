using DnsHost.Protocol;
using DnsHost.Zones.Routing;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>Every Route 53 routing policy over the wire, with the client's location given by ECS.</summary>
[Trait("Kind", "Integration")]
public sealed class RoutingPolicyTests(RoutingServerFixture fixture) : IClassFixture<RoutingServerFixture>
{
    private const string Seattle = "198.51.100.0/24", Frankfurt = "203.0.113.0/24", NewYork = "192.0.2.0/24", Montreal = "100.64.0.0/16", Tokyo = "100.65.0.0/16", Nowhere = "100.99.0.0/24";

    [Fact]
    public async Task Simple_record_set_answers_all_its_values()
    {
        Assert.Equal(["192.0.2.1"], await fixture.Addresses("www.routing.test"));
    }

    [Fact]
    public async Task Weighted_splits_answers_in_proportion_and_never_answers_weight_zero()
    {
        const int n = 4000;
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            var answer = await fixture.Addresses("weighted.routing.test");
            Assert.Single(answer);
            counts[answer[0]] = counts.GetValueOrDefault(answer[0]) + 1;
        }
        // 70 of 100: mean 2800, sd 29. ±174 is six standard deviations: a correct split fails with
        // probability ~2e-9; 65/35 (2600) or 75/25 (3000) fall outside.
        Assert.InRange(counts.GetValueOrDefault("10.0.0.1"), 2626, 2974);
        Assert.Equal(n, counts.GetValueOrDefault("10.0.0.1") + counts.GetValueOrDefault("10.0.0.2"));
        Assert.False(counts.ContainsKey("10.0.0.3"), "a weight-0 set was answered although others have weight");
    }

    [Fact]
    public async Task Weighted_all_zero_answers_every_set_evenly()
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 1000; i++)
        {
            var answer = await fixture.Addresses("allzero.routing.test");
            counts[answer.Single()] = counts.GetValueOrDefault(answer.Single()) + 1;
        }
        // Mean 500, sd 15.8: six standard deviations either side.
        Assert.InRange(counts.GetValueOrDefault("10.0.1.1"), 405, 595);
        Assert.InRange(counts.GetValueOrDefault("10.0.1.2"), 405, 595);
    }

    [Fact]
    public async Task Weighted_uses_a_zero_weight_set_only_when_every_weighted_set_is_unhealthy()
    {
        for (int i = 0; i < 20; i++)
            Assert.Equal(["10.0.2.1"], await fixture.Addresses("standby.routing.test"));
        using (fixture.Unhealthy("hc-main"))
        {
            for (int i = 0; i < 20; i++)
                Assert.Equal(["10.0.2.9"], await fixture.Addresses("standby.routing.test"));
        }
        Assert.Equal(["10.0.2.1"], await fixture.Addresses("standby.routing.test"));
    }

    [Theory]
    [InlineData(true, true, "10.1.0.1")]
    [InlineData(true, false, "10.1.0.1")]
    [InlineData(false, true, "10.1.0.2")]
    [InlineData(false, false, "10.1.0.1")] // both unhealthy: the primary (route53-behaviour.md 4.3)
    public async Task Failover_follows_the_primary_health(bool primary, bool secondary, string expected)
    {
        var down = new List<string>();
        if (!primary) down.Add("hc-primary");
        if (!secondary) down.Add("hc-secondary");
        using (fixture.Unhealthy([.. down]))
            Assert.Equal([expected], await fixture.Addresses("failover.routing.test"));
    }

    [Theory]
    [InlineData(Seattle, "10.2.0.1")]   // subdivision US-WA
    [InlineData(NewYork, "10.2.0.2")]   // US, state unknown: the country set
    [InlineData(Montreal, "10.2.0.3")]  // CA: no country set, continent NA
    [InlineData(Frankfurt, "10.2.0.5")] // DE
    [InlineData(Tokyo, "10.2.0.4")]     // JP: nothing matches, the default
    [InlineData(Nowhere, "10.2.0.4")]   // unknown location: the default
    [InlineData(null, "10.2.0.4")]      // no ECS: the resolver (127.0.0.1) is nowhere
    public async Task Geolocation_picks_the_smallest_matching_region(string? subnet, string expected)
    {
        Assert.Equal([expected], await fixture.Addresses("geo.routing.test", subnet));
    }

    [Fact]
    public async Task Geolocation_moves_to_the_next_larger_region_when_the_smaller_is_unhealthy()
    {
        using (fixture.Unhealthy("hc-geo-wa"))
            Assert.Equal(["10.2.0.2"], await fixture.Addresses("geo.routing.test", Seattle));
        using (fixture.Unhealthy("hc-geo-wa", "hc-geo-us"))
            Assert.Equal(["10.2.0.3"], await fixture.Addresses("geo.routing.test", Seattle));
    }

    [Fact]
    public async Task Geolocation_without_a_match_or_default_is_nodata()
    {
        var response = await fixture.Query("geo-nodefault.routing.test", RecordType.A, Tokyo);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answer);
        Assert.Equal("SOA", Assert.Single(response.Authority).Type);
        Assert.True(response.AA);
    }

    [Fact]
    public async Task Answers_that_depend_on_location_echo_client_subnet_with_the_scope_used()
    {
        var response = await fixture.Query("geo.routing.test", RecordType.A, Seattle);
        Assert.Equal((1, 24, 24), response.ClientSubnet);
        var simple = await fixture.Query("www.routing.test", RecordType.A, Seattle);
        Assert.Equal((1, 24, 0), simple.ClientSubnet); // the answer is the same for everyone
        var none = await fixture.Query("geo.routing.test");
        Assert.Null(none.ClientSubnet);
    }

    [Theory]
    [InlineData(Seattle, "10.3.0.3")]   // Oregon coordinates, bias -50 still nearest
    [InlineData(Frankfurt, "10.3.0.2")] // eu-west-1
    [InlineData(NewYork, "10.3.0.1")]   // us-east-1
    public async Task Geoproximity_picks_the_smallest_biased_distance(string subnet, string expected)
    {
        Assert.Equal([expected], await fixture.Addresses("proximity.routing.test", subnet));
    }

    [Theory]
    [InlineData(Montreal, "10.4.0.2")]  // configured latencies: eu-central-1 20 ms beats us-east-1 30 ms
    [InlineData(Frankfurt, "10.4.0.2")] // no latency row: nearest Region
    [InlineData(NewYork, "10.4.0.1")]
    public async Task Latency_uses_configured_latencies_else_the_nearest_region(string subnet, string expected)
    {
        Assert.Equal([expected], await fixture.Addresses("latency.routing.test", subnet));
    }

    [Fact]
    public async Task Latency_skips_an_unhealthy_region()
    {
        using (fixture.Unhealthy("hc-latency-use1"))
            Assert.Equal(["10.4.0.3"], await fixture.Addresses("latency.routing.test", NewYork)); // us-west-2 is next nearest
    }

    [Fact]
    public async Task Multivalue_answers_up_to_eight_healthy_values_chosen_at_random()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            var answer = await fixture.Addresses("multi.routing.test");
            Assert.Equal(8, answer.Length);
            Assert.Equal(8, answer.Distinct().Count());
            seen.UnionWith(answer);
        }
        Assert.Equal(10, seen.Count);

        using (fixture.Unhealthy("hc-multi-1", "hc-multi-2", "hc-multi-3", "hc-multi-4"))
        {
            for (int i = 0; i < 20; i++)
                Assert.Equal(["10.5.0.10", "10.5.0.5", "10.5.0.6", "10.5.0.7", "10.5.0.8", "10.5.0.9"], await fixture.Addresses("multi.routing.test"));
        }
        using (fixture.Unhealthy(Enumerable.Range(1, 10).Select(i => $"hc-multi-{i}").ToArray()))
            Assert.Equal(8, (await fixture.Addresses("multi.routing.test")).Length); // all unhealthy: up to eight of them
    }

    [Theory]
    [InlineData(Frankfurt, "10.6.0.1")]         // berlin
    [InlineData("198.18.7.0/24", "10.6.0.2")]   // paris (/15)
    [InlineData("198.18.5.0/24", "10.6.0.3")]   // paris-lab: the longer block wins
    [InlineData("198.18.0.0/16", "10.6.0.2")]   // a /16 client lies inside the /15 block
    [InlineData("203.0.0.0/16", "10.6.0.9")]    // a /16 client is not inside the /24 berlin block: default
    [InlineData(NewYork, "10.6.0.9")]           // no block: the default location "*"
    public async Task Ip_based_routing_matches_the_longest_block_containing_the_client(string subnet, string expected)
    {
        Assert.Equal([expected], await fixture.Addresses("ip.routing.test", subnet));
    }

    [Fact]
    public async Task Ip_based_routing_falls_back_to_the_default_when_the_location_is_unhealthy_and_to_nodata_without_one()
    {
        using (fixture.Unhealthy("hc-paris"))
            Assert.Equal(["10.6.0.9"], await fixture.Addresses("ip.routing.test", "198.18.7.0/24"));
        var response = await fixture.Query("ip-nodefault.routing.test", RecordType.A, NewYork);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answer);
        Assert.Equal((1, 24, 24), response.ClientSubnet);
    }

    [Fact]
    public async Task Alias_at_the_apex_answers_the_target_data_and_ttl_under_the_alias_name()
    {
        var response = await fixture.Query("routing.test", RecordType.A);
        var record = Assert.Single(response.Answer);
        Assert.Equal(new TestRecord("routing.test.", "A", 300, "192.0.2.1"), record);
        Assert.Equal(["2001:db8::1"], (await fixture.Query("routing.test", RecordType.AAAA)).AnswerData("AAAA"));
        // An alias answers only its own type (a CNAME would answer every type).
        var txt = await fixture.Query("routing.test", RecordType.TXT);
        Assert.Empty(txt.Answer);
        Assert.Equal(ResponseCode.NoError, txt.ResponseCode);
    }

    [Fact]
    public async Task Alias_to_a_routed_set_follows_its_policy_and_health()
    {
        Assert.Contains((await fixture.Addresses("to-weighted.routing.test")).Single(), new[] { "10.0.0.1", "10.0.0.2" });
        using (fixture.Unhealthy("hc-primary"))
            Assert.Equal(["10.1.0.2"], await fixture.Addresses("to-failover.routing.test"));
    }

    [Fact]
    public async Task Failover_alias_with_evaluate_target_health_gives_way_when_every_target_set_is_unhealthy()
    {
        Assert.Contains((await fixture.Addresses("site.routing.test")).Single(), new[] { "10.7.0.1", "10.7.0.2" });
        using (fixture.Unhealthy("hc-target-1"))
            Assert.Equal(["10.7.0.2"], await fixture.Addresses("site.routing.test"));
        using (fixture.Unhealthy("hc-target-1", "hc-target-2"))
            Assert.Equal(["192.0.2.1"], await fixture.Addresses("site.routing.test"));
    }

    [Fact]
    public async Task Alias_loop_is_servfail()
    {
        var response = await fixture.Query("loop1.routing.test");
        Assert.Equal(ResponseCode.ServFail, response.ResponseCode);
        Assert.Empty(response.Answer);
    }

    [Fact]
    public async Task Alias_to_an_aws_resource_answers_the_configured_addresses_or_servfail()
    {
        var response = await fixture.Query("lb.routing.test");
        Assert.Equal(["127.0.0.80", "127.0.0.81"], response.AnswerData("A").Order().ToArray());
        Assert.All(response.Answer, r => Assert.Equal(60u, r.Ttl));
        Assert.Equal(ResponseCode.ServFail, (await fixture.Query("unmapped-lb.routing.test")).ResponseCode);
    }

    [Fact]
    public async Task Weighted_cname_is_followed_inside_the_zone()
    {
        var response = await fixture.Query("cname.routing.test", RecordType.A);
        Assert.Equal(["cname.routing.test. 60 CNAME www.routing.test.", "www.routing.test. 300 A 192.0.2.1"], response.Answer.Select(r => r.ToString()).ToArray());
    }

    [Fact]
    public async Task Routed_answers_work_over_tcp()
    {
        var responses = await fixture.Server.TcpAsync(TestQuery.Build("geo.routing.test", RecordType.A, ednsOptions: RoutingServerFixture.Ecs(Frankfurt)));
        Assert.Equal(["10.2.0.5"], responses[0].AnswerData("A").ToArray());
    }

    [Fact]
    public async Task Wildcard_names_written_with_octal_escapes_are_wildcards()
    {
        var response = await fixture.Query("anything.wild.routing.test", RecordType.TXT);
        Assert.Equal(["\"wildcard\""], response.AnswerData("TXT").ToArray());
    }

    [Fact]
    public async Task Private_zone_answers_only_inside_its_vpc_and_hides_the_public_zone()
    {
        Assert.Equal(["172.16.0.1"], (await fixture.QueryFrom("127.0.0.2", "www.routing.test")).AnswerData("A").ToArray());
        Assert.Equal(["192.0.2.1"], (await fixture.QueryFrom("127.0.0.1", "www.routing.test")).AnswerData("A").ToArray());
        // No fall-through: a name only the public zone has is NXDOMAIN inside the VPC.
        Assert.Equal(ResponseCode.NXDomain, (await fixture.QueryFrom("127.0.0.2", "weighted.routing.test")).ResponseCode);
    }

    [Fact]
    public async Task Private_zone_geolocation_uses_the_vpc_region_and_ignores_client_subnet()
    {
        // vpc-inside is in eu-west-1 (Ireland, Europe); the ECS says Seattle and is ignored.
        var response = await fixture.QueryFrom("127.0.0.2", "geo.routing.test", RecordType.A, Seattle);
        Assert.Equal(["172.16.2.1"], response.AnswerData("A").ToArray());
        Assert.Equal((1, 24, 0), response.ClientSubnet);
    }

    [Fact]
    public void Explain_says_which_set_won_and_why()
    {
        var registry = fixture.Server.Services.GetService(typeof(DnsHost.Zones.ZoneRegistry)) as DnsHost.Zones.ZoneRegistry;
        var routing = (RoutingEnvironment)fixture.Server.Services.GetService(typeof(RoutingEnvironment))!;
        using (fixture.Unhealthy("hc-primary"))
        {
            var explanation = Explainer.Explain(registry!.Current, routing, "failover.routing.test", (ushort)RecordType.A, IpPrefix.Parse("127.0.0.1"), null);
            Assert.Equal(ResponseCode.NoError, explanation.ResponseCode);
            Assert.Equal(["10.1.0.2"], explanation.RecordData);
            Assert.Contains(explanation.Reasons, r => r.Contains("health check hc-primary is unhealthy"));
            Assert.Contains(explanation.Reasons, r => r.Contains("chosen: [name='failover.routing.test.', type='A', set-identifier='secondary']"));
        }
        var geo = Explainer.Explain(registry!.Current, routing, "geo.routing.test", (ushort)RecordType.A, IpPrefix.Parse("127.0.0.1"), IpPrefix.Parse(Seattle));
        Assert.Equal(["10.2.0.1"], geo.RecordData);
        Assert.Contains(geo.Reasons, r => r.Contains("country US") && r.Contains("subdivision WA"));
    }
}
