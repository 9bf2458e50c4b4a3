using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Resolver;

/// <summary>A bad resolver setting stops `serve` with one line that names the setting.</summary>
[Collection("Console")]
[Trait("Kind", "Unit")]
public sealed class ResolverSettingsTests
{
    [Theory]
    [InlineData("--Resolver:Forwarders:0=dns.example", "Resolver:Forwarders: 'dns.example' is not IP[:PORT]")]
    [InlineData("--Resolver:ConditionalForwarders:corp.example:0=10.0.0.1:99999", "Resolver:ConditionalForwarders:corp.example: '10.0.0.1:99999' is not IP[:PORT]")]
    [InlineData("--Resolver:AllowRecursion:0=10.0.0.0/33", "Resolver:AllowRecursion must list networks in CIDR form")]
    [InlineData("--Resolver:RootHints=/nonexistent/named.root", "/nonexistent/named.root")]
    public async Task Bad_settings_fail_at_start_naming_the_setting(string setting, string message)
    {
        using var zones = new TestZones();
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await ServeCommand.RunAsync(CommandLine.Parse(["serve", "--zones", zones.Directory, "--address", "127.0.0.1", "--port", "0", "--api", "off",
                "--data", Path.Combine(zones.Directory, "api.db"), "--Resolver:Enabled=true", setting]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Equal(78, exit);
        Assert.Contains(message, error.ToString());
    }
}
