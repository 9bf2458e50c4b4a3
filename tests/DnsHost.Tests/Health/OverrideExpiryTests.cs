using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsHost.Drill;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Health;

/// <summary>
/// Overrides that lapse by themselves (a TTL, on the server's clock), and a drill stopped by a signal
/// that takes its override away before it exits.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class OverrideExpiryTests
{
    private sealed class NoResolver : IHealthCheckResolver
    {
        public Task<IPAddress?> ResolveAsync(string name, CancellationToken cancel) => Task.FromResult<IPAddress?>(null);
    }

    private static (HealthChecker Checker, HealthStates Health, TestZones Zones) Checker(FakeTimeProvider time)
    {
        var zones = new TestZones();
        var file = zones.Write("ttl.test.json", """
            {
              "HostedZone": { "Name": "ttl.test." },
              "ResourceRecordSets": [
                { "Name": "app.ttl.test.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "hc", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "app.ttl.test.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "192.0.2.99", "Port": 80, "RequestInterval": 30, "FailureThreshold": 3 } }
              ]
            }
            """);
        var health = new HealthStates();
        var registry = new ZoneRegistry();
        // Never started: no probes run, so only the override moves the check.
        var checker = new HealthChecker(health, Options.Create(new HealthCheckOptions { AllowPrivateTargets = true }), new NoResolver(), NullLogger<HealthChecker>.Instance, registry, time);
        registry.Replace(ZoneCatalog.Create([HostedZoneLoader.Load(file, RoutingEnvironment.Create(new RoutingOptions(), [], new Dictionary<string, List<string>>(), health), new RoutingOptions())]));
        return (checker, health, zones);
    }

    [Fact]
    public void An_override_with_a_ttl_holds_until_the_ttl_passes_then_the_check_reports_from_probes_again()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var (checker, health, zones) = Checker(time);
        using var _ = checker;
        using var __ = zones;
        Assert.True(health.IsHealthy("hc"));

        Assert.True(checker.SetOverride("hc", false, TimeSpan.FromSeconds(30)));
        Assert.False(health.IsHealthy("hc"));
        Assert.Equal("Unhealthy", checker.Get("hc")!.Override);
        Assert.Equal(time.GetUtcNow().AddSeconds(30), checker.Get("hc")!.OverrideExpires);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(health.IsHealthy("hc"));
        Assert.Equal("override", checker.Get("hc")!.DecidedBy);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(health.IsHealthy("hc"));
        var status = checker.Get("hc")!;
        Assert.Null(status.Override);
        Assert.Null(status.OverrideExpires);
        Assert.Equal("probes", status.DecidedBy);
    }

    [Fact]
    public void A_newer_override_replaces_the_old_ones_expiry_and_one_without_ttl_stays()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var (checker, health, zones) = Checker(time);
        using var _ = checker;
        using var __ = zones;

        checker.SetOverride("hc", false, TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));
        // Set again with a longer TTL: the first expiry must not clear the second override.
        checker.SetOverride("hc", false, TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(health.IsHealthy("hc"));
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(health.IsHealthy("hc"));

        // Without a TTL an override is the operator's and stays until cleared.
        checker.SetOverride("hc", false);
        time.Advance(TimeSpan.FromDays(30));
        Assert.False(health.IsHealthy("hc"));
        Assert.Null(checker.Get("hc")!.OverrideExpires);
    }

    [Fact]
    public async Task The_override_endpoint_takes_a_ttl_and_refuses_a_bad_one()
    {
        using var zones = new TestZones();
        zones.Write("api.test.json", """
            { "HostedZone": { "Name": "api.test." }, "ResourceRecordSets": [],
              "HealthChecks": [ { "Id": "hc-api", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "192.0.2.99", "Port": 80, "RequestInterval": 30, "FailureThreshold": 3 } } ] }
            """);
        await using var server = await RunningServer.StartAsync(zones.Directory);
        using var http = new HttpClient { BaseAddress = server.ApiBase };
        using var response = await http.PutAsync("dnshost/health-checks/hc-api/override", new StringContent("""{ "Status": "Unhealthy", "TtlSeconds": 600 }"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var operations = new OperationsClient(server.ApiBase);
        var status = await operations.GetAsync("hc-api");
        Assert.Equal("Unhealthy", status.Override);
        Assert.InRange(status.OverrideExpires!.Value, DateTimeOffset.UtcNow.AddSeconds(500), DateTimeOffset.UtcNow.AddSeconds(601));

        using var bad = await http.PutAsync("dnshost/health-checks/hc-api/override?status=Unhealthy&ttl=-5", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("TtlSeconds -5 must be above 0", await bad.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_drill_by_override_stopped_by_a_signal_clears_its_override_before_it_exits(string signal)
    {
        using var zones = new TestZones();
        int backendPort = FreeTcpPort();
        zones.Write("drill.test.json", $$"""
            {
              "HostedZone": { "Name": "drill.test." },
              "ResourceRecordSets": [
                { "Name": "app.drill.test.", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY", "TTL": 1, "HealthCheckId": "hc-app", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "app.drill.test.", "Type": "A", "SetIdentifier": "secondary", "Failover": "SECONDARY", "TTL": 1, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc-app", "HealthCheckConfig": { "Type": "HTTP", "IPAddress": "127.0.0.1", "Port": {{backendPort}}, "RequestInterval": 1, "FailureThreshold": 2 } }
              ]
            }
            """);
        await using var server = await RunningServer.StartAsync(zones.Directory, "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1");
        using var backend = new DrillEndpoint(new IPEndPoint(IPAddress.Loopback, backendPort), http: true, tls: false, null);
        backend.Start();
        using var operations = new OperationsClient(server.ApiBase);

        // A long settle keeps the drill in its first failure, with the override in place, until the signal.
        // Started as a script's background job is: SIGINT and SIGTERM inherited as ignored. The drill must
        // hear them all the same (sh's trap sets the ignore; exec keeps it and the process id).
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "trap '' INT TERM; exec \"$@\"", "sh", "dotnet", Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "drill", "app.drill.test", "A", "--check", "hc-app", "--mode", "override",
                     "--flips", "1", "--settle", "120", "--timeout", "120", "--server", $"127.0.0.1:{server.Port}", "--api", server.ApiBase.ToString() })
            info.ArgumentList.Add(arg);
        using var drill = Process.Start(info)!;
        var stdout = drill.StandardOutput.ReadToEndAsync();
        var stderr = drill.StandardError.ReadToEndAsync();
        try
        {
            // A bound on a hung drill only, not a time window the test asserts.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            HealthCheckStatus status;
            while ((status = await operations.GetAsync("hc-app", CancellationToken.None)).Override is null)
            {
                if (drill.HasExited)
                    Assert.Fail($"the drill exited early: {await stdout}{await stderr}");
                if (wait.IsCancellationRequested)
                {
                    drill.Kill();
                    Assert.Fail($"the drill set no override; it said: {await stdout}{await stderr}; the check: {status.Status} by {status.DecidedBy}, {status.LastReason}");
                }
                await Task.Delay(50, CancellationToken.None);
            }
            Assert.Equal("Unhealthy", status.Override);
            // The drill's override carries an expiry, so even SIGKILL could not leave it for good.
            Assert.NotNull(status.OverrideExpires);

            Process.Start("/bin/sh", ["-c", $"kill -{signal} {drill.Id}"])!.WaitForExit();
            await drill.WaitForExitAsync(wait.Token);
        }
        finally
        {
            if (!drill.HasExited)
                drill.Kill();
        }
        var after = await operations.GetAsync("hc-app");
        Assert.True(after.Override is null, $"override left in place; drill said: {await stdout}{await stderr}");
        Assert.True(after.Healthy);
        Assert.Contains($"SIG{signal}", await stderr);
        var answer = await server.UdpAsync(TestQuery.Build("app.drill.test", RecordType.A));
        Assert.Equal(["192.0.2.1"], answer.AnswerData("A"));
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
