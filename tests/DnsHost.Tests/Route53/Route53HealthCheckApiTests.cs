using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Tests.Health;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>Health checks created with the AWS CLI run for real and move the answers of API zones.</summary>
[Trait("Kind", "Interop")]
public sealed class Route53HealthCheckApiTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private TestHttpEndpoint _backend = null!;
    private string _data = null!;
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        _backend = TestHttpEndpoint.Start();
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase, clientValidation: false);
    }

    private Task<RunningServer> Start() => RunningServer.StartAsync(_zones.Directory, "--data", _data,
        "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _backend.DisposeAsync();
        _zones.Dispose();
    }

    private string Config(int interval = 1) =>
        $"IPAddress=127.0.0.1,Port={_backend.Port},Type=HTTP,ResourcePath=/health,RequestInterval={interval},FailureThreshold=1";

    private async Task<string> A(string name)
    {
        var response = await _server.UdpAsync(TestQuery.Build(name, RecordType.A));
        return response.AnswerData("A").Single();
    }

    [Fact]
    public async Task A_check_made_with_the_cli_drives_failover_and_reports_its_status()
    {
        var created = await _aws.Ok("create-health-check", "--caller-reference", "hc-1", "--health-check-config", Config());
        string id = created.GetProperty("HealthCheck").GetProperty("Id").GetString()!;
        Assert.Equal(1, created.GetProperty("HealthCheck").GetProperty("HealthCheckVersion").GetInt32());
        // The same request again returns the same check; other settings with that reference are refused.
        Assert.Equal(id, (await _aws.Ok("create-health-check", "--caller-reference", "hc-1", "--health-check-config", Config())).GetProperty("HealthCheck").GetProperty("Id").GetString());
        Assert.Equal("HealthCheckAlreadyExists", (await _aws.Run("create-health-check", "--caller-reference", "hc-1", "--health-check-config", Config(interval: 2))).ErrorCode);

        string zone = (await _aws.Ok("create-hosted-zone", "--name", "hcapi.test", "--caller-reference", "z-1")).GetProperty("HostedZone").GetProperty("Id").GetString()!;
        string batch = JsonSerializer.Serialize(new
        {
            Changes = new object[]
            {
                new { Action = "CREATE", ResourceRecordSet = new { Name = "app.hcapi.test", Type = "A", SetIdentifier = "p", Failover = "PRIMARY", TTL = 5, HealthCheckId = id, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } },
                new { Action = "CREATE", ResourceRecordSet = new { Name = "app.hcapi.test", Type = "A", SetIdentifier = "s", Failover = "SECONDARY", TTL = 5, ResourceRecords = new[] { new { Value = "192.0.2.2" } } } },
            },
        });
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", batch);
        await HealthServerFixture.Eventually(() => Task.FromResult(_backend.Requests > 0), "a probe");
        Assert.Equal("192.0.2.1", await A("app.hcapi.test"));
        var status = await _aws.Ok("get-health-check-status", "--health-check-id", id);
        Assert.StartsWith("Success: HTTP Status Code 200", status.GetProperty("HealthCheckObservations")[0].GetProperty("StatusReport").GetProperty("Status").GetString());

        _backend.StatusCode = 503;
        await HealthServerFixture.Eventually(async () => await A("app.hcapi.test") == "192.0.2.2", "failover to the secondary");
        var failure = await _aws.Ok("get-health-check-last-failure-reason", "--health-check-id", id);
        Assert.Contains("HTTP Status Code 503", failure.GetProperty("HealthCheckObservations")[0].GetProperty("StatusReport").GetProperty("Status").GetString());
        _backend.StatusCode = 200;
        await HealthServerFixture.Eventually(async () => await A("app.hcapi.test") == "192.0.2.1", "back to the primary");

        Assert.Equal(1, (await _aws.Ok("get-health-check-count")).GetProperty("HealthCheckCount").GetInt32());
        Assert.Contains((await _aws.Ok("list-health-checks")).GetProperty("HealthChecks").EnumerateArray(), c => c.GetProperty("Id").GetString() == id);
    }

    [Fact]
    public async Task Update_checks_the_version_and_delete_is_allowed_while_in_use()
    {
        string id = (await _aws.Ok("create-health-check", "--caller-reference", "hc-2", "--health-check-config", Config())).GetProperty("HealthCheck").GetProperty("Id").GetString()!;
        var updated = await _aws.Ok("update-health-check", "--health-check-id", id, "--health-check-version", "1", "--failure-threshold", "2");
        Assert.Equal(2, updated.GetProperty("HealthCheck").GetProperty("HealthCheckVersion").GetInt32());
        Assert.Equal(2, updated.GetProperty("HealthCheck").GetProperty("HealthCheckConfig").GetProperty("FailureThreshold").GetInt32());
        Assert.Equal("HealthCheckVersionMismatch", (await _aws.Run("update-health-check", "--health-check-id", id, "--health-check-version", "1", "--failure-threshold", "3")).ErrorCode);

        // Checks and their versions survive a restart.
        await _server.DisposeAsync();
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase, clientValidation: false);
        Assert.Equal(2, (await _aws.Ok("get-health-check", "--health-check-id", id)).GetProperty("HealthCheck").GetProperty("HealthCheckVersion").GetInt32());

        await _aws.Ok("delete-health-check", "--health-check-id", id);
        Assert.Equal("NoSuchHealthCheck", (await _aws.Run("get-health-check", "--health-check-id", id)).ErrorCode);
        string zone = (await _aws.Ok("create-hosted-zone", "--name", "hcgone.test", "--caller-reference", "z-2")).GetProperty("HostedZone").GetProperty("Id").GetString()!;
        string batch = JsonSerializer.Serialize(new
        {
            Changes = new object[] { new { Action = "CREATE", ResourceRecordSet = new { Name = "x.hcgone.test", Type = "A", SetIdentifier = "p", Weight = 1, TTL = 5, HealthCheckId = id, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } } },
        });
        Assert.Equal("NoSuchHealthCheck", (await _aws.Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", batch)).ErrorCode);
    }
}
