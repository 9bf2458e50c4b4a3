using System.Text.RegularExpressions;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Server.QueryLogging;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Route 53 query logging through the real AWS CLI: the four operations with Route 53's errors, and
/// the lines DNS then writes for the zone, in Route 53's format, to the log group's file.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53QueryLoggingTests : IAsyncLifetime
{
    private const string Arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/ql.test";
    private readonly TestZones _zones = new TestZones().CopySamples();
    private string LogDirectory => Path.Combine(_zones.Directory, "logs");
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            "--HealthChecks:Enabled=false", $"--QueryLogging:Directory={LogDirectory}", "--QueryLogging:FlushIntervalMs=20");
        _aws = new AwsCli(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private QueryLog Log => _server.Services.GetRequiredService<QueryLog>();

    private string[] Lines()
    {
        Log.Flush();
        string path = Log.FileFor("/aws/route53/ql.test");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private async Task<string> Zone()
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", "ql.test", "--caller-reference", "ql-1");
        string id = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Replace("/hostedzone/", "");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch",
            """{"Changes":[{"Action":"CREATE","ResourceRecordSet":{"Name":"www.ql.test","Type":"A","TTL":60,"ResourceRecords":[{"Value":"192.0.2.7"}]}}]}""");
        return id;
    }

    [Fact]
    public async Task Operations_answer_as_route53_with_its_errors()
    {
        string zone = await Zone();
        var created = (await _aws.Ok("create-query-logging-config", "--hosted-zone-id", zone, "--cloud-watch-logs-log-group-arn", Arn)).GetProperty("QueryLoggingConfig");
        string id = created.GetProperty("Id").GetString()!;
        Assert.Equal(zone, created.GetProperty("HostedZoneId").GetString());
        Assert.Equal(Arn, created.GetProperty("CloudWatchLogsLogGroupArn").GetString());

        Assert.Equal(id, (await _aws.Ok("get-query-logging-config", "--id", id)).GetProperty("QueryLoggingConfig").GetProperty("Id").GetString());
        Assert.Equal(1, (await _aws.Ok("list-query-logging-configs")).GetProperty("QueryLoggingConfigs").GetArrayLength());
        Assert.Equal(1, (await _aws.Ok("list-query-logging-configs", "--hosted-zone-id", zone)).GetProperty("QueryLoggingConfigs").GetArrayLength());

        Assert.Equal("QueryLoggingConfigAlreadyExists", (await _aws.Run("create-query-logging-config", "--hosted-zone-id", zone, "--cloud-watch-logs-log-group-arn", Arn)).ErrorCode);
        Assert.Equal("NoSuchHostedZone", (await _aws.Run("create-query-logging-config", "--hosted-zone-id", "ZNOSUCHZONE", "--cloud-watch-logs-log-group-arn", Arn)).ErrorCode);
        Assert.Equal("InvalidInput", (await _aws.Run("create-query-logging-config", "--hosted-zone-id", zone, "--cloud-watch-logs-log-group-arn", "arn:aws:s3:::bucket")).ErrorCode);
        Assert.Equal("InvalidInput", (await _aws.Run("create-query-logging-config", "--hosted-zone-id", zone,
            "--cloud-watch-logs-log-group-arn", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/route53/ql.test")).ErrorCode);
        Assert.Equal("NoSuchQueryLoggingConfig", (await _aws.Run("get-query-logging-config", "--id", "00000000-0000-0000-0000-000000000000")).ErrorCode);
        Assert.Equal("NoSuchHostedZone", (await _aws.Run("list-query-logging-configs", "--hosted-zone-id", "ZNOSUCHZONE")).ErrorCode);

        await _aws.Ok("delete-query-logging-config", "--id", id);
        Assert.Equal("NoSuchQueryLoggingConfig", (await _aws.Run("delete-query-logging-config", "--id", id)).ErrorCode);
        Assert.Equal(0, (await _aws.Ok("list-query-logging-configs")).GetProperty("QueryLoggingConfigs").GetArrayLength());
    }

    [Fact]
    public async Task Queries_to_the_zone_are_logged_in_route53_format_until_the_config_is_deleted()
    {
        string zone = await Zone();
        string id = (await _aws.Ok("create-query-logging-config", "--hosted-zone-id", zone, "--cloud-watch-logs-log-group-arn", Arn))
            .GetProperty("QueryLoggingConfig").GetProperty("Id").GetString()!;

        Assert.Equal(["192.0.2.7"], (await _server.UdpAsync(TestQuery.Build("WWW.ql.test", RecordType.A))).AnswerData("A"));
        Assert.Equal(ResponseCode.NXDomain, (await _server.UdpAsync(TestQuery.Build("nope.ql.test", RecordType.AAAA))).ResponseCode);
        // EDNS Client Subnet 198.51.100.0/24 (RFC 7871), over TCP.
        byte[] ecs = [0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100];
        await _server.TcpAsync(TestQuery.Build("www.ql.test", RecordType.MX, ednsOptions: ecs));
        // Another zone (a file zone without a configuration) is not logged.
        await _server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A));

        var lines = Lines();
        Assert.Equal(3, lines.Length);
        var stamp = new Regex(@"^1\.0 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ");
        Assert.All(lines, l => Assert.Matches(stamp, l));
        Assert.Equal($"{zone} WWW.ql.test A NOERROR UDP LOCAL1 127.0.0.1 -", lines[0][29..]);
        Assert.Equal($"{zone} nope.ql.test AAAA NXDOMAIN UDP LOCAL1 127.0.0.1 -", lines[1][29..]);
        Assert.Equal($"{zone} www.ql.test MX NOERROR TCP LOCAL1 127.0.0.1 198.51.100.0/24", lines[2][29..]);

        using (var http = new HttpClient { BaseAddress = _server.ApiBase })
            Assert.Contains("dnshost_query_log_lines_total 3\n", await http.GetStringAsync("metrics"));

        await _aws.Ok("delete-query-logging-config", "--id", id);
        await _server.UdpAsync(TestQuery.Build("www.ql.test", RecordType.A));
        Assert.Equal(3, Lines().Length);
    }

    [Fact]
    public async Task Logging_a_query_allocates_nothing_on_the_answer_path()
    {
        string zone = await Zone();
        await _aws.Ok("create-query-logging-config", "--hosted-zone-id", zone, "--cloud-watch-logs-log-group-arn", Arn);
        var processor = _server.Services.GetRequiredService<QueryProcessor>();
        var query = TestQuery.Build("www.ql.test", RecordType.A);
        var response = new byte[4096];
        for (int i = 0; i < 2000; i++)
            processor.Process(query, response, overTcp: false, transferAllowed: false, out _, out _);
        Log.Flush();
        long writtenBefore = Log.Written + Log.Dropped;
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int i = 0; i < 5000; i++)
                processor.Process(query, response, overTcp: false, transferAllowed: false, out _, out _);
        }));
        Log.Flush();
        // Every query of every measured run was written or counted as dropped.
        long logged = Log.Written + Log.Dropped - writtenBefore;
        Assert.True(logged >= 5000 && logged % 5000 == 0, $"{logged} lines for runs of 5,000 queries");
    }
}
