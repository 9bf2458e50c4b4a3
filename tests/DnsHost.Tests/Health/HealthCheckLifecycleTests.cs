using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Health;

/// <summary>What happens to checks around the edges: refused targets and intervals, and zone reloads.</summary>
[Trait("Kind", "Integration")]
public sealed class HealthCheckLifecycleTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static string Zone(string checks, string checkId = "hc-a") => $$"""
        {
          "HostedZone": { "Name": "life.test." },
          "ResourceRecordSets": [
            { "Name": "app.life.test.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "{{checkId}}", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
            { "Name": "app.life.test.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
          ],
          "HealthChecks": [ {{checks}} ]
        }
        """;

    private static string Http(string id, int port, int interval = 10) =>
        $$"""{ "Id": "{{id}}", "HealthCheckConfig": { "Type": "HTTP", "IPAddress": "127.0.0.1", "Port": {{port}}, "RequestInterval": {{interval}}, "FailureThreshold": 1 } }""";

    private static async Task<string> Answer(RunningServer server) =>
        (await server.UdpAsync(TestQuery.Build("app.life.test", RecordType.A))).AnswerData("A").Single();

    [Fact]
    public async Task Loopback_targets_are_refused_unless_configured_and_the_check_says_why()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        _zones.Write("life.test.json", Zone(Http("hc-a", endpoint.Port)));
        await using var server = await RunningServer.StartAsync(_zones.Directory);
        var status = server.Services.GetRequiredService<HealthChecker>().Get("hc-a")!;
        Assert.Equal("Unhealthy", status.Status);
        Assert.Equal("not-run", status.DecidedBy);
        Assert.Contains("HealthChecks:AllowPrivateTargets", status.NotRunReason);
        Assert.Equal("192.0.2.2", await Answer(server));
        Assert.Equal(0, endpoint.Requests);
    }

    [Fact]
    public async Task Short_intervals_are_refused_unless_configured()
    {
        await using var endpoint = TestHttpEndpoint.Start();
        _zones.Write("life.test.json", Zone(Http("hc-a", endpoint.Port, interval: 1)));
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--HealthChecks:AllowPrivateTargets=true");
        var status = server.Services.GetRequiredService<HealthChecker>().Get("hc-a")!;
        Assert.Contains("HealthChecks:MinimumInterval", status.NotRunReason);
        Assert.Equal("Unhealthy", status.Status);
    }

    [Fact]
    public async Task A_reload_applies_changed_checks_and_a_removed_check_stops_counting()
    {
        await using var down = TestHttpEndpoint.Start();
        down.StatusCode = 503;
        await using var up = TestHttpEndpoint.Start();
        _zones.Write("life.test.json", Zone(Http("hc-a", down.Port, interval: 1)));
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1");
        var checker = server.Services.GetRequiredService<HealthChecker>();
        await HealthServerFixture.Eventually(async () => await Answer(server) == "192.0.2.2", "failover to the secondary");

        // The check now points at a healthy endpoint: changed settings start the check over (healthy until data).
        _zones.Write("life.test.json", Zone(Http("hc-a", up.Port, interval: 1)));
        server.Services.GetRequiredService<ZoneDirectoryService>().ReloadAll("test");
        await HealthServerFixture.Eventually(() => Task.FromResult(up.Requests > 0), "a probe of the new endpoint");
        await HealthServerFixture.Eventually(async () => await Answer(server) == "192.0.2.1", "the primary after the reload");
        Assert.Equal("Healthy", checker.Get("hc-a")!.Status);

        // The record set now names a check that no longer exists: it counts as healthy, and the old one stops.
        _zones.Write("life.test.json", Zone(Http("hc-b", down.Port, interval: 1), checkId: "hc-a-gone"));
        server.Services.GetRequiredService<ZoneDirectoryService>().ReloadAll("test");
        Assert.Null(checker.Get("hc-a"));
        Assert.Equal("192.0.2.1", await Answer(server));
        int requests = up.Requests;
        await Task.Delay(1500);
        Assert.Equal(requests, up.Requests);
    }
}
