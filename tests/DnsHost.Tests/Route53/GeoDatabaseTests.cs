using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Route53;

/// <summary>Client locations from a MaxMind-format database the test writes itself, and the configured table winning over it.</summary>
[Trait("Kind", "Integration")]
public sealed class GeoDatabaseTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private string WriteDatabase()
    {
        var path = Path.Combine(_zones.Directory, "..", Path.GetFileName(_zones.Directory) + ".mmdb");
        new MmdbFile()
            .Add("198.51.100.0/24", "NA", "US", "WA", 47.61, -122.33)
            .Add("203.0.113.0/25", "EU", "DE", null, 50.11, 8.68)
            .Add("2001:db8::/32", "AS", "JP", null, 35.68, 139.69)
            .Write(path);
        return path;
    }

    [Fact]
    public void Locator_reads_countries_subdivisions_and_coordinates_from_the_database()
    {
        var locator = ClientLocator.Create([], WriteDatabase());
        Assert.Equal(3, locator.DatabaseNetworks);
        var seattle = locator.Locate(IpPrefix.Parse("198.51.100.7/32"), out int matched)!;
        Assert.Equal(("NA", "US", "WA"), (seattle.Continent, seattle.Country, seattle.Subdivision));
        Assert.Equal(24, matched);
        Assert.Equal(47.61, seattle.Latitude, 2);
        var tokyo = locator.Locate(IpPrefix.Parse("2001:db8:1::/48"), out matched)!;
        Assert.Equal("JP", tokyo.Country);
        Assert.Equal(32, matched);
        Assert.Null(locator.Locate(IpPrefix.Parse("203.0.113.200/32"), out _)); // outside the /25
    }

    [Fact]
    public async Task Server_routes_by_the_database_and_the_configured_table_wins_where_both_match()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Route53", "zones"), "routing.test.json"))
            File.Copy(file, Path.Combine(_zones.Directory, Path.GetFileName(file)));
        await using var server = await RunningServer.StartAsync(_zones.Directory,
            $"--Routing:GeoDatabase={WriteDatabase()}",
            // The table says this /26 of the database's German /25 is in France.
            "--ClientLocations:0:Cidr=203.0.113.0/26", "--ClientLocations:0:Country=FR", "--HealthChecks:Enabled=false");
        async Task<string> Geo(string subnet) =>
            (await server.UdpAsync(TestQuery.Build("geo.routing.test", RecordType.A, ednsOptions: RoutingServerFixture.Ecs(subnet)))).AnswerData("A").Single();
        Assert.Equal("10.2.0.1", await Geo("198.51.100.0/24"));  // US-WA from the database
        Assert.Equal("10.2.0.5", await Geo("203.0.113.64/26"));  // DE from the database
        Assert.Equal("10.2.0.4", await Geo("203.0.113.0/26"));   // FR from the table: no FR set, default
        Assert.Equal("10.2.0.4", await Geo("2001:db8:1::/48"));  // JP: default
        Assert.Equal("10.2.0.1", await Geo("198.51.100.0/25"));  // a /25 inside the database's /24 still matches
    }
}
