using System.Globalization;
using System.Xml.Linq;
using DnsHost.Zones.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>
/// GetGeoLocation and ListGeoLocations: the continents, countries, default location and US states that
/// geolocation record sets accept here (<see cref="Countries"/>), with their names (<see cref="GeoNames"/>).
/// </summary>
public static class GeoLocationEndpoints
{
    private const string V = Route53Endpoints.Version;

    /// <summary>
    /// A page without maxitems holds the whole list: the API Reference says the list comes "on a single page"
    /// by default, and an unpaged ListGeoLocations from Route 53 answers MaxItems 500.
    /// </summary>
    public const int DefaultMaxItems = 500;

    public static void MapGeoLocations(this IEndpointRouteBuilder app)
    {
        app.MapGet(V + "/geolocation", (HttpContext context) =>
        {
            var query = context.Request.Query;
            string? continent = Parameter(query, "continentcode"), country = Parameter(query, "countrycode"), subdivision = Parameter(query, "subdivisioncode");
            if (continent is not null && (country is not null || subdivision is not null))
                throw new Route53Exception("InvalidInput", "A geo location is a continent (continentcode) or a country (countrycode, with subdivisioncode for a subdivision), not both");
            if (subdivision is not null && country is null)
                throw new Route53Exception("InvalidInput", "subdivisioncode must be given with countrycode");
            if (continent is null && country is null)
                throw new Route53Exception("InvalidInput", "GetGeoLocation needs continentcode or countrycode");
            int index = continent is not null ? GeoLocationCatalog.IndexOfContinent(continent) : GeoLocationCatalog.IndexOfCountry(country!, subdivision);
            if (index < 0)
                throw new Route53Exception("NoSuchGeoLocation", "The specified geo location does not exist", 404);
            return Route53Endpoints.Xml(E("GetGeoLocationResponse", Details(GeoLocationCatalog.All[index])));
        });
        app.MapGet(V + "/geolocations", (HttpContext context) =>
        {
            var query = context.Request.Query;
            string? continent = Parameter(query, "startcontinentcode"), country = Parameter(query, "startcountrycode"), subdivision = Parameter(query, "startsubdivisioncode");
            // The API Reference: startcontinentcode only to list continents; subdivisions need both startcountrycode and startsubdivisioncode.
            if (continent is not null && (country is not null || subdivision is not null))
                throw new Route53Exception("InvalidInput", "startcontinentcode cannot be given with startcountrycode or startsubdivisioncode");
            if (subdivision is not null && country is null)
                throw new Route53Exception("InvalidInput", "startsubdivisioncode must be given with startcountrycode");
            int max = query.ContainsKey("maxitems") ? Route53Endpoints.MaxItems(context, int.MaxValue) : DefaultMaxItems;
            var all = GeoLocationCatalog.All;
            int start = continent is not null ? GeoLocationCatalog.IndexOfContinent(continent)
                : country is not null ? GeoLocationCatalog.IndexOfCountry(country, subdivision)
                : 0;
            if (start < 0)
            {
                string where = continent ?? (subdivision is null ? country! : $"{country}-{subdivision}");
                throw new Route53Exception("InvalidInput", $"The start location {where} is not a geo location that Route 53 supports");
            }
            int end = (int)Math.Min((long)start + max, all.Count);
            var next = end < all.Count ? all[end] : null;
            return Route53Endpoints.Xml(E("ListGeoLocationsResponse",
                E("GeoLocationDetailsList", Enumerable.Range(start, end - start).Select(i => Details(all[i]))),
                E("IsTruncated", next is null ? "false" : "true"),
                Opt("NextContinentCode", next?.ContinentCode),
                Opt("NextCountryCode", next?.CountryCode),
                Opt("NextSubdivisionCode", next?.SubdivisionCode),
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
    }

    /// <summary>A query parameter, or null when it is absent or empty (the model's codes are at least one character).</summary>
    private static string? Parameter(IQueryCollection query, string name) => query[name].ToString() is { Length: > 0 } value ? value : null;

    private static XElement Details(GeoLocationDetails location) => E("GeoLocationDetails",
        Opt("ContinentCode", location.ContinentCode),
        Opt("ContinentName", location.ContinentName),
        Opt("CountryCode", location.CountryCode),
        Opt("CountryName", location.CountryName),
        Opt("SubdivisionCode", location.SubdivisionCode),
        Opt("SubdivisionName", location.SubdivisionName));
}
