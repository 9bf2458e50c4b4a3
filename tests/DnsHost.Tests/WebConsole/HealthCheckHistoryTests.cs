using System.Net;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.WebConsole;

/// <summary>The health-check page's history: probes with their latency, status changes with reasons, the last failures.</summary>
[Trait("Kind", "Unit")]
public sealed class HealthCheckHistoryTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static ProbeResult Ok(DateTimeOffset at) => new(ProbeOutcome.Success, "Success: HTTP Status Code 200, OK", at, null, 200);

    private static ProbeResult Refused(DateTimeOffset at) => new(ProbeOutcome.ConnectionRefused, "Failure: Connection refused.", at, null);

    [Fact]
    public void Probes_are_kept_oldest_first_up_to_the_capacity_with_their_latency()
    {
        var history = new HealthCheckHistory(probeCapacity: 100, failureCapacity: 3);
        for (int i = 0; i < 250; i++)
        {
            var at = Noon.AddSeconds(10 * i);
            history.AddProbe(at, i % 50 == 0 ? Refused(at) : Ok(at), TimeSpan.FromMilliseconds(i));
        }
        var snapshot = history.Snapshot("hc", Noon.AddHours(1), healthy: true);
        Assert.Equal(100, snapshot.Probes.Count);
        Assert.Equal(Noon.AddSeconds(1500), snapshot.Probes[0].At);
        Assert.Equal(TimeSpan.FromMilliseconds(150), snapshot.Probes[0].Latency);
        Assert.Equal(Noon.AddSeconds(2490), snapshot.Probes[^1].At);
        Assert.False(snapshot.Probes[50].Success);
        // The failures are the last three, with Route 53's status text.
        Assert.Equal([Noon.AddSeconds(1000), Noon.AddSeconds(1500), Noon.AddSeconds(2000)], snapshot.Failures.Select(f => f.At));
        Assert.All(snapshot.Failures, f => Assert.Equal("Failure: Connection refused.", f.Status));
        Assert.Equal(50, history.Snapshot("hc", Noon.AddHours(1), true, since: Noon.AddSeconds(2000)).Probes.Count);
    }

    [Fact]
    public void A_check_state_keeps_its_probes_and_its_last_failure_in_the_history()
    {
        var spec = new HealthCheckSpec { Id = "hc", Type = HealthCheckType.Tcp, IPAddress = IPAddress.Parse("192.0.2.1"), Port = 80, FailureThreshold = 1 };
        var state = new HealthCheckState(spec);
        state.Apply(0, Ok(Noon), Noon, TimeSpan.FromMilliseconds(3));
        state.Apply(1, Refused(Noon.AddSeconds(10)), Noon.AddSeconds(10), TimeSpan.FromMilliseconds(1));
        state.Apply(2, Ok(Noon.AddSeconds(20)), Noon.AddSeconds(20), TimeSpan.FromMilliseconds(4));
        Assert.Equal("Failure: Connection refused.", state.LastFailure!.Status);
        var probes = state.History.Snapshot("hc", Noon.AddSeconds(30), true).Probes;
        Assert.Equal([true, false, true], probes.Select(p => p.Success));
        Assert.Equal([3.0, 1.0, 4.0], probes.Select(p => p.Latency.TotalMilliseconds));
    }

    [Fact]
    public void The_checker_records_status_changes_with_their_reasons_on_its_clock()
    {
        var time = new FakeTimeProvider(Noon);
        using var zones = new TestZones();
        var file = zones.Write("hist.test.json", """
            {
              "HostedZone": { "Name": "hist.test." },
              "ResourceRecordSets": [
                { "Name": "app.hist.test.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "hc", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "app.hist.test.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "192.0.2.99", "Port": 80, "RequestInterval": 30, "FailureThreshold": 3 } }
              ]
            }
            """);
        var health = new HealthStates();
        var registry = new ZoneRegistry();
        // Never started: no probes run; overrides move the check.
        using var checker = new HealthChecker(health, Options.Create(new HealthCheckOptions { AllowPrivateTargets = true }), new NoResolver(), NullLogger<HealthChecker>.Instance, registry, time);
        registry.Replace(ZoneCatalog.Create([HostedZoneLoader.Load(file, RoutingEnvironment.Create(new RoutingOptions(), [], new Dictionary<string, List<string>>(), health), new RoutingOptions())]));

        time.Advance(TimeSpan.FromMinutes(5));
        checker.SetOverride("hc", false, TimeSpan.FromMinutes(2));
        time.Advance(TimeSpan.FromMinutes(2));

        var history = checker.HistorySnapshot("hc")!;
        Assert.True(history.Healthy);
        Assert.Equal(time.GetUtcNow(), history.Now);
        Assert.Equal([(Noon, true, "check loaded"), (Noon.AddMinutes(5), false, "override"), (Noon.AddMinutes(7), true, "override expired")],
            history.Changes.Select(c => (c.At, c.Healthy, c.Reason)));
        Assert.Empty(history.Probes);
        Assert.Null(checker.HistorySnapshot("no-such-check"));
    }

    private sealed class NoResolver : IHealthCheckResolver
    {
        public Task<IPAddress?> ResolveAsync(string name, CancellationToken cancel) => Task.FromResult<IPAddress?>(null);
    }
}
