using System.Net;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Health;

/// <summary>
/// Health check settings (route53-behaviour.md 6.1), the flip rule and the reported status (6.3), the
/// targets Route 53 refuses, and a bad check in a zone file. Nothing here touches the network: the
/// addresses are values only.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class HealthCheckRulesTests
{
    private const string Documentation = "192.0.2.10"; // RFC 5737: never a real endpoint

    private static (HealthCheckSpec? Spec, List<string> Errors) Compile(HealthCheckConfigJson config, string id = "hc-1")
    {
        var errors = new List<string>();
        return (HealthCheckSpec.Compile(id, config, "test", errors), errors);
    }

    private static HealthCheckSpec Valid(HealthCheckConfigJson config, string id = "hc-1")
    {
        var (spec, errors) = Compile(config, id);
        Assert.True(spec is not null, string.Join("; ", errors));
        Assert.Empty(errors);
        return spec;
    }

    // --- Compile: what is refused, and why ---

    public static TheoryData<string, HealthCheckConfigJson> BadConfigs => new()
    {
        { "HealthCheckConfig.Type is required", new() { IPAddress = Documentation } },
        { "Type 'PING' is not one of HTTP, HTTPS", new() { Type = "PING", IPAddress = Documentation } },
        // Types are the API's spelling, case-sensitive.
        { "Type 'http' is not one of", new() { Type = "http", IPAddress = Documentation } },
        { "Port is required for a TCP health check", new() { Type = "TCP", IPAddress = Documentation } },
        { "Port 0 is out of range (1 to 65535)", new() { Type = "HTTP", IPAddress = Documentation, Port = 0 } },
        { "Port 70000 is out of range (1 to 65535)", new() { Type = "TCP", IPAddress = Documentation, Port = 70000 } },
        { "Port 65536 is out of range", new() { Type = "HTTPS", IPAddress = Documentation, Port = 65536 } },
        { "SearchString is required for a HTTP_STR_MATCH", new() { Type = "HTTP_STR_MATCH", IPAddress = Documentation } },
        { "SearchString is required for a HTTPS_STR_MATCH", new() { Type = "HTTPS_STR_MATCH", IPAddress = Documentation, SearchString = "" } },
        { "SearchString is allowed only for HTTP_STR_MATCH and HTTPS_STR_MATCH", new() { Type = "HTTP", IPAddress = Documentation, SearchString = "ok" } },
        { "SearchString must be at most 255", new() { Type = "HTTP_STR_MATCH", IPAddress = Documentation, SearchString = new string('s', 256) } },
        { "RequestInterval 15 must be 10 or 30", new() { Type = "HTTP", IPAddress = Documentation, RequestInterval = 15 } },
        { "RequestInterval 0 must be 10 or 30", new() { Type = "HTTP", IPAddress = Documentation, RequestInterval = 0 } },
        { "RequestInterval 60 must be 10 or 30", new() { Type = "TCP", IPAddress = Documentation, Port = 22, RequestInterval = 60 } },
        { "FailureThreshold 0 is out of range (1 to 10)", new() { Type = "HTTP", IPAddress = Documentation, FailureThreshold = 0 } },
        { "FailureThreshold 11 is out of range (1 to 10)", new() { Type = "HTTP", IPAddress = Documentation, FailureThreshold = 11 } },
        { "HealthThreshold is allowed only for CALCULATED", new() { Type = "HTTP", IPAddress = Documentation, HealthThreshold = 1 } },
        { "ChildHealthChecks is allowed only for CALCULATED", new() { Type = "HTTP", IPAddress = Documentation, ChildHealthChecks = ["hc-2"] } },
        { "a calculated health check cannot be its own child", new() { Type = "CALCULATED", HealthThreshold = 1, ChildHealthChecks = ["hc-2", "hc-1"] } },
        { "HealthThreshold 257 is out of range (0 to 256)", new() { Type = "CALCULATED", HealthThreshold = 257, ChildHealthChecks = ["hc-2"] } },
        { "EnableSNI is allowed only for HTTPS and HTTPS_STR_MATCH", new() { Type = "HTTP", IPAddress = Documentation, EnableSNI = true } },
        { "EnableSNI is allowed only for HTTPS and HTTPS_STR_MATCH", new() { Type = "TCP", IPAddress = Documentation, Port = 22, EnableSNI = true } },
        { "Regions must list at least 3 Regions", new() { Type = "HTTP", IPAddress = Documentation, Regions = ["us-east-1", "eu-west-1"] } },
        { "IPAddress is not allowed for a CALCULATED health check", new() { Type = "CALCULATED", IPAddress = Documentation, HealthThreshold = 0 } },
        { "Port is not allowed for a CALCULATED health check", new() { Type = "CALCULATED", Port = 80, HealthThreshold = 0 } },
        { "needs IPAddress or FullyQualifiedDomainName", new() { Type = "HTTP" } },
        { "needs IPAddress or FullyQualifiedDomainName", new() { Type = "TCP", Port = 22 } },
        { "IPAddress '192.0.2' is not a valid IPv4 or IPv6 address", new() { Type = "HTTP", IPAddress = "192.0.2" } },
        { "FullyQualifiedDomainName must be 1 to 255 characters", new() { Type = "HTTP", FullyQualifiedDomainName = new string('a', 256) } },
        { "ResourcePath must be at most 255 characters", new() { Type = "HTTP", IPAddress = Documentation, ResourcePath = "/" + new string('p', 255) } },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_settings_are_refused_with_the_reason(string expected, HealthCheckConfigJson config)
    {
        var (spec, errors) = Compile(config);
        Assert.Null(spec);
        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)),
            $"expected an error containing \"{expected}\", got: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void A_missing_config_is_refused()
    {
        var errors = new List<string>();
        Assert.Null(HealthCheckSpec.Compile("hc-1", null, "test", errors));
        Assert.Contains("HealthCheckConfig is required", errors);
    }

    [Fact]
    public void Every_problem_in_a_config_is_reported_not_only_the_first()
    {
        var (spec, errors) = Compile(new() { Type = "HTTP", IPAddress = Documentation, Port = 0, FailureThreshold = 11, RequestInterval = 15 });
        Assert.Null(spec);
        Assert.Contains(errors, e => e.StartsWith("Port 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("FailureThreshold 11", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("RequestInterval 15", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]   // DnsHost's extension for test harnesses (1 to 9), gated by HealthChecks:MinimumInterval
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(30)]
    public void Request_intervals_of_10_and_30_and_the_short_test_intervals_are_accepted(int interval) =>
        Assert.Equal(interval, Valid(new() { Type = "HTTP", IPAddress = Documentation, RequestInterval = interval }).RequestInterval);

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void Failure_thresholds_1_to_10_are_accepted(int threshold) =>
        Assert.Equal(threshold, Valid(new() { Type = "HTTP", IPAddress = Documentation, FailureThreshold = threshold }).FailureThreshold);

    [Theory]
    [InlineData(1)]
    [InlineData(65535)]
    public void Ports_1_to_65535_are_accepted(int port) =>
        Assert.Equal(port, Valid(new() { Type = "TCP", IPAddress = Documentation, Port = port }).Port);

    [Fact]
    public void A_calculated_check_needs_no_endpoint()
    {
        var spec = Valid(new() { Type = "CALCULATED", HealthThreshold = 2, ChildHealthChecks = ["hc-2", "hc-3"] });
        Assert.Equal((HealthCheckType.Calculated, 0, null), (spec.Type, spec.Port, spec.IPAddress));
        Assert.Equal(["hc-2", "hc-3"], spec.ChildHealthChecks);
        Assert.False(spec.ProbesEndpoint);
    }

    // --- Compile: defaults ---

    [Theory]
    [InlineData("HTTP", 80, false)]
    [InlineData("HTTP_STR_MATCH", 80, false)]
    [InlineData("HTTPS", 443, true)]
    [InlineData("HTTPS_STR_MATCH", 443, true)]
    public void Port_and_sni_default_by_type(string type, int port, bool sni)
    {
        var spec = Valid(new() { Type = type, IPAddress = Documentation, SearchString = type.EndsWith("_STR_MATCH", StringComparison.Ordinal) ? "ok" : null });
        Assert.Equal(port, spec.Port);
        Assert.Equal(sni, spec.EnableSni);
    }

    [Fact]
    public void Tcp_has_no_sni()
    {
        var spec = Valid(new() { Type = "TCP", IPAddress = Documentation, Port = 22 });
        Assert.False(spec.EnableSni);
    }

    [Fact]
    public void Sni_can_be_turned_off_for_https()
    {
        var spec = Valid(new() { Type = "HTTPS", FullyQualifiedDomainName = "www.name.test", EnableSNI = false });
        Assert.False(spec.EnableSni);
    }

    [Fact]
    public void Interval_threshold_and_path_default_as_in_route53()
    {
        var spec = Valid(new() { Type = "HTTP", IPAddress = Documentation });
        Assert.Equal(30, spec.RequestInterval);
        Assert.Equal(3, spec.FailureThreshold);
        Assert.Equal("/", spec.ResourcePath);
        Assert.False(spec.Inverted);
        Assert.False(spec.Disabled);
        Assert.Empty(spec.Regions);
        Assert.Equal("test", spec.Source);
    }

    [Theory]
    [InlineData("status", "/status")]
    [InlineData("/status", "/status")]
    [InlineData("health?deep=1&x=y", "/health?deep=1&x=y")]
    [InlineData("/", "/")]
    public void A_missing_leading_slash_is_added_to_the_resource_path(string given, string expected) =>
        Assert.Equal(expected, Valid(new() { Type = "HTTP", IPAddress = Documentation, ResourcePath = given }).ResourcePath);

    [Fact]
    public void An_ipv6_address_is_accepted()
    {
        var spec = Valid(new() { Type = "HTTP", IPAddress = "2001:db8::10" });
        Assert.Equal(IPAddress.Parse("2001:db8::10"), spec.IPAddress);
    }

    // --- Host header (6.1) ---

    [Theory]
    [InlineData("HTTP", 80, "192.0.2.10")]
    [InlineData("HTTP_STR_MATCH", 80, "192.0.2.10")]
    [InlineData("HTTPS", 443, "192.0.2.10")]
    [InlineData("HTTPS_STR_MATCH", 443, "192.0.2.10")]
    [InlineData("HTTP", 443, "192.0.2.10:443")]
    [InlineData("HTTPS", 80, "192.0.2.10:80")]
    [InlineData("HTTP", 8080, "192.0.2.10:8080")]
    [InlineData("HTTPS", 8443, "192.0.2.10:8443")]
    public void Host_header_omits_only_the_types_default_port(string type, int port, string expected)
    {
        var spec = Valid(new() { Type = type, IPAddress = Documentation, Port = port, SearchString = type.EndsWith("_STR_MATCH", StringComparison.Ordinal) ? "ok" : null });
        Assert.Equal(expected, spec.HostHeader(spec.IPAddress!));
    }

    [Theory]
    [InlineData("HTTP", 80, "[2001:db8::10]")]
    [InlineData("HTTPS", 443, "[2001:db8::10]")]
    [InlineData("HTTP", 8080, "[2001:db8::10]:8080")]
    [InlineData("HTTPS", 80, "[2001:db8::10]:80")]
    public void Host_header_brackets_an_ipv6_address(string type, int port, string expected)
    {
        var spec = Valid(new() { Type = type, IPAddress = "2001:db8::10", Port = port });
        Assert.Equal(expected, spec.HostHeader(spec.IPAddress!));
    }

    [Theory]
    [InlineData("HTTP", 80, "www.name.test", "www.name.test")]
    [InlineData("HTTPS", 443, "www.name.test.", "www.name.test")]
    [InlineData("HTTP", 8080, "www.name.test.", "www.name.test:8080")]
    [InlineData("HTTPS", 80, "www.name.test", "www.name.test:80")]
    public void Host_header_is_the_domain_name_when_there_is_one(string type, int port, string domain, string expected)
    {
        var spec = Valid(new() { Type = type, IPAddress = "2001:db8::10", FullyQualifiedDomainName = domain, Port = port });
        Assert.Equal(expected, spec.HostHeader(spec.IPAddress!));
    }

    // --- HealthCheckState: the flip rule (6.3, one checker) ---

    private static readonly ProbeResult Ok =
        new(ProbeOutcome.Success, "Success: HTTP Status Code 200, OK.", DateTimeOffset.UtcNow, IPAddress.Loopback, 200);
    private static readonly ProbeResult Down =
        ProbeResult.Fail(ProbeOutcome.BadStatus, "HTTP Status Code 503, Service Unavailable.", IPAddress.Loopback, 503);

    private static HealthCheckState State(int failureThreshold = 3, bool inverted = false, bool disabled = false) =>
        new(Valid(new() { Type = "HTTP", IPAddress = Documentation, FailureThreshold = failureThreshold, Inverted = inverted, Disabled = disabled }));

    /// <summary>Applies results with increasing sequence numbers from <paramref name="next"/>; returns how many flipped the state.</summary>
    private static int ApplyAll(HealthCheckState state, ref long next, params ProbeResult[] results)
    {
        int flips = 0;
        foreach (var result in results)
        {
            if (state.Apply(next++, result))
                flips++;
        }
        return flips;
    }

    [Fact]
    public void A_new_check_is_healthy_until_enough_data_exists()
    {
        var state = State();
        Assert.True(state.EndpointHealthy);
        Assert.True(state.Evaluate());
        Assert.Equal(0, state.Streak);
        Assert.Null(state.LastResult);
        Assert.Null(state.LastFailure);
        Assert.Equal(HealthSource.Probes, state.Source);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void Failure_threshold_failures_in_a_row_flip_it_and_as_many_successes_flip_it_back(int threshold)
    {
        var state = State(threshold);
        long seq = 0;

        // One short of the threshold changes nothing.
        Assert.Equal(0, ApplyAll(state, ref seq, Enumerable.Repeat(Down, threshold - 1).ToArray()));
        Assert.True(state.Evaluate());
        Assert.Equal(threshold - 1, state.Streak);

        // The threshold-th failure flips it, and Apply says so.
        Assert.True(state.Apply(seq++, Down));
        Assert.False(state.EndpointHealthy);
        Assert.False(state.Evaluate());
        Assert.Equal("status 503", state.LastFailure!.Reason);

        // Further failures keep it down without flipping again.
        Assert.Equal(0, ApplyAll(state, ref seq, Down, Down));
        Assert.False(state.Evaluate());

        // The way back needs as many successes.
        Assert.Equal(0, ApplyAll(state, ref seq, Enumerable.Repeat(Ok, threshold - 1).ToArray()));
        Assert.False(state.Evaluate());
        Assert.True(state.Apply(seq++, Ok));
        Assert.True(state.Evaluate());
        Assert.Same(Ok, state.LastResult);
        Assert.Same(Down, state.LastFailure); // the last failure is kept after recovery
    }

    [Fact]
    public void A_success_in_between_starts_the_failure_streak_over()
    {
        var state = State(3);
        long seq = 0;
        Assert.Equal(0, ApplyAll(state, ref seq, Down, Down, Ok, Down, Down));
        Assert.True(state.Evaluate());
        Assert.Equal(1, ApplyAll(state, ref seq, Down));
        Assert.False(state.Evaluate());
    }

    [Fact]
    public void A_failure_in_between_starts_the_success_streak_over()
    {
        var state = State(3);
        long seq = 0;
        Assert.Equal(1, ApplyAll(state, ref seq, Down, Down, Down));
        Assert.Equal(0, ApplyAll(state, ref seq, Ok, Ok, Down, Ok, Ok));
        Assert.False(state.Evaluate());
        Assert.Equal(1, ApplyAll(state, ref seq, Ok));
        Assert.True(state.Evaluate());
    }

    [Fact]
    public void A_result_older_than_or_as_old_as_one_applied_is_ignored()
    {
        var state = State(2);
        Assert.False(state.Apply(10, Down));
        Assert.Equal(1, state.Streak);

        // Same sequence again, and an older one: neither counts, so the streak stays at 1.
        Assert.False(state.Apply(10, Down));
        Assert.False(state.Apply(7, Down));
        Assert.Equal(1, state.Streak);
        Assert.True(state.Evaluate());

        // A stale success does not reset the streak or replace the last result either.
        Assert.False(state.Apply(9, Ok));
        Assert.Equal(1, state.Streak);
        Assert.Same(Down, state.LastResult);

        Assert.True(state.Apply(11, Down));
        Assert.False(state.Evaluate());
    }

    // --- HealthCheckState: what is reported ---

    [Fact]
    public void A_new_inverted_check_reports_unhealthy_and_failures_make_it_healthy()
    {
        var state = State(failureThreshold: 2, inverted: true);
        Assert.False(state.Evaluate());
        long seq = 0;
        ApplyAll(state, ref seq, Down, Down);
        Assert.True(state.Evaluate());
    }

    [Fact]
    public void A_disabled_check_reports_healthy_even_after_failures()
    {
        var state = State(failureThreshold: 1, disabled: true);
        long seq = 0;
        ApplyAll(state, ref seq, Down, Down, Down);
        Assert.False(state.EndpointHealthy);
        Assert.True(state.Evaluate());
        Assert.Equal(HealthSource.Disabled, state.Source);

        // Disabled wins over inverted: to force a resource out, Inverted is the tool, not Disabled.
        var both = State(failureThreshold: 1, inverted: true, disabled: true);
        Assert.True(both.Evaluate());
    }

    [Theory]
    [InlineData(0, 0, 2, true)]   // 0 is always healthy
    [InlineData(0, 0, 0, true)]
    [InlineData(1, 1, 2, true)]
    [InlineData(2, 2, 2, true)]
    [InlineData(2, 1, 2, false)]
    [InlineData(3, 2, 2, false)]  // above the number of children: never healthy
    [InlineData(3, 3, 2, false)]
    public void A_calculated_check_counts_healthy_children_against_the_threshold(int threshold, int healthy, int total, bool expected)
    {
        var children = Enumerable.Range(2, total).Select(i => $"hc-{i}").ToList();
        var spec = Valid(new() { Type = "CALCULATED", HealthThreshold = threshold, ChildHealthChecks = children });
        // A threshold above the child count can never be met, whatever the children report.
        var state = new HealthCheckState(spec) { Children = (Math.Min(healthy, total), total) };
        Assert.Equal(expected, state.Evaluate());
        Assert.Equal(HealthSource.Calculated, state.Source);
    }

    [Fact]
    public void An_inverted_calculated_check_swaps_the_result()
    {
        var spec = Valid(new() { Type = "CALCULATED", HealthThreshold = 2, ChildHealthChecks = ["hc-2", "hc-3"], Inverted = true });
        Assert.True(new HealthCheckState(spec) { Children = (1, 2) }.Evaluate());
        Assert.False(new HealthCheckState(spec) { Children = (2, 2) }.Evaluate());
    }

    // --- TargetPolicy (RFC 5735, 6598, 5156) ---

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.1.1")]
    [InlineData("172.16.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.1.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Local_private_shared_and_link_local_targets_are_not_public(string address) =>
        Assert.True(TargetPolicy.IsNonPublic(IPAddress.Parse(address)), $"{address} should be non-public");

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:1.1.1.1")]
    [InlineData("172.32.0.1")]   // just past 172.16.0.0/12
    [InlineData("100.128.0.1")]  // just past 100.64.0.0/10
    public void Public_targets_are_public(string address) =>
        Assert.False(TargetPolicy.IsNonPublic(IPAddress.Parse(address)), $"{address} should be public");

    // --- A bad check in a zone file ---

    private static ZoneLoadException LoadBadZone(TestZones zones, string fileName, string healthCheckConfig)
    {
        var file = zones.Write(fileName, $$"""
            {
              "HostedZone": { "Name": "probe.test." },
              "ResourceRecordSets": [],
              "HealthChecks": [ { "Id": "hc-x", "HealthCheckConfig": { {{healthCheckConfig}} } } ]
            }
            """);
        return Assert.Throws<ZoneLoadException>(() => HostedZoneLoader.Load(file, RoutingEnvironment.Default, new RoutingOptions()));
    }

    [Fact]
    public void A_bad_health_check_fails_the_zone_naming_the_file_and_the_check()
    {
        using var zones = new TestZones();
        var e = LoadBadZone(zones, "probe.test.json", "\"Type\": \"TCP\", \"IPAddress\": \"192.0.2.10\"");
        var problems = e.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(problems, p => p.Contains("probe.test.json", StringComparison.Ordinal)
            && p.Contains("health check hc-x", StringComparison.Ordinal)
            && p.Contains("Port is required for a TCP health check", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_a_bad_health_check_is_reported()
    {
        using var zones = new TestZones();
        var e = LoadBadZone(zones, "probe.test.json", "\"Type\": \"HTTP\", \"IPAddress\": \"192.0.2.10\", \"Port\": 0, \"FailureThreshold\": 11");
        var problems = e.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(problems, p => p.Contains("health check hc-x: Port 0 is out of range", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("health check hc-x: FailureThreshold 11 is out of range", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.Contains("probe.test.json", p));
    }

    [Fact]
    public void An_unknown_field_in_health_check_config_is_refused()
    {
        using var zones = new TestZones();
        var e = LoadBadZone(zones, "probe.test.json", "\"Type\": \"HTTP\", \"IPAddress\": \"192.0.2.10\", \"Intervall\": 10");
        var problem = Assert.Single(e.Problems).ToString();
        Assert.Contains("probe.test.json", problem);
        Assert.Contains("unknown field", problem);
        Assert.Contains("Intervall", problem);
    }

    [Fact]
    public void A_good_health_check_loads()
    {
        using var zones = new TestZones();
        var file = zones.Write("probe.test.json", """
            {
              "HostedZone": { "Name": "probe.test." },
              "ResourceRecordSets": [],
              "HealthChecks": [ { "Id": "hc-x", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "192.0.2.10", "Port": 22 } } ]
            }
            """);
        var zone = HostedZoneLoader.Load(file, RoutingEnvironment.Default, new RoutingOptions());
        var check = Assert.Single(zone.HostedZone!.HealthChecks);
        Assert.Equal(("hc-x", HealthCheckType.Tcp, 22), (check.Id, check.Type, check.Port));
        Assert.Contains("probe.test.json", check.Source);
    }
}
