using System.Net;
using System.Xml.Linq;
using DnsHost.Health;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DnsHost.Tests.Health;

/// <summary>
/// Issue 16's health-check attacks, each reproduced first: a Host header injected through
/// FullyQualifiedDomainName, private targets reached through IPv6 forms of their addresses, and
/// numbers cut to 32 bits instead of refused.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class HealthCheckHardeningTests : IAsyncLifetime
{
    private static readonly XNamespace Ns = SignedRoute53Client.Ns;
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private SignedRoute53Client _client = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--HealthChecks:AllowPrivateTargets=false");
        _client = new SignedRoute53Client(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private static string CreateRequest(string reference, string config) =>
        $"""<CreateHealthCheckRequest xmlns="{Ns}"><CallerReference>{reference}</CallerReference><HealthCheckConfig>{config}</HealthCheckConfig></CreateHealthCheckRequest>""";

    private async Task<(int Status, string Code, string Message)> Create(string config)
    {
        var (status, body) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/healthcheck", CreateRequest(Guid.NewGuid().ToString("N"), config));
        return (status, body.Descendants(Ns + "Code").FirstOrDefault()?.Value ?? "", body.Descendants(Ns + "Message").FirstOrDefault()?.Value ?? "");
    }

    private async Task<int> CheckCount()
    {
        var (_, body) = await _client.SendAsync(HttpMethod.Get, "/2013-04-01/healthcheckcount");
        return int.Parse(body.Descendants(Ns + "HealthCheckCount").Single().Value);
    }

    [Theory]
    [InlineData("x&#13;&#10;Authorization: Bearer forged")]
    [InlineData("app.example.com&#10;X-Forged: 1")]
    [InlineData("app example.com")]
    [InlineData("app..example.com")]
    [InlineData("app.example.com:8080")]
    public async Task A_domain_name_that_is_not_a_dns_name_is_refused_with_invalid_input(string fqdn)
    {
        var (status, code, message) = await Create($"<Type>HTTP</Type><FullyQualifiedDomainName>{fqdn}</FullyQualifiedDomainName><Port>80</Port>");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", code);
        Assert.Contains("Invalid fully qualified domain name", message);
        Assert.DoesNotContain('\n', message);
        Assert.Equal(0, await CheckCount());
    }

    [Fact]
    public void A_zone_file_check_with_a_header_in_its_domain_name_is_refused_too()
    {
        var errors = new List<string>();
        var spec = HealthCheckSpec.Compile("hc", new HealthCheckConfigJson { Type = "HTTP", FullyQualifiedDomainName = "x\r\nAuthorization: Bearer forged", Port = 80 }, "zones/a.json", errors);
        Assert.Null(spec);
        Assert.Contains(errors, e => e.Contains(@"x\u000D\u000AAuthorization", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("<Port>4294967376</Port>", "Member must have value less than or equal to 65535")]
    [InlineData("<Port>0</Port>", "Member must have value greater than or equal to 1")]
    [InlineData("<Port>80</Port><RequestInterval>4294967306</RequestInterval>", "Member must have value less than or equal to 30")]
    [InlineData("<Port>80</Port><FailureThreshold>4294967299</FailureThreshold>", "Member must have value less than or equal to 10")]
    [InlineData("<Port>99999999999999999999999</Port>", "is not a number")]
    public async Task Numbers_out_of_range_are_refused_not_cut_to_32_bits(string fields, string expected)
    {
        var (status, code, message) = await Create($"<Type>TCP</Type><FullyQualifiedDomainName>app.hc.test</FullyQualifiedDomainName>{fields}");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", code);
        Assert.Contains(expected, message);
        Assert.Equal(0, await CheckCount());
    }

    [Theory]
    [InlineData("<GeoProximityLocation><AWSRegion>eu-west-1</AWSRegion><Bias>1099511627776</Bias></GeoProximityLocation>", "less than or equal to 99")]
    [InlineData("<Weight>4294967297</Weight>", "less than or equal to 255")]
    [InlineData("<Weight>10</Weight><TTL>4294967356</TTL>", "less than or equal to 2147483647")]
    public async Task Record_set_numbers_out_of_range_are_refused(string fields, string expected)
    {
        var (_, zone) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone",
            $"""<CreateHostedZoneRequest xmlns="{Ns}"><Name>bias.test</Name><CallerReference>{Guid.NewGuid():N}</CallerReference></CreateHostedZoneRequest>""");
        string id = zone.Descendants(Ns + "Id").First().Value.Split('/').Last();
        string set = $"<ResourceRecordSet><Name>www.bias.test</Name><Type>A</Type><SetIdentifier>one</SetIdentifier>{fields}"
            + (fields.Contains("<TTL>", StringComparison.Ordinal) ? "" : "<TTL>60</TTL>")
            + "<ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>";
        var (status, body) = await _client.SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{id}/rrset",
            $"""<ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes><Change><Action>CREATE</Action>{set}</Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", body.Descendants(Ns + "Code").Single().Value);
        Assert.Contains(expected, body.Descendants(Ns + "Message").Single().Value);
    }

    [Theory]
    [InlineData("64:ff9b::a9fe:a9fe")]      // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::a00:1")]          // NAT64 of 10.0.0.1
    [InlineData("64:ff9b:1::a00:1")]        // local-use NAT64 (RFC 8215)
    [InlineData("::10.0.0.1")]              // IPv4-compatible
    [InlineData("::ffff:10.0.0.1")]         // IPv4-mapped
    [InlineData("::ffff:0:a9fe:a9fe")]      // IPv4-translated
    [InlineData("2002:a9fe:a9fe::1")]       // 6to4 of 169.254.169.254
    [InlineData("2002:7f00:1::1")]          // 6to4 of 127.0.0.1
    [InlineData("2001:0:a00:1::1")]         // Teredo with server 10.0.0.1
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // Teredo with client 10.0.0.1 (flipped)
    [InlineData("fec0::1")]                 // site-local
    [InlineData("fe80::1")]
    [InlineData("10.0.0.1")]
    public async Task Private_targets_in_any_ipv6_form_are_refused_by_the_api(string address)
    {
        Assert.True(TargetPolicy.IsNonPublic(IPAddress.Parse(address)));
        var (status, code, message) = await Create($"<Type>TCP</Type><IPAddress>{address}</IPAddress><Port>80</Port>");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", code);
        Assert.Contains("loopback, private or reserved", message);
    }

    [Theory]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")]
    [InlineData("2606:4700::1111")]
    [InlineData("8.8.8.8")]
    public void Public_addresses_in_those_forms_are_allowed(string address) =>
        Assert.False(TargetPolicy.IsNonPublic(IPAddress.Parse(address)));

    private sealed class FixedResolver(IPAddress address) : IHealthCheckResolver
    {
        public Task<IPAddress?> ResolveAsync(string name, CancellationToken cancel) => Task.FromResult<IPAddress?>(address);
    }

    [Theory]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("10.1.2.3")]
    public async Task An_address_a_name_resolves_to_at_probe_time_is_normalised_before_the_check(string resolved)
    {
        using var checker = new HealthChecker(new HealthStates(), Options.Create(new HealthCheckOptions()), new FixedResolver(IPAddress.Parse(resolved)), NullLogger<HealthChecker>.Instance);
        var spec = HealthCheckSpec.Compile("hc", new HealthCheckConfigJson { Type = "TCP", FullyQualifiedDomainName = "app.example.com", Port = 80 }, "test", [])!;
        var result = await checker.ProbeAsync(spec, CancellationToken.None);
        Assert.Equal(ProbeOutcome.TargetNotAllowed, result.Outcome);
    }
}
