using System.Collections.Frozen;

namespace DnsHost.Zones.Routing;

/// <summary>One location as Route 53's <c>GeoLocationDetails</c> shape gives it: a continent, a country (or the default "*"), or a US state with its country.</summary>
public sealed record GeoLocationDetails(
    string? ContinentCode, string? ContinentName,
    string? CountryCode, string? CountryName,
    string? SubdivisionCode, string? SubdivisionName);

/// <summary>
/// Every location a geolocation record set can name, in ListGeoLocations order: the countries by code,
/// the default "*" first (it sorts before the letters), each country's subdivisions by code right after
/// it, then the continents by code (API Reference, ListGeoLocations: "Countries are listed first, and
/// continents are listed last").
/// </summary>
public static class GeoLocationCatalog
{
    /// <summary>The whole list, in ListGeoLocations order.</summary>
    public static IReadOnlyList<GeoLocationDetails> All { get; }

    private static readonly FrozenDictionary<string, int> ContinentIndex;
    private static readonly FrozenDictionary<(string Country, string Subdivision), int> CountryIndex;

    static GeoLocationCatalog()
    {
        var all = new List<GeoLocationDetails>();
        foreach (var country in Countries.KnownCountries.Append(GeoNames.DefaultCountryCode).Order(StringComparer.Ordinal))
        {
            // A country missing from GeoNames is a bug in the tables; fail loudly rather than list a nameless country.
            string name = GeoNames.Country(country) ?? throw new InvalidOperationException($"GeoNames has no name for country {country}");
            all.Add(new GeoLocationDetails(null, null, country, name, null, null));
            if (country != "US")
                continue;
            foreach (var state in Countries.KnownUsSubdivisions.Order(StringComparer.Ordinal))
                all.Add(new GeoLocationDetails(null, null, country, name, state, GeoNames.UsSubdivision(state) ?? throw new InvalidOperationException($"GeoNames has no name for US-{state}")));
        }
        foreach (var continent in Countries.KnownContinents.Order(StringComparer.Ordinal))
            all.Add(new GeoLocationDetails(continent, GeoNames.Continent(continent) ?? throw new InvalidOperationException($"GeoNames has no name for continent {continent}"), null, null, null, null));
        All = all;
        ContinentIndex = Enumerable.Range(0, all.Count).Where(i => all[i].ContinentCode is not null)
            .ToFrozenDictionary(i => all[i].ContinentCode!, StringComparer.Ordinal);
        CountryIndex = Enumerable.Range(0, all.Count).Where(i => all[i].CountryCode is not null)
            .ToFrozenDictionary(i => (all[i].CountryCode!, all[i].SubdivisionCode ?? ""));
    }

    /// <summary>The position of a continent in <see cref="All"/>, or -1.</summary>
    public static int IndexOfContinent(string code) => ContinentIndex.GetValueOrDefault(code, -1);

    /// <summary>The position of a country ("*" included), or of one of its subdivisions when <paramref name="subdivision"/> is given, in <see cref="All"/>; -1 when there is none.</summary>
    public static int IndexOfCountry(string country, string? subdivision = null) => CountryIndex.GetValueOrDefault((country, subdivision ?? ""), -1);
}
