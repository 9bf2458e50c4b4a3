using System.Net;
using System.Text.RegularExpressions;
using DnsHost.Route53;
using DnsHost.Route53.Dnssec;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// The Zones page's DNSSEC column on a real host: an API zone signed through the DNSSEC API (Route 53's
/// EnableHostedZoneDNSSEC), a zone file signed by Dnssec:SignedZones with keys from Dnssec:KeyDirectory, and
/// an unsigned zone of each kind. The host listens on loopback with the default sign-in mode (none there).
/// </summary>
[Trait("Kind", "Integration")]
public sealed partial class ZoneDnssecStatusTests : IAsyncLifetime
{
    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _folder.Zones.Write("signed-file.test.zone", "$ORIGIN signed-file.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n");
        _folder.Zones.Write("plain-file.test.zone", "$ORIGIN plain-file.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.2\n");
        _server = await _folder.StartAsync("signed-file.test");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [GeneratedRegex("<tr>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    /// <summary>The Zones page's rows as the text of their cells.</summary>
    private async Task<Dictionary<string, string[]>> ZoneRowsAsync()
    {
        using var http = new HttpClient { BaseAddress = _server.ApiBase };
        string html = await http.GetStringAsync("console/zones");
        return Row().Matches(html)
            .Select(m => Regex.Split(m.Groups[1].Value, "</t[dh]>").Select(c => WebUtility.HtmlDecode(Tag().Replace(c, "")).Trim()).Where(c => c.Length > 0).ToArray())
            .Where(cells => cells[0] != "Name")
            .ToDictionary(cells => cells[0]);
    }

    [Fact]
    public async Task Each_zone_shows_whether_and_how_it_is_signed()
    {
        var zones = _server.Services.GetRequiredService<HostedZoneService>();
        var dnssec = _server.Services.GetRequiredService<HostedZoneDnssec>();
        string signedApi = zones.Create("signed-api.test.", "signed-api", null, false, null).Zone.Id;
        zones.Create("plain-api.test.", "plain-api", null, false, null);
        dnssec.CreateKeySigningKey(signedApi, "ksk1", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "ACTIVE", "ksk1");

        var before = await ZoneRowsAsync();
        // A key signing key alone does not sign: EnableHostedZoneDNSSEC does.
        Assert.Equal("unsigned", before["signed-api.test."][^1]);
        dnssec.Enable(signedApi);

        var rows = await ZoneRowsAsync();
        Assert.Equal("signed (DNSSEC API)", rows["signed-api.test."][^1]);
        Assert.Equal("unsigned", rows["plain-api.test."][^1]);
        Assert.Equal($"signed (keys in {_folder.KeyDirectory})", rows["signed-file.test."][^1]);
        Assert.Equal("unsigned", rows["plain-file.test."][^1]);
        Assert.Equal("File", rows["signed-file.test."][1]);
        Assert.Equal("Api", rows["signed-api.test."][1]);
    }
}
