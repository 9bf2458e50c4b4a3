using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>
/// A bad value in any settings section stops `serve` at start with exit 78 and one line that names the
/// setting by its configuration path and says what is accepted, as the Resolver section always did.
/// </summary>
[Collection("Console")]
[Trait("Kind", "Integration")]
public sealed class SettingsValidationTests
{
    [Theory]
    // Routing
    [InlineData("--Routing:AliasTargets:lb.example:0=not-an-ip", "Routing:AliasTargets:lb.example: 'not-an-ip' is not an IPv4 or IPv6 address")]
    [InlineData("--Routing:NameServers:0=ns1..example", "Routing:NameServers:0: 'ns1..example' is not a domain name")]
    [InlineData("--Routing:AliasTargetTtl=3000000000", "Routing:AliasTargetTtl is 3000000000; a TTL is at most 2147483647")]
    [InlineData("--Routing:ClientLatencies:0:Cidr=10.0.0.0/8 --Routing:ClientLatencies:0:Latencies:us-east-1=-3", "Routing:ClientLatencies:0:Latencies:us-east-1 is -3")]
    // Api
    [InlineData("--Api:Quotas:HostedZones=-1", "Api:Quotas:HostedZones is -1; it must be 0 (no limit) or more")]
    [InlineData("--Api:Quotas:CheckerIpRanges:0=10.0.0.0/40", "Api:Quotas:CheckerIpRanges: '10.0.0.0/40' is not a CIDR block")]
    [InlineData("--Api:RequestsPerSecond=-5", "Api:RequestsPerSecond is -5; it must be 0 (no limit) or more")]
    [InlineData("--Api:PendingSeconds=-1", "Api:PendingSeconds is -1; it must be 0 (INSYNC at once) to 86400")]
    [InlineData("--Api:AccessKeys:AKIDEXAMPLE=", "Api:AccessKeys:AKIDEXAMPLE: an access key needs an id and a secret")]
    [InlineData("--Api:FaultInjection:DropRate=2", "Api:FaultInjection:DropRate must be between 0 and 1, not 2")]
    // Sync
    [InlineData("--Sync:Jobs:0:Source=s3://bucket", "Sync:Jobs:0:Source: 's3://bucket' is not a sync side: use local, route53, route53:URL")]
    [InlineData("--Sync:Jobs:0:Target=local", "Sync:Jobs:0:Source: missing: use local, route53")]
    [InlineData("--Sync:Jobs:0:Source=route53 --Sync:Jobs:0:IntervalSeconds=0", "Sync:Jobs:0:IntervalSeconds is 0; it must be 1 or more")]
    [InlineData("--Sync:Jobs:0:Source=route53 --Sync:Jobs:0:AccessKeyId=AKIDEXAMPLE", "Sync:Jobs:0: AccessKeyId and SecretAccessKey go together (both or neither)")]
    [InlineData("--Sync:Jobs:0:Source=dir:/tmp/x --Sync:Jobs:0:Zones:0=bad..name", "Sync:Jobs:0:Zones:0: 'bad..name' is not a domain name")]
    [InlineData("--Sync:Jobs:0:Source=local", "Sync:Jobs:0: Source and Target are both 'local'")]
    // Dnssec, Tsig, Transfers, HealthChecks
    [InlineData("--Dnssec:Algorithm=RSASHA1", "Dnssec:Algorithm: 'RSASHA1' is not ECDSAP256SHA256 (13) or ED25519 (15)")]
    [InlineData("--Dnssec:SignedZones:0=bad..zone", "Dnssec:SignedZones:0: 'bad..zone' is not a domain name")]
    [InlineData("--Dnssec:Rollover:HostedZoneZskLifetime=-1.00:00:00", "Dnssec:Rollover:HostedZoneZskLifetime must not be negative")]
    [InlineData("--Tsig:Keys:0=just-a-name", "Tsig:Keys:0: a TSIG key is written [algorithm:]name:secret")]
    [InlineData("--Tsig:Fudge=0", "Tsig:Fudge must be between 1 and 3600")]
    [InlineData("--Transfers:Zones:0:Name=bad..zone", "Transfers:Zones:0:Name: 'bad..zone' is not a domain name")]
    [InlineData("--Transfers:Zones:0:Name=example.test --Transfers:Zones:0:Allow:0=somewhere", "Transfers:Zones:0:Allow:0: 'somewhere' is not an address, a network")]
    [InlineData("--HealthChecks:CheckerRegion=mars-north-1", "HealthChecks:CheckerRegion: 'mars-north-1' is not an AWS Region")]
    // Data annotations, in the settings' names, also below a section's top level
    [InlineData("--Dns:MaxUdpPayload=100", "Dns:MaxUdpPayload must be between 512 and 4096")]
    [InlineData("--Zones:MaxIncludeDepth=100", "Zones:MaxIncludeDepth must be between 0 and 64")]
    [InlineData("--Resolver:UpstreamTimeoutMs=5", "Resolver:UpstreamTimeoutMs must be between 20 and 30000")]
    [InlineData("--Resolver:Cache:MaxTtl=0", "Resolver:Cache:MaxTtl must be between 1 and 604800")]
    [InlineData("--Transfers:Zones:0:Name=example.test --Transfers:NotifyAttempts=0", "Transfers:NotifyAttempts must be between 1 and 20")]
    [InlineData("--QueryLogging:Capacity=10", "QueryLogging:Capacity must be between 1024 and 1048576")]
    [InlineData("--QueryLogging:EdgeLocation=a/b", "QueryLogging:EdgeLocation must be 1-32 letters, digits or dashes")]
    [InlineData("--Console:Traffic:ResolutionSeconds=0", "Console:Traffic:ResolutionSeconds must be between 1 and 3600")]
    [InlineData("--Console:Traffic:WindowSeconds=60 --Console:Traffic:ResolutionSeconds=120", "Console:Traffic:WindowSeconds must be at least Console:Traffic:ResolutionSeconds")]
    public async Task A_bad_value_stops_serve_with_exit_78_naming_the_setting(string settings, string message)
    {
        var (exit, error) = await Serve(settings.Split(' '));
        Assert.Equal(78, exit);
        Assert.StartsWith("dnshost: invalid setting: ", error);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Every_problem_of_a_section_is_named_at_once()
    {
        var (exit, error) = await Serve(["--Api:RequestsPerSecond=-1", "--Api:PendingSeconds=-1"]);
        Assert.Equal(78, exit);
        Assert.Contains("Api:RequestsPerSecond is -1", error);
        Assert.Contains("Api:PendingSeconds is -1", error);
    }

    private static async Task<(int Exit, string Error)> Serve(string[] settings)
    {
        using var zones = new TestZones();
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await ServeCommand.RunAsync(CommandLine.Parse(["serve", "--zones", zones.Directory, "--address", "127.0.0.1", "--port", "0", "--api", "off",
                "--data", Path.Combine(zones.Directory, "api.db"), .. settings])).WaitAsync(TimeSpan.FromMinutes(2)); // a server that started would never return: fail instead of hanging
        }
        finally
        {
            Console.SetError(previous);
        }
        return (exit, error.ToString());
    }
}
