using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DnsHost.Drill;
using DnsHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DnsHost.Tests.Health;

/// <summary>The failover drill against a real server: it breaks the check's endpoint, and its timeline holds.</summary>
[Trait("Kind", "Integration")]
public sealed class FailoverDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private int _backendPort;

    public async Task InitializeAsync()
    {
        _backendPort = FreeTcpPort();
        _zones.Write("drill.test.json", $$"""
            {
              "HostedZone": { "Name": "drill.test." },
              "ResourceRecordSets": [
                { "Name": "app.drill.test.", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY", "TTL": 1, "HealthCheckId": "hc-app", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "app.drill.test.", "Type": "A", "SetIdentifier": "secondary", "Failover": "SECONDARY", "TTL": 1, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc-app", "HealthCheckConfig": { "Type": "HTTP", "IPAddress": "127.0.0.1", "Port": {{_backendPort}}, "RequestInterval": 1, "FailureThreshold": 2 } }
              ]
            }
            """);
        _server = await RunningServer.StartAsync(_zones.Directory, "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Endpoint_drill_sees_failover_and_recovery_never_before_the_second_probe()
    {
        using var operations = new OperationsClient(_server.ApiBase);
        var drill = new FailoverDrill(new DrillSettings
        {
            Name = "app.drill.test",
            CheckId = "hc-app",
            DnsServer = _server.EndPoint,
            Flips = 2,
            Settle = TimeSpan.FromMilliseconds(500),
        }, operations);
        var report = await drill.RunAsync(CancellationToken.None);

        Assert.Equal("192.0.2.1", report.HealthyAnswer);
        Assert.Equal(3.0, report.Summary.BoundSeconds);
        Assert.Equal(2, report.Timeline.Count);
        foreach (var flip in report.Timeline)
        {
            Assert.Equal("192.0.2.2", flip.Failure.NewAnswer);
            Assert.Equal("192.0.2.1", flip.Recovery.NewAnswer);
            // Two probes a second apart (±5 %): not before the second probe. A probe that began just before
            // the endpoint broke (or came back) can already see the new state, so the second probe may come
            // one interval minus that probe's duration after the change: 0.5 s leaves half a second for a
            // probe on a loaded machine (a flake-check run saw 0.73 s) and still catches a drill that times
            // the wrong moment (the old bug measured 0.37 s). How soon after it is the machine's business;
            // the drill reports it against the 3 s bound (Summary.AllWithinBound) and the test prints it.
            Assert.True(flip.Failure.AllNewAnswersSeconds >= 0.5, $"failover after {flip.Failure.AllNewAnswersSeconds} s, before the second failed probe");
            Assert.True(flip.Recovery.AllNewAnswersSeconds >= 0.5, $"recovery after {flip.Recovery.AllNewAnswersSeconds} s, before the second good probe");
            output.WriteLine($"failover {flip.Failure.AllNewAnswersSeconds:0.00} s, recovery {flip.Recovery.AllNewAnswersSeconds:0.00} s (bound {report.Summary.BoundSeconds} s)");
        }
        // The JSON a user's CI would assert on.
        var json = JsonSerializer.Serialize(report, OperationsClient.Json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(report.Summary.AllWithinBound, doc.RootElement.GetProperty("Summary").GetProperty("AllWithinBound").GetBoolean());
        Assert.Equal(2, doc.RootElement.GetProperty("Timeline").GetArrayLength());
    }

    [Fact]
    public async Task Drill_verb_by_override_prints_a_json_timeline_and_exits_0()
    {
        // The backend is up for this one, so the check is healthy and the override does the breaking.
        using var backend = new DrillEndpoint(new IPEndPoint(IPAddress.Loopback, _backendPort), http: true, tls: false, null);
        backend.Start();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "drill", "app.drill.test", "A", "--check", "hc-app", "--mode", "override",
                     "--flips", "1", "--settle", "0.3", "--server", $"127.0.0.1:{_server.Port}", "--api", _server.ApiBase.ToString(), "--json" })
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        using var doc = JsonDocument.Parse(await stdout);
        var flip = doc.RootElement.GetProperty("Timeline")[0];
        Assert.Equal("override", doc.RootElement.GetProperty("Mode").GetString());
        // An override publishes at once; the backend is up, so only the override can have flipped the answer.
        // The time includes the override's own HTTP call, which a loaded machine stretches: printed, not asserted.
        Assert.Equal("192.0.2.2", flip.GetProperty("Failure").GetProperty("NewAnswer").GetString());
        Assert.Equal("192.0.2.1", flip.GetProperty("Recovery").GetProperty("NewAnswer").GetString());
        output.WriteLine($"override: failover {flip.GetProperty("Failure").GetProperty("AllNewAnswersSeconds").GetDouble():0.00} s, recovery {flip.GetProperty("Recovery").GetProperty("AllNewAnswersSeconds").GetDouble():0.00} s");
        Assert.Contains("healthy answer", await stderr);
    }
}
