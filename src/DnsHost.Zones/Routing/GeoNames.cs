using System.Collections.Frozen;

namespace DnsHost.Zones.Routing;

/// <summary>
/// The English names GetGeoLocation and ListGeoLocations give to the codes of <see cref="Countries"/>:
/// Route 53's seven continent names, the everyday English name of each country as Route 53 shows it
/// ("United States", "United Kingdom", "Russia", "South Korea"; otherwise the ISO 3166-1 English short
/// name where that is already the everyday one; docs/route53-error-texts.md lists the choice), "Kosovo" for XK (a
/// user-assigned code, not in ISO 3166-1), "Default" for the default location "*", and the names of
/// the USPS state codes (Publication 28, Appendix B).
/// </summary>
public static class GeoNames
{
    /// <summary>The <c>CountryCode</c> of the default location, which matches every address no other set matches.</summary>
    public const string DefaultCountryCode = "*";

    private static readonly FrozenDictionary<string, string> ContinentNames = Parse("""
        AF Africa
        AN Antarctica
        AS Asia
        EU Europe
        NA North America
        OC Oceania
        SA South America
        """);

    private static readonly FrozenDictionary<string, string> CountryNames = Parse("""
        * Default
        AD Andorra
        AE United Arab Emirates
        AF Afghanistan
        AG Antigua and Barbuda
        AI Anguilla
        AL Albania
        AM Armenia
        AO Angola
        AQ Antarctica
        AR Argentina
        AS American Samoa
        AT Austria
        AU Australia
        AW Aruba
        AX Åland Islands
        AZ Azerbaijan
        BA Bosnia and Herzegovina
        BB Barbados
        BD Bangladesh
        BE Belgium
        BF Burkina Faso
        BG Bulgaria
        BH Bahrain
        BI Burundi
        BJ Benin
        BL Saint Barthélemy
        BM Bermuda
        BN Brunei
        BO Bolivia
        BQ Bonaire, Sint Eustatius and Saba
        BR Brazil
        BS Bahamas
        BT Bhutan
        BW Botswana
        BY Belarus
        BZ Belize
        CA Canada
        CC Cocos (Keeling) Islands
        CD Democratic Republic of the Congo
        CF Central African Republic
        CG Republic of the Congo
        CH Switzerland
        CI Côte d'Ivoire
        CK Cook Islands
        CL Chile
        CM Cameroon
        CN China
        CO Colombia
        CR Costa Rica
        CU Cuba
        CV Cabo Verde
        CW Curaçao
        CY Cyprus
        CZ Czechia
        DE Germany
        DJ Djibouti
        DK Denmark
        DM Dominica
        DO Dominican Republic
        DZ Algeria
        EC Ecuador
        EE Estonia
        EG Egypt
        ER Eritrea
        ES Spain
        ET Ethiopia
        FI Finland
        FJ Fiji
        FK Falkland Islands (Malvinas)
        FM Micronesia
        FO Faroe Islands
        FR France
        GA Gabon
        GB United Kingdom
        GD Grenada
        GE Georgia
        GF French Guiana
        GG Guernsey
        GH Ghana
        GI Gibraltar
        GL Greenland
        GM Gambia
        GN Guinea
        GP Guadeloupe
        GQ Equatorial Guinea
        GR Greece
        GS South Georgia and the South Sandwich Islands
        GT Guatemala
        GU Guam
        GW Guinea-Bissau
        GY Guyana
        HK Hong Kong
        HN Honduras
        HR Croatia
        HT Haiti
        HU Hungary
        ID Indonesia
        IE Ireland
        IL Israel
        IM Isle of Man
        IN India
        IO British Indian Ocean Territory
        IQ Iraq
        IR Iran
        IS Iceland
        IT Italy
        JE Jersey
        JM Jamaica
        JO Jordan
        JP Japan
        KE Kenya
        KG Kyrgyzstan
        KH Cambodia
        KI Kiribati
        KM Comoros
        KN Saint Kitts and Nevis
        KP North Korea
        KR South Korea
        KW Kuwait
        KY Cayman Islands
        KZ Kazakhstan
        LA Laos
        LB Lebanon
        LC Saint Lucia
        LI Liechtenstein
        LK Sri Lanka
        LR Liberia
        LS Lesotho
        LT Lithuania
        LU Luxembourg
        LV Latvia
        LY Libya
        MA Morocco
        MC Monaco
        MD Moldova
        ME Montenegro
        MF Saint Martin (French part)
        MG Madagascar
        MH Marshall Islands
        MK North Macedonia
        ML Mali
        MM Myanmar
        MN Mongolia
        MO Macao
        MP Northern Mariana Islands
        MQ Martinique
        MR Mauritania
        MS Montserrat
        MT Malta
        MU Mauritius
        MV Maldives
        MW Malawi
        MX Mexico
        MY Malaysia
        MZ Mozambique
        NA Namibia
        NC New Caledonia
        NE Niger
        NF Norfolk Island
        NG Nigeria
        NI Nicaragua
        NL Netherlands
        NO Norway
        NP Nepal
        NR Nauru
        NU Niue
        NZ New Zealand
        OM Oman
        PA Panama
        PE Peru
        PF French Polynesia
        PG Papua New Guinea
        PH Philippines
        PK Pakistan
        PL Poland
        PM Saint Pierre and Miquelon
        PN Pitcairn
        PR Puerto Rico
        PS Palestine
        PT Portugal
        PW Palau
        PY Paraguay
        QA Qatar
        RE Réunion
        RO Romania
        RS Serbia
        RU Russia
        RW Rwanda
        SA Saudi Arabia
        SB Solomon Islands
        SC Seychelles
        SD Sudan
        SE Sweden
        SG Singapore
        SH Saint Helena, Ascension and Tristan da Cunha
        SI Slovenia
        SJ Svalbard and Jan Mayen
        SK Slovakia
        SL Sierra Leone
        SM San Marino
        SN Senegal
        SO Somalia
        SR Suriname
        SS South Sudan
        ST Sao Tome and Principe
        SV El Salvador
        SX Sint Maarten (Dutch part)
        SY Syria
        SZ Eswatini
        TC Turks and Caicos Islands
        TD Chad
        TF French Southern Territories
        TG Togo
        TH Thailand
        TJ Tajikistan
        TK Tokelau
        TL Timor-Leste
        TM Turkmenistan
        TN Tunisia
        TO Tonga
        TR Türkiye
        TT Trinidad and Tobago
        TV Tuvalu
        TW Taiwan
        TZ Tanzania
        UA Ukraine
        UG Uganda
        UM United States Minor Outlying Islands
        US United States
        UY Uruguay
        UZ Uzbekistan
        VA Vatican City
        VC Saint Vincent and the Grenadines
        VE Venezuela
        VG Virgin Islands (British)
        VI Virgin Islands (U.S.)
        VN Vietnam
        VU Vanuatu
        WF Wallis and Futuna
        WS Samoa
        XK Kosovo
        YE Yemen
        YT Mayotte
        ZA South Africa
        ZM Zambia
        ZW Zimbabwe
        """);

