using System.Diagnostics;
using System.Net.Http.Json;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Health;

/// <summary>
/// A real DnsHost on loopback whose zone hc.test uses health checks against real endpoints the fixture
/// runs on loopback; every check probes each second with threshold 1 (harness settings), so a test
/// breaks an endpoint and sees DNS move within a couple of seconds.
/// </summary>
public sealed class HealthServerFixture : IAsyncLifetime
{
    private readonly TestZones _zones = new();

    public RunningServer Server { get; private set; } = null!;
    public HealthChecker Checker => Server.Services.GetRequiredService<HealthChecker>();
    public HttpClient Http { get; private set; } = null!;

    public TestHttpEndpoint Primary { get; private set; } = null!;
    public TestHttpEndpoint Secondary { get; private set; } = null!;
    public TestHttpEndpoint Weighted { get; private set; } = null!;
    public TestHttpEndpoint Multi1 { get; private set; } = null!;
    public TestTcpEndpoint Multi2 { get; private set; } = null!;
    public TestHttpEndpoint Latency { get; private set; } = null!;
    public TestHttpEndpoint Child1 { get; private set; } = null!;
    public TestHttpEndpoint Child2 { get; private set; } = null!;
    public TestHttpEndpoint Inverted { get; private set; } = null!;
    public TestTcpEndpoint DisabledTarget { get; private set; } = null!;
    public TestHttpEndpoint ByName { get; private set; } = null!;
    public TestHttpEndpoint Override { get; private set; } = null!;
    public TestHttpEndpoint Tls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Primary = TestHttpEndpoint.Start();
        Secondary = TestHttpEndpoint.Start();
        Weighted = TestHttpEndpoint.Start();
        Multi1 = TestHttpEndpoint.Start();
        Multi2 = TestTcpEndpoint.Start();
        Latency = TestHttpEndpoint.Start();
        Child1 = TestHttpEndpoint.Start();
        Child2 = TestHttpEndpoint.Start();
        Inverted = TestHttpEndpoint.Start();
        DisabledTarget = TestTcpEndpoint.Start();
        DisabledTarget.Stop();
        ByName = TestHttpEndpoint.Start();
        Override = TestHttpEndpoint.Start();
        Tls = TestHttpEndpoint.Start(https: true);
        Tls.Body = "<html>status: all systems go</html>";
        _zones.Write("hc.test.json", ZoneJson());
        Server = await RunningServer.StartAsync(_zones.Directory,
            "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1",
            // The test client (127.0.0.1) sits in New York: the nearest Region is us-east-1, then eu-west-1.
            "--ClientLocations:0:Cidr=127.0.0.0/8", "--ClientLocations:0:Country=US", "--ClientLocations:0:Latitude=40.71", "--ClientLocations:0:Longitude=-74.0");
        Http = new HttpClient { BaseAddress = Server.ApiBase };
        // Every probed check has seen its endpoint at least once.
        await Eventually(() => Task.FromResult(Checker.List().Where(c => c.DecidedBy == "probes").All(c => c.Observations.Count > 0)), "first probes");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        foreach (var endpoint in new IAsyncDisposable[] { Primary, Secondary, Weighted, Multi1, Multi2, Latency, Child1, Child2, Inverted, DisabledTarget, ByName, Override, Tls })
            await endpoint.DisposeAsync();
        _zones.Dispose();
    }

    private static string Check(string id, string type, int port, string extra = "") =>
        $$"""{ "Id": "{{id}}", "CallerReference": "{{id}}", "HealthCheckConfig": { "Type": "{{type}}", "IPAddress": "127.0.0.1", "Port": {{port}}, "RequestInterval": 1, "FailureThreshold": 1{{extra}} } }""";

    private static string Set(string name, string id, string policy, string value, string? check = null) =>
        $$"""{ "Name": "{{name}}.hc.test.", "Type": "A", "SetIdentifier": "{{id}}", {{policy}}, "TTL": 5, {{(check is null ? "" : $"\"HealthCheckId\": \"{check}\", ")}}"ResourceRecords": [ { "Value": "{{value}}" } ] }""";

    private string ZoneJson() => $$"""
        {
          "HostedZone": { "Name": "hc.test." },
          "ResourceRecordSets": [
            { "Name": "backend.hc.test.", "Type": "A", "TTL": 5, "ResourceRecords": [ { "Value": "127.0.0.1" } ] },
            {{Set("app", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.1", "hc-primary")}},
            {{Set("app", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.2", "hc-secondary")}},
            {{Set("weighted", "checked", "\"Weight\": 1", "192.0.2.11", "hc-weighted")}},
            {{Set("weighted", "plain", "\"Weight\": 1", "192.0.2.12")}},
            {{Set("multi", "m1", "\"MultiValueAnswer\": true", "192.0.2.21", "hc-multi1")}},
            {{Set("multi", "m2", "\"MultiValueAnswer\": true", "192.0.2.22", "hc-multi2")}},
            {{Set("multi", "m3", "\"MultiValueAnswer\": true", "192.0.2.23")}},
            {{Set("latency", "use1", "\"Region\": \"us-east-1\"", "192.0.2.31", "hc-latency")}},
            {{Set("latency", "euw1", "\"Region\": \"eu-west-1\"", "192.0.2.32")}},
            {{Set("calc", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.41", "hc-calc-all")}},
            {{Set("calc", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.42")}},
            {{Set("calc1", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.43", "hc-calc-one")}},
            {{Set("calc1", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.44")}},
            {{Set("inverted", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.51", "hc-inverted")}},
            {{Set("inverted", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.52")}},
            {{Set("disabled", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.61", "hc-disabled")}},
            {{Set("disabled", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.62")}},
            {{Set("byname", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.71", "hc-byname")}},
            {{Set("byname", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.72")}},
            {{Set("override", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.81", "hc-override")}},
            {{Set("override", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.82")}},
            {{Set("tls", "primary", "\"Failover\": \"PRIMARY\"", "192.0.2.91", "hc-tls")}},
            {{Set("tls", "secondary", "\"Failover\": \"SECONDARY\"", "192.0.2.92")}}
          ],
          "HealthChecks": [
            {{Check("hc-primary", "HTTP", Primary.Port, ", \"ResourcePath\": \"/health\"")}},
            {{Check("hc-secondary", "HTTP", Secondary.Port)}},
            {{Check("hc-weighted", "HTTP", Weighted.Port)}},
            {{Check("hc-multi1", "HTTP", Multi1.Port)}},
            {{Check("hc-multi2", "TCP", Multi2.Port)}},
            {{Check("hc-latency", "HTTP", Latency.Port)}},
            {{Check("hc-child1", "HTTP", Child1.Port)}},
            {{Check("hc-child2", "HTTP", Child2.Port)}},
            { "Id": "hc-calc-all", "HealthCheckConfig": { "Type": "CALCULATED", "HealthThreshold": 2, "ChildHealthChecks": [ "hc-child1", "hc-child2" ] } },
            { "Id": "hc-calc-one", "HealthCheckConfig": { "Type": "CALCULATED", "HealthThreshold": 1, "ChildHealthChecks": [ "hc-child1", "hc-child2" ] } },
            {{Check("hc-inverted", "HTTP", Inverted.Port, ", \"Inverted\": true")}},
            {{Check("hc-disabled", "TCP", DisabledTarget.Port, ", \"Disabled\": true")}},
            { "Id": "hc-byname", "HealthCheckConfig": { "Type": "HTTP", "FullyQualifiedDomainName": "backend.hc.test", "Port": {{ByName.Port}}, "RequestInterval": 1, "FailureThreshold": 1 } },
            {{Check("hc-override", "HTTP", Override.Port)}},
            {{Check("hc-tls", "HTTPS_STR_MATCH", Tls.Port, ", \"SearchString\": \"all systems go\"")}}
          ]
        }
        """;

    public async Task<string[]> Addresses(string name)
    {
        var response = await Server.UdpAsync(TestQuery.Build(name + ".hc.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        return response.AnswerData("A").Order().ToArray();
    }

    /// <summary>Waits until the name answers exactly these addresses; returns how long it took.</summary>
    public async Task<TimeSpan> AnswersBecome(string name, params string[] expected)
    {
        var clock = Stopwatch.StartNew();
        string[] last = [];
        await Eventually(async () => (last = await Addresses(name)).SequenceEqual(expected.Order()), () => $"{name}.hc.test to answer {string.Join(",", expected)}; it answers {string.Join(",", last)}");
        return clock.Elapsed;
    }

    public HealthCheckStatus Status(string id) => Checker.Get(id) ?? throw new InvalidOperationException($"no check {id}");

    public static Task Eventually(Func<Task<bool>> condition, string what) => Eventually(condition, () => what);

    public static async Task Eventually(Func<Task<bool>> condition, Func<string> what, double seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
                Assert.Fail($"waited {seconds} s for {what()}");
            await Task.Delay(50);
        }
    }

    public Task<HttpResponseMessage> PutOverride(string id, string status) =>
        Http.PutAsJsonAsync($"dnshost/health-checks/{id}/override", new { Status = status });
}
