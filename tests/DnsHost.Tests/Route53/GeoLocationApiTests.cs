using System.Text.Json;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Route53;

/// <summary>
/// GetGeoLocation and ListGeoLocations driven by the real AWS CLI against a real DnsHost: the names,
/// the list order (countries with "*" first, US states right after US, continents last), the paging
/// tokens across those boundaries, and Route 53's errors.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class GeoLocationApiTests(GeoLocationApiTests.ServerFixture fixture) : IClassFixture<GeoLocationApiTests.ServerFixture>
{
    public sealed class ServerFixture : IAsyncLifetime
    {
        private readonly TestZones _zones = new();
        private RunningServer _server = null!;

        public AwsCli Aws { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _server = await RunningServer.StartAsync(_zones.Directory);
            Aws = new AwsCli(_server.ApiBase);
        }

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _zones.Dispose();
        }
    }

    // 246 countries, the default "*", 50 states and DC, 7 continents.
    private const int LocationCount = 246 + 1 + 51 + 7;

    private static readonly string[] Fields = ["ContinentCode", "ContinentName", "CountryCode", "CountryName", "SubdivisionCode", "SubdivisionName"];

    private AwsCli Aws => fixture.Aws;

    /// <summary>A location as "field=value" pairs, absent fields left out, so two listings compare as strings.</summary>
    private static string Describe(JsonElement details) =>
        string.Join(", ", Fields.Where(f => details.TryGetProperty(f, out _)).Select(f => $"{f}={details.GetProperty(f).GetString()}"));

    private static string? Field(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private async Task<string> Get(params string[] args) => Describe((await Aws.Ok(["get-geo-location", .. args])).GetProperty("GeoLocationDetails"));

    private static List<string> Page(JsonElement list) => list.GetProperty("GeoLocationDetailsList").EnumerateArray().Select(Describe).ToList();

    [Fact]
    public async Task A_continent_a_country_a_us_state_and_the_default_have_their_names()
    {
        Assert.Equal("ContinentCode=EU, ContinentName=Europe", await Get("--continent-code", "EU"));
        Assert.Equal("ContinentCode=OC, ContinentName=Oceania", await Get("--continent-code", "OC"));
        Assert.Equal("CountryCode=DE, CountryName=Germany", await Get("--country-code", "DE"));
        Assert.Equal("CountryCode=CI, CountryName=Côte d'Ivoire", await Get("--country-code", "CI"));
        Assert.Equal("CountryCode=XK, CountryName=Kosovo", await Get("--country-code", "XK"));
        Assert.Equal("CountryCode=US, CountryName=United States", await Get("--country-code", "US"));
        Assert.Equal("CountryCode=US, CountryName=United States, SubdivisionCode=CA, SubdivisionName=California",
            await Get("--country-code", "US", "--subdivision-code", "CA"));
        Assert.Equal("CountryCode=US, CountryName=United States, SubdivisionCode=DC, SubdivisionName=District of Columbia",
            await Get("--country-code", "US", "--subdivision-code", "DC"));
        Assert.Equal("CountryCode=*, CountryName=Default", await Get("--country-code", "*"));
    }

    [Theory]
    [InlineData("--continent-code", "ZZ")]
    [InlineData("--country-code", "ZZ")]
    [InlineData("--country-code", "BV")] // an ISO 3166 code that Route 53 refuses
    [InlineData("--country-code", "de")] // codes are upper case
    [InlineData("--country-code", "US", "--subdivision-code", "PR")] // Puerto Rico is a country of its own
    [InlineData("--country-code", "FR", "--subdivision-code", "75")] // subdivisions exist only for US
    [InlineData("--country-code", "*", "--subdivision-code", "CA")]
    public async Task An_unknown_location_is_no_such_geo_location(params string[] args)
    {
        var result = await Aws.Run(["get-geo-location", .. args]);
        Assert.Equal("NoSuchGeoLocation", result.ErrorCode);
        Assert.Contains("The specified geo location does not exist", result.Stderr);
    }

    [Theory]
    [InlineData("--continent-code", "EU", "--country-code", "DE")]
    [InlineData("--continent-code", "NA", "--subdivision-code", "CA")]
    [InlineData("--subdivision-code", "CA")]
    [InlineData]
    public async Task A_location_that_is_not_one_continent_or_one_country_is_invalid_input(params string[] args)
    {
        var result = await Aws.Run(["get-geo-location", .. args]);
        Assert.Equal("InvalidInput", result.ErrorCode);
        Assert.Contains(args.Length == 0 ? "needs continentcode or countrycode" : "countrycode", result.Stderr);
    }

    [Fact]
    public async Task One_page_lists_countries_with_the_default_first_us_states_after_us_and_continents_last()
    {
        var list = await Aws.Ok("list-geo-locations");
        Assert.False(list.GetProperty("IsTruncated").GetBoolean());
        Assert.Equal("500", list.GetProperty("MaxItems").GetString());
        Assert.False(list.TryGetProperty("NextCountryCode", out _));
        var all = Page(list);
        Assert.Equal(LocationCount, all.Count);
        Assert.Equal(LocationCount, GeoLocationCatalog.All.Count);
        Assert.Equal("CountryCode=*, CountryName=Default", all[0]);
        Assert.Equal("CountryCode=AD, CountryName=Andorra", all[1]);

        int us = all.IndexOf("CountryCode=US, CountryName=United States");
        Assert.Equal("CountryCode=UM, CountryName=United States Minor Outlying Islands", all[us - 1]);
        var states = all.Skip(us + 1).Take(51).ToList();
        Assert.All(states, s => Assert.StartsWith("CountryCode=US, CountryName=United States, SubdivisionCode=", s));
        Assert.Equal("CountryCode=US, CountryName=United States, SubdivisionCode=AK, SubdivisionName=Alaska", states[0]);
        Assert.Equal("CountryCode=US, CountryName=United States, SubdivisionCode=WY, SubdivisionName=Wyoming", states[^1]);
        Assert.Equal(states.Order(StringComparer.Ordinal), states);
        Assert.Equal("CountryCode=UY, CountryName=Uruguay", all[us + 52]);

        Assert.Equal(
            ["ContinentCode=AF, ContinentName=Africa", "ContinentCode=AN, ContinentName=Antarctica", "ContinentCode=AS, ContinentName=Asia",
             "ContinentCode=EU, ContinentName=Europe", "ContinentCode=NA, ContinentName=North America", "ContinentCode=OC, ContinentName=Oceania",
             "ContinentCode=SA, ContinentName=South America"],
            all[^7..]);
        Assert.Equal("CountryCode=ZW, CountryName=Zimbabwe", all[^8]);
        var countries = all[..^7].Where(c => !c.Contains("SubdivisionCode")).ToList();
        Assert.Equal(countries.Order(StringComparer.Ordinal), countries);
        Assert.Equal(countries.Count, countries.Distinct().Count());
    }

    [Fact]
    public async Task Walking_pages_of_seven_returns_the_same_list_as_one_big_page()
    {
        var whole = Page(await Aws.Ok("list-geo-locations", "--max-items", "400"));
        var walked = new List<string>();
        var tokens = new List<string>();
        string[] start = [];
        for (int pages = 0; ; pages++)
        {
            Assert.True(pages < 60, "the pages never end");
            var page = await Aws.Ok(["list-geo-locations", "--max-items", "7", .. start]);
            Assert.Equal("7", page.GetProperty("MaxItems").GetString());
            var items = Page(page);
            walked.AddRange(items);
            if (!page.GetProperty("IsTruncated").GetBoolean())
                break;
            Assert.Equal(7, items.Count);
            string? continent = Field(page, "NextContinentCode"), country = Field(page, "NextCountryCode"), subdivision = Field(page, "NextSubdivisionCode");
            tokens.Add($"{continent}/{country}/{subdivision}");
            start = continent is not null ? ["--start-continent-code", continent]
                : subdivision is not null ? ["--start-country-code", country!, "--start-subdivision-code", subdivision]
                : ["--start-country-code", country!];
        }
        Assert.Equal(whole, walked);
        // The walk went through the states by subdivision tokens and into the continents by a continent token.
        Assert.Contains(tokens, t => t.StartsWith("/US/", StringComparison.Ordinal) && t.Length > "/US/".Length);
        Assert.Contains(tokens, t => !t.StartsWith('/'));
    }

    [Fact]
    public async Task Next_codes_name_the_next_location_across_the_us_and_continent_boundaries()
    {
        var intoStates = await Aws.Ok("list-geo-locations", "--start-country-code", "US", "--max-items", "3");
        Assert.Equal(["CountryCode=US, CountryName=United States",
                      "CountryCode=US, CountryName=United States, SubdivisionCode=AK, SubdivisionName=Alaska",
                      "CountryCode=US, CountryName=United States, SubdivisionCode=AL, SubdivisionName=Alabama"], Page(intoStates));
        Assert.True(intoStates.GetProperty("IsTruncated").GetBoolean());
        Assert.Equal("US", Field(intoStates, "NextCountryCode"));
        Assert.Equal("AR", Field(intoStates, "NextSubdivisionCode"));
        Assert.Null(Field(intoStates, "NextContinentCode"));

        var outOfStates = await Aws.Ok("list-geo-locations", "--start-country-code", "US", "--start-subdivision-code", "WY", "--max-items", "2");
        Assert.Equal(["CountryCode=US, CountryName=United States, SubdivisionCode=WY, SubdivisionName=Wyoming", "CountryCode=UY, CountryName=Uruguay"], Page(outOfStates));
        Assert.Equal("UZ", Field(outOfStates, "NextCountryCode"));
        Assert.Null(Field(outOfStates, "NextSubdivisionCode"));

        var lastCountries = await Aws.Ok("list-geo-locations", "--start-country-code", "ZM", "--max-items", "2");
        Assert.Equal(["CountryCode=ZM, CountryName=Zambia", "CountryCode=ZW, CountryName=Zimbabwe"], Page(lastCountries));
        Assert.Equal("AF", Field(lastCountries, "NextContinentCode"));
        Assert.Null(Field(lastCountries, "NextCountryCode"));

        var across = await Aws.Ok("list-geo-locations", "--start-country-code", "ZW", "--max-items", "2");
        Assert.Equal(["CountryCode=ZW, CountryName=Zimbabwe", "ContinentCode=AF, ContinentName=Africa"], Page(across));
        Assert.Equal("AN", Field(across, "NextContinentCode"));

        var last = await Aws.Ok("list-geo-locations", "--start-continent-code", "SA");
        Assert.Equal(["ContinentCode=SA, ContinentName=South America"], Page(last));
        Assert.False(last.GetProperty("IsTruncated").GetBoolean());

        var fromDefault = await Aws.Ok("list-geo-locations", "--start-country-code", "*", "--max-items", "1");
        Assert.Equal(["CountryCode=*, CountryName=Default"], Page(fromDefault));
        Assert.Equal("AD", Field(fromDefault, "NextCountryCode"));
    }

    [Theory]
    [InlineData("cannot be given with startcountrycode", "--start-continent-code", "EU", "--start-country-code", "DE")]
    [InlineData("must be given with startcountrycode", "--start-subdivision-code", "CA")]
    [InlineData("ZZ is not a geo location", "--start-country-code", "ZZ")]
    [InlineData("US-PR is not a geo location", "--start-country-code", "US", "--start-subdivision-code", "PR")]
    [InlineData("XX is not a geo location", "--start-continent-code", "XX")]
    [InlineData("must be a positive number", "--max-items", "0")]
    public async Task Bad_list_parameters_are_invalid_input(string message, params string[] args)
    {
        var result = await Aws.Run(["list-geo-locations", .. args]);
        Assert.Equal("InvalidInput", result.ErrorCode);
        Assert.Contains(message, result.Stderr);
    }
}
