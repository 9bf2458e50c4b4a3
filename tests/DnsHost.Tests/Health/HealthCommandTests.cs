using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Health;

/// <summary>
/// `dnshost health` against a running server's HTTP endpoint: the list, one check, an override and
/// its removal, as an operator types them; a usage mistake is exit 64, a server that is gone exit 1.
/// </summary>
[Collection("Console")]
[Trait("Kind", "Integration")]
public sealed class HealthCommandTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _zones.Write("cmd.test.json", """
            {
              "HostedZone": { "Name": "cmd.test." },
              "ResourceRecordSets": [
                { "Name": "app.cmd.test.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5, "HealthCheckId": "hc-cmd", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "app.cmd.test.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5, "ResourceRecords": [ { "Value": "192.0.2.2" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc-cmd", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "127.0.0.1", "Port": 9, "RequestInterval": 30, "FailureThreshold": 3 } }
              ]
            }
            """);
        _server = await RunningServer.StartAsync(_zones.Directory, "--HealthChecks:AllowPrivateTargets=true");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    [Fact]
    public async Task List_show_override_and_clear_print_what_the_server_decided()
    {
        string api = _server.ApiBase.ToString();

        var (exit, output, _) = await Health("list", "--api", api);
        Assert.Equal(0, exit);
        Assert.StartsWith("ID", output);
        Assert.Contains("hc-cmd", output);
        Assert.Contains("127.0.0.1:9", output);

        (exit, output, _) = await Health("override", "hc-cmd", "unhealthy", "--api", api);
        Assert.Equal(0, exit);
        Assert.StartsWith("hc-cmd: Unhealthy (decided by override, override Unhealthy)", output);

        (exit, output, _) = await Health("show", "hc-cmd", "--api", api, "--json");
        Assert.Equal(0, exit);
        Assert.Contains("\"DecidedBy\": \"override\"", output);

        (exit, output, _) = await Health("clear", "hc-cmd", "--api", api);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("decided by override", output);
    }

    [Fact]
    public async Task A_usage_mistake_is_exit_64_with_the_usage_line()
    {
        var (exit, _, error) = await Health("override", "hc-cmd", "sideways", "--api", _server.ApiBase.ToString());
        Assert.Equal(64, exit);
        Assert.StartsWith("usage: dnshost health", error);
    }

    [Fact]
    public async Task An_unknown_check_and_a_server_that_is_gone_are_exit_1()
    {
        var (exit, _, error) = await Health("show", "no-such-check", "--api", _server.ApiBase.ToString());
        Assert.Equal(1, exit);
        Assert.StartsWith("dnshost: ", error);

        // A port that was just free: nothing listens there.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        (exit, _, error) = await Health("list", "--api", $"http://127.0.0.1:{port}/");
        Assert.Equal(1, exit);
        Assert.Contains($"127.0.0.1:{port}", error);
    }

    private static async Task<(int Exit, string Output, string Error)> Health(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exit = await HealthCommand.RunAsync(CommandLine.Parse(["health", .. args]));
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
