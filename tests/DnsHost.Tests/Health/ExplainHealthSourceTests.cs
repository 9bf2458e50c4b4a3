using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Health;

/// <summary>explain uses the health the server uses: the running server's, or says it had none.</summary>
[Trait("Kind", "Integration")]
public sealed class ExplainHealthSourceTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        // The primary's check targets a port nobody listens on: the running server fails it over.
        int downPort = FreeTcpPort();
        _zones.Write("shop.test.json", $$"""
            {
              "HostedZone": { "Name": "shop.test." },
              "ResourceRecordSets": [
                { "Name": "db.shop.test.", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "hc-db", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "db.shop.test.", "Type": "A", "SetIdentifier": "secondary", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc-db", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "127.0.0.1", "Port": {{downPort}}, "RequestInterval": 1, "FailureThreshold": 1 } }
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

    private async Task<(int Code, string Out, string Err)> Explain(params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "explain", "db.shop.test", "A", "--client", "192.0.2.77", "--zones", _zones.Directory }.Concat(extra))
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Explain_with_a_running_server_answers_what_the_server_answers_when_the_primary_is_down()
    {
        using var operations = new OperationsClient(_server.ApiBase);
        // Waits for the server's own checker (a bound on a hang, not an asserted time window).
        var deadline = Stopwatch.StartNew();
        while ((await operations.GetAsync("hc-db")).Healthy)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the server never failed the check");
            await Task.Delay(100);
        }
        var dns = await _server.UdpAsync(TestQuery.Build("db.shop.test", DnsHost.Protocol.RecordType.A));
        Assert.Equal(["192.0.2.2"], dns.AnswerData("A"));

        var (code, stdout, stderr) = await Explain("--server", _server.ApiBase.ToString());
        Assert.True(code == 0, stderr);
        Assert.Contains("192.0.2.2", stdout);
        Assert.DoesNotContain("192.0.2.1", stdout.Split("why:")[0]);
        Assert.Contains($"health: from the running server at {_server.ApiBase}", stdout);
    }

    [Fact]
    public async Task Explain_without_a_running_server_says_its_health_is_static()
    {
        var (code, stdout, stderr) = await Explain("--api", $"127.0.0.1:{FreeTcpPort()}");
        Assert.True(code == 0, stderr);
        Assert.Contains("health: static (no running server at", stdout);
        Assert.Contains("checks not run", stdout);
    }
}