    private static readonly FrozenDictionary<string, string> UsSubdivisionNames = Parse("""
        AK Alaska
        AL Alabama
        AR Arkansas
        AZ Arizona
        CA California
        CO Colorado
        CT Connecticut
        DC District of Columbia
        DE Delaware
        FL Florida
        GA Georgia
        HI Hawaii
        IA Iowa
        ID Idaho
        IL Illinois
        IN Indiana
        KS Kansas
        KY Kentucky
        LA Louisiana
        MA Massachusetts
        MD Maryland
        ME Maine
        MI Michigan
        MN Minnesota
        MO Missouri
        MS Mississippi
        MT Montana
        NC North Carolina
        ND North Dakota
        NE Nebraska
        NH New Hampshire
        NJ New Jersey
        NM New Mexico
        NV Nevada
        NY New York
        OH Ohio
        OK Oklahoma
        OR Oregon
        PA Pennsylvania
        RI Rhode Island
        SC South Carolina
        SD South Dakota
        TN Tennessee
        TX Texas
        UT Utah
        VA Virginia
        VT Vermont
        WA Washington
        WI Wisconsin
        WV West Virginia
        WY Wyoming
        """);

    /// <summary>The name of one of the seven continent codes, or null.</summary>
    public static string? Continent(string code) => ContinentNames.GetValueOrDefault(code);

    /// <summary>The name of a country code Route 53 accepts, "Default" for "*", or null.</summary>
    public static string? Country(string code) => CountryNames.GetValueOrDefault(code);

    /// <summary>The name of a US state (or DC) by its USPS code, or null.</summary>
    public static string? UsSubdivision(string code) => UsSubdivisionNames.GetValueOrDefault(code);

    private static FrozenDictionary<string, string> Parse(string table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in table.Split('\n'))
        {
            int space = line.IndexOf(' ');
            map.Add(line[..space], line[(space + 1)..].TrimEnd('\r')); // Add throws on a code listed twice.
        }
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
