using System.Net;
using DnsHost.Health;
using DnsHost.Zones;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Health;

/// <summary>Health check settings by Route 53's rules, the flip rule, and the refused targets.</summary>
public sealed class HealthCheckSpecTests
{
    private static (HealthCheckSpec? Spec, List<string> Errors) Compile(HealthCheckConfigJson config, string id = "hc")
    {
        var errors = new List<string>();
        return (HealthCheckSpec.Compile(id, config, "test", errors), errors);
    }

    public static TheoryData<string, HealthCheckConfigJson> BadConfigs => new()
    {
        { "Type is required", new() { IPAddress = "192.0.2.1" } },
        { "Type 'PING' is not one of", new() { Type = "PING", IPAddress = "192.0.2.1" } },
        { "Port is required for a TCP", new() { Type = "TCP", IPAddress = "192.0.2.1" } },
        { "Port 0 is out of range", new() { Type = "HTTP", IPAddress = "192.0.2.1", Port = 0 } },
        { "Port 70000 is out of range", new() { Type = "HTTP", IPAddress = "192.0.2.1", Port = 70000 } },
        { "SearchString is required", new() { Type = "HTTP_STR_MATCH", IPAddress = "192.0.2.1" } },
        { "SearchString is allowed only", new() { Type = "HTTP", IPAddress = "192.0.2.1", SearchString = "x" } },
        { "RequestInterval 15 must be 10 or 30", new() { Type = "HTTP", IPAddress = "192.0.2.1", RequestInterval = 15 } },
        { "RequestInterval 0 must be 10 or 30", new() { Type = "HTTP", IPAddress = "192.0.2.1", RequestInterval = 0 } },
        { "FailureThreshold 0 is out of range", new() { Type = "HTTP", IPAddress = "192.0.2.1", FailureThreshold = 0 } },
        { "FailureThreshold 11 is out of range", new() { Type = "HTTP", IPAddress = "192.0.2.1", FailureThreshold = 11 } },
        { "HealthThreshold is allowed only for CALCULATED", new() { Type = "HTTP", IPAddress = "192.0.2.1", HealthThreshold = 1 } },
        { "ChildHealthChecks is allowed only for CALCULATED", new() { Type = "HTTP", IPAddress = "192.0.2.1", ChildHealthChecks = ["a"] } },
        { "cannot be its own child", new() { Type = "CALCULATED", HealthThreshold = 1, ChildHealthChecks = ["hc"] } },
        { "EnableSNI is allowed only", new() { Type = "HTTP", IPAddress = "192.0.2.1", EnableSNI = true } },
        { "Regions must list at least 3", new() { Type = "HTTP", IPAddress = "192.0.2.1", Regions = ["us-east-1", "eu-west-1"] } },
        { "IPAddress is not allowed for a CALCULATED", new() { Type = "CALCULATED", IPAddress = "192.0.2.1" } },
        { "needs IPAddress or FullyQualifiedDomainName", new() { Type = "HTTP" } },
        { "is not a valid IPv4 or IPv6 address", new() { Type = "HTTP", IPAddress = "192.0.2" } },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_settings_are_refused_with_the_reason(string expected, HealthCheckConfigJson config)
    {
        var (spec, errors) = Compile(config);
        Assert.Null(spec);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_follow_route53()
    {
        var http = Compile(new() { Type = "HTTP", IPAddress = "192.0.2.1", ResourcePath = "status" }).Spec!;
        Assert.Equal((80, 30, 3, "/status", false), (http.Port, http.RequestInterval, http.FailureThreshold, http.ResourcePath, http.EnableSni));
        var https = Compile(new() { Type = "HTTPS", FullyQualifiedDomainName = "web.example.test" }).Spec!;
        Assert.Equal((443, "/", true), (https.Port, https.ResourcePath, https.EnableSni));
        foreach (int interval in new[] { 1, 10, 30 })
            Assert.NotNull(Compile(new() { Type = "TCP", IPAddress = "192.0.2.1", Port = 22, RequestInterval = interval }).Spec);
    }

    [Fact]
    public void Host_header_drops_the_default_port_and_brackets_ipv6()
    {
        var http = Compile(new() { Type = "HTTP", IPAddress = "192.0.2.1" }).Spec!;
        Assert.Equal("192.0.2.1", http.HostHeader(http.IPAddress!));
        Assert.Equal("192.0.2.1:8080", (http with { Port = 8080 }).HostHeader(http.IPAddress!));
        var https = Compile(new() { Type = "HTTPS", IPAddress = "2001:db8::1", FullyQualifiedDomainName = "web.example.test." }).Spec!;
        Assert.Equal("web.example.test", https.HostHeader(https.IPAddress!));
        Assert.Equal("web.example.test:80", (https with { Port = 80 }).HostHeader(https.IPAddress!));
        var v6 = Compile(new() { Type = "HTTP", IPAddress = "2001:db8::1", Port = 81 }).Spec!;
        Assert.Equal("[2001:db8::1]:81", v6.HostHeader(v6.IPAddress!));
    }

    private static ProbeResult Ok => new(ProbeOutcome.Success, "Success: HTTP Status Code 200, OK.", DateTimeOffset.UtcNow, IPAddress.Loopback, 200);
    private static ProbeResult Bad => ProbeResult.Fail(ProbeOutcome.BadStatus, "HTTP Status Code 503, Service Unavailable.", IPAddress.Loopback, 503);

    [Fact]
    public void A_check_flips_after_failure_threshold_results_in_a_row_both_ways()
    {
        var state = new HealthCheckState(Compile(new() { Type = "HTTP", IPAddress = "192.0.2.1", FailureThreshold = 3 }).Spec!);
        Assert.True(state.Evaluate());
        long seq = 0;
        Assert.False(state.Apply(seq++, Bad));
        Assert.False(state.Apply(seq++, Bad));
        Assert.False(state.Apply(seq++, Ok)); // the streak starts over
        Assert.False(state.Apply(seq++, Bad));
        Assert.False(state.Apply(seq++, Bad));
        Assert.True(state.Apply(seq++, Bad));
        Assert.False(state.Evaluate());
        Assert.False(state.Apply(seq++, Ok));
        Assert.False(state.Apply(seq++, Ok));
        // A result older than one already applied is dropped.
        Assert.False(state.Apply(1, Ok));
        Assert.True(state.Apply(seq++, Ok));
        Assert.True(state.Evaluate());
        Assert.Equal("status 503", state.LastFailure!.Reason);
    }

    [Fact]
    public void Inverted_disabled_and_calculated_report_by_their_rules()
    {
        var inverted = new HealthCheckState(Compile(new() { Type = "HTTP", IPAddress = "192.0.2.1", Inverted = true, FailureThreshold = 1 }).Spec!);
        Assert.False(inverted.Evaluate()); // a new inverted check is unhealthy until data says otherwise
        inverted.Apply(0, Bad);
        Assert.True(inverted.Evaluate());

        var disabled = new HealthCheckState(Compile(new() { Type = "HTTP", IPAddress = "192.0.2.1", Disabled = true, FailureThreshold = 1 }).Spec!);
        disabled.Apply(0, Bad);
        Assert.True(disabled.Evaluate());

        HealthCheckState Calculated(int threshold, int healthy) =>
            new(Compile(new() { Type = "CALCULATED", HealthThreshold = threshold, ChildHealthChecks = ["a", "b"] }).Spec!) { Children = (healthy, 2) };
        Assert.True(Calculated(0, 0).Evaluate());
        Assert.True(Calculated(1, 1).Evaluate());
        Assert.False(Calculated(2, 1).Evaluate());
        Assert.False(Calculated(3, 2).Evaluate());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("169.254.1.1", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fc00::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("1.1.1.1", false)]
    [InlineData("2606:4700::1111", false)]
    public void Route53_refuses_local_private_and_reserved_targets(string address, bool refused) =>
        Assert.Equal(refused, TargetPolicy.IsNonPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("\"Type\": \"TCP\", \"IPAddress\": \"192.0.2.1\"", "health check hc-x: Port is required for a TCP health check")]
    [InlineData("\"Type\": \"HTTP\", \"IPAddress\": \"192.0.2.1\", \"Intervall\": 10", "unknown field")]
    public void A_bad_check_in_a_zone_file_names_the_file_and_the_check(string config, string expected)
    {
        using var zones = new TestZones();
        var file = zones.Write("bad.test.json", $$"""
            { "HostedZone": { "Name": "bad.test." }, "ResourceRecordSets": [],
              "HealthChecks": [ { "Id": "hc-x", "HealthCheckConfig": { {{config}} } } ] }
            """);
        var e = Assert.Throws<ZoneLoadException>(() => HostedZoneLoader.Load(file, RoutingEnvironment.Default, new RoutingOptions()));
        var text = string.Join("\n", e.Problems.Select(p => p.ToString()));
        Assert.Contains("bad.test.json", text);
        Assert.Contains(expected, text);
    }
}
