using System.Diagnostics;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DnsHost.Tests.Health;

/// <summary>Health-checked record sets keep the query path at zero allocations while checks flip.</summary>
[Trait("Kind", "Integration")]
public sealed class HealthAllocationTests
{
    private sealed class NoResolver : IHealthCheckResolver
    {
        public Task<System.Net.IPAddress?> ResolveAsync(string name, CancellationToken cancel) => Task.FromResult<System.Net.IPAddress?>(null);
    }

    [Fact]
    public async Task Queries_allocate_nothing_while_the_checker_flips_their_checks()
    {
        await using var backend = TestHttpEndpoint.Start();
        using var zones = new TestZones();
        var file = zones.Write("alloc.test.json", $$"""
            {
              "HostedZone": { "Name": "alloc.test." },
              "ResourceRecordSets": [
                { "Name": "f.alloc.test.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "hc", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "f.alloc.test.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] },
                { "Name": "w.alloc.test.", "Type": "A", "SetIdentifier": "a", "Weight": 1, "TTL": 5, "HealthCheckId": "hc", "ResourceRecords": [ { "Value": "192.0.2.3" } ] },
                { "Name": "w.alloc.test.", "Type": "A", "SetIdentifier": "b", "Weight": 1, "TTL": 5, "HealthCheckId": "hc-calc", "ResourceRecords": [ { "Value": "192.0.2.4" } ] },
                { "Name": "m.alloc.test.", "Type": "A", "SetIdentifier": "a", "MultiValueAnswer": true, "TTL": 5, "HealthCheckId": "hc", "ResourceRecords": [ { "Value": "192.0.2.5" } ] },
                { "Name": "m.alloc.test.", "Type": "A", "SetIdentifier": "b", "MultiValueAnswer": true, "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.6" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc", "HealthCheckConfig": { "Type": "HTTP", "IPAddress": "127.0.0.1", "Port": {{backend.Port}}, "RequestInterval": 1, "FailureThreshold": 1 } },
                { "Id": "hc-calc", "HealthCheckConfig": { "Type": "CALCULATED", "HealthThreshold": 1, "ChildHealthChecks": [ "hc" ] } }
              ]
            }
            """);
        var health = new HealthStates();
        var routing = RoutingEnvironment.Create(new RoutingOptions(), [], new Dictionary<string, List<string>>(), health);
        var registry = new ZoneRegistry();
        using var checker = new HealthChecker(health, Options.Create(new HealthCheckOptions { AllowPrivateTargets = true, MinimumInterval = 1 }),
            new NoResolver(), NullLogger<HealthChecker>.Instance, registry);
        registry.Replace(ZoneCatalog.Create([HostedZoneLoader.Load(file, routing, new RoutingOptions())]));
        await checker.StartAsync(CancellationToken.None);
        var processor = new QueryProcessor(registry, new DnsServerOptions(), routing);

        // The backend flips between healthy and failing, each time the check has followed it, while the queries run.
        using var stop = new CancellationTokenSource();
        var flipper = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                bool healthy = checker.Get("hc")!.Healthy;
                backend.StatusCode = healthy ? 503 : 200;
                while (checker.Get("hc")!.Healthy == healthy && !stop.IsCancellationRequested)
                    await Task.Delay(20);
            }
        });
        byte[][] queries = [TestQuery.Build("f.alloc.test", RecordType.A), TestQuery.Build("w.alloc.test", RecordType.A), TestQuery.Build("m.alloc.test", RecordType.A)];
        var response = new byte[65535];
        var source = IpPrefix.Parse("127.0.0.1");
        var seen = new HashSet<string>();
        foreach (var q in queries)
        {
            for (int i = 0; i < 200; i++)
                processor.Process(q, response, overTcp: false, transferAllowed: false, source, out _, out _);
        }
        long queriesRun = 0, allocated = 0;
        var clock = Stopwatch.StartNew();
        while (checker.Get("hc")!.Transitions < 4 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3000; i++)
                processor.Process(queries[i % 3], response, overTcp: false, transferAllowed: false, source, out _, out _);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            queriesRun += 3000;
            processor.Process(queries[0], response, overTcp: false, transferAllowed: false, source, out _, out _);
            seen.Add(TestResponse.Parse(response).AnswerData("A").Single());
        }
        stop.Cancel();
        await flipper;
        await checker.StopAsync(CancellationToken.None);

        // Per query nothing: under one byte a query on average, where a single allocation per query would be 24 B or
        // more. In the full suite a few one-off allocations (5-35 KB in all, once, during the first flips) appear on
        // this thread and not when the test runs alone; that is left to find (issue 19's note), not hidden as zero.
        Assert.True(allocated < queriesRun, $"{allocated} bytes allocated over {queriesRun} queries");
        // The checks really flipped during the measurement, and the answers followed.
        Assert.True(checker.Get("hc")!.Transitions >= 2, $"transitions: {checker.Get("hc")!.Transitions}");
        Assert.Equal(["192.0.2.1", "192.0.2.2"], seen.Order());
        Assert.True(queriesRun > 0);
    }
}
