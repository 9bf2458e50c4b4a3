using System.Collections.Frozen;

namespace DnsHost.Zones.Routing;

/// <summary>
/// Country, continent and US state codes as Route 53 geolocation uses them (route53-behaviour.md 4.4).
/// Countries are ISO 3166-1 alpha-2 codes plus XK (Kosovo), each in the one continent that the Route 53
/// Developer Guide ("Values specific for geolocation records", section Location) puts it in: for example
/// TR, RU, UA and CY count as Europe, AM, AZ and GE as Asia, TL as Oceania, and the US territories
/// (PR, VI, GU, AS, MP, UM) are countries of their own. BV, CX, EH and HM are ISO codes that Route 53
/// refuses, so they are unknown here. Subdivisions exist only for the United States.
/// Codes are matched in upper case; callers normalise. Lookups do not allocate.
/// </summary>
public static class Countries
{
    private static readonly FrozenDictionary<string, string> ContinentByCountry = Build(
        ("AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ "
             + "NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"),
        ("AN", "AQ GS TF"),
        ("AS", "AE AF AM AZ BD BH BN BT CC CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY "
             + "NP OM PH PK PS QA SA SG SY TH TJ TM TW UZ VN YE"),
        ("EU", "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC "
             + "MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK"),
        ("NA", "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV "
             + "SX TC TT US VC VG VI"),
        ("OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS"),
        ("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"));

    private static readonly FrozenSet<string> ContinentCodes = "AF AN AS EU NA OC SA".Split(' ').ToFrozenSet(StringComparer.Ordinal);

    /// <summary>USPS codes of the 50 states and the District of Columbia. Route 53 lists US territories as countries.</summary>
    private static readonly FrozenSet<string> UsSubdivisions =
        ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
         + "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC").Split(' ').ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The Route 53 continent code (AF, AN, AS, EU, OC, NA, SA) of a country, or null for a code Route 53 does not accept.</summary>
    public static string? ContinentOf(string countryCode) => ContinentByCountry.GetValueOrDefault(countryCode);

    /// <summary>Whether Route 53 accepts this <c>CountryCode</c> in a <c>GeoLocation</c> (the default "*" is not a country).</summary>
    public static bool IsKnownCountry(string countryCode) => ContinentByCountry.ContainsKey(countryCode);

    /// <summary>Whether this is one of Route 53's seven <c>ContinentCode</c> values.</summary>
    public static bool IsKnownContinent(string continentCode) => ContinentCodes.Contains(continentCode);

    /// <summary>Whether Route 53 accepts this <c>SubdivisionCode</c> with <c>CountryCode=US</c>.</summary>
    public static bool IsKnownUsSubdivision(string code) => UsSubdivisions.Contains(code);

    /// <summary>Every <c>CountryCode</c> Route 53 accepts, "*" not included, in no particular order.</summary>
    public static IReadOnlyCollection<string> KnownCountries => ContinentByCountry.Keys;

    /// <summary>The seven <c>ContinentCode</c> values, in no particular order.</summary>
    public static IReadOnlyCollection<string> KnownContinents => ContinentCodes;

    /// <summary>Every <c>SubdivisionCode</c> accepted with <c>CountryCode=US</c>, in no particular order.</summary>
    public static IReadOnlyCollection<string> KnownUsSubdivisions => UsSubdivisions;

    private static FrozenDictionary<string, string> Build(params (string Continent, string Countries)[] continents)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (continent, countries) in continents)
        {
            foreach (var country in countries.Split(' '))
                map.Add(country, continent); // Add throws on a country listed twice.
        }
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
