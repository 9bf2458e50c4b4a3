using System.Diagnostics;
using System.Xml.Linq;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Routed and alias record sets outside DNS answers: the API's ResourceRecordSetCount counts them, and
/// check-zone --print prints them with their routing fields. (AXFR of routed sets is not covered yet.)
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RoutedSetVisibilityTests : IDisposable
{
    private static readonly XNamespace Ns = SignedRoute53Client.Ns;
    private readonly TestZones _zones = new();
    private readonly string _file;

    public RoutedSetVisibilityTests()
    {
        // 1 plain set, 2 failover, 2 weighted, 1 alias, 1 geolocation default: 7 sets, of which the
        // zone's plain records hold 1 (plus the SOA and NS the loader adds, which the listing shows too).
        _file = _zones.Write("routed.test.json", """
            {
              "HostedZone": { "Id": "/hostedzone/ZROUTED", "Name": "routed.test." },
              "ResourceRecordSets": [
                { "Name": "plain.routed.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.10" } ] },
                { "Name": "db.routed.test.", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY", "TTL": 30, "HealthCheckId": "hc-db", "ResourceRecords": [ { "Value": "192.0.2.1" } ] },
                { "Name": "db.routed.test.", "Type": "A", "SetIdentifier": "secondary", "Failover": "SECONDARY", "TTL": 30, "ResourceRecords": [ { "Value": "192.0.2.2" } ] },
                { "Name": "w.routed.test.", "Type": "A", "SetIdentifier": "blue", "Weight": 70, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.3" } ] },
                { "Name": "w.routed.test.", "Type": "A", "SetIdentifier": "green", "Weight": 30, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.4" } ] },
                { "Name": "alias.routed.test.", "Type": "A", "AliasTarget": { "HostedZoneId": "ZROUTED", "DNSName": "plain.routed.test.", "EvaluateTargetHealth": false } },
                { "Name": "geo.routed.test.", "Type": "A", "SetIdentifier": "rest", "GeoLocation": { "CountryCode": "*" }, "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.5" } ] }
              ],
              "HealthChecks": [
                { "Id": "hc-db", "HealthCheckConfig": { "Type": "TCP", "IPAddress": "192.0.2.99", "Port": 5432, "RequestInterval": 30, "FailureThreshold": 3 } }
              ]
            }
            """);
    }

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task ResourceRecordSetCount_of_a_file_zone_counts_routed_and_alias_sets_as_listed()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory);
        using var client = new SignedRoute53Client(server.ApiBase);

        var (status, zone) = await client.SendAsync(HttpMethod.Get, "2013-04-01/hostedzone/ZROUTED");
        Assert.Equal(200, status);
        long count = long.Parse(zone.Descendants(Ns + "ResourceRecordSetCount").Single().Value);
        var (listStatus, list) = await client.SendAsync(HttpMethod.Get, "2013-04-01/hostedzone/ZROUTED/rrset?maxitems=300");
        Assert.Equal(200, listStatus);
        var listed = list.Descendants(Ns + "ResourceRecordSet").ToList();
        Assert.Equal(listed.Count, count);
        // The seven sets of the file, the routed and alias ones among them.
        Assert.True(count >= 7, $"ResourceRecordSetCount {count}");
        Assert.Equal(2, listed.Count(s => s.Element(Ns + "Name")!.Value == "db.routed.test."));

        var (_, zones) = await client.SendAsync(HttpMethod.Get, "2013-04-01/hostedzone");
        var summary = zones.Descendants(Ns + "HostedZone").Single(z => z.Element(Ns + "Name")!.Value == "routed.test.");
        Assert.Equal(count, long.Parse(summary.Element(Ns + "ResourceRecordSetCount")!.Value));
    }

    [Fact]
    public async Task Check_zone_print_shows_routed_and_alias_sets_with_their_routing()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "check-zone", _file, "--print" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        var lines = (await stdout).Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Contains("plain.routed.test.\t60\tIN\tA\t192.0.2.10", lines);
        Assert.Contains("db.routed.test.\t30\tIN\tA\t192.0.2.1\t; failover PRIMARY, set 'primary', health check hc-db", lines);
        Assert.Contains("db.routed.test.\t30\tIN\tA\t192.0.2.2\t; failover SECONDARY, set 'secondary'", lines);
        Assert.Contains("w.routed.test.\t60\tIN\tA\t192.0.2.3\t; weighted, weight 70, set 'blue'", lines);
        Assert.Contains("w.routed.test.\t60\tIN\tA\t192.0.2.4\t; weighted, weight 30, set 'green'", lines);
        Assert.Contains(lines, l => l.StartsWith("alias.routed.test.\t-\tIN\tA\tALIAS plain.routed.test", StringComparison.Ordinal) && l.Contains("hosted zone ZROUTED"));
        Assert.Contains("geo.routed.test.\t60\tIN\tA\t192.0.2.5\t; geolocation default (*), set 'rest'", lines);
    }
}
