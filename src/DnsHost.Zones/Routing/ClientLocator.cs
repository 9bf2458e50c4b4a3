using System.Collections;
using System.Net;

namespace DnsHost.Zones.Routing;

/// <summary>
/// Maps a client address or subnet to a <see cref="ClientLocation"/>: first the <c>ClientLocations</c>
/// table from configuration (dev networks; it wins where both match), then a MaxMind-format database.
/// The database is read once into a <see cref="PrefixTable{T}"/>, so a lookup allocates nothing.
/// </summary>
public sealed class ClientLocator
{
    private readonly PrefixTable<ClientLocation> _configured;
    private readonly PrefixTable<ClientLocation> _database;

    public static readonly ClientLocator None = new(PrefixTable<ClientLocation>.Empty, PrefixTable<ClientLocation>.Empty, 0);

    private ClientLocator(PrefixTable<ClientLocation> configured, PrefixTable<ClientLocation> database, int databaseNetworks)
    {
        _configured = configured;
        _database = database;
        DatabaseNetworks = databaseNetworks;
    }

    public int DatabaseNetworks { get; }

    public static ClientLocator Create(IEnumerable<ClientLocationEntry> table, string? databasePath)
    {
        var configured = new PrefixTable<ClientLocation>.Builder();
        int row = 0;
        foreach (var entry in table)
        {
            string where = $"ClientLocations:{row++}";
            if (!IpPrefix.TryParse(entry.Cidr, out var block))
                throw new FormatException($"{where}:Cidr: '{entry.Cidr}' is not a CIDR block (expected for example 198.51.100.0/24)");
            string? continent = entry.Continent?.ToUpperInvariant();
            string? country = entry.Country?.ToUpperInvariant();
            if (continent is not null && !Countries.IsKnownContinent(continent))
                throw new FormatException($"{where}:Continent: '{entry.Continent}' is not a continent code (AF, AN, AS, EU, NA, OC, SA)");
            if (country is not null && !Countries.IsKnownCountry(country))
                throw new FormatException($"{where}:Country: '{entry.Country}' is not an ISO 3166-1 alpha-2 country code");
            if ((entry.Latitude is null) != (entry.Longitude is null))
                throw new FormatException($"{where}: give both Latitude and Longitude, or neither");
            if (!configured.TryAdd(block, new ClientLocation(continent, country, entry.Subdivision?.ToUpperInvariant(), entry.Latitude, entry.Longitude)))
                throw new FormatException($"{where}:Cidr: {entry.Cidr} is listed twice");
        }
        var database = PrefixTable<ClientLocation>.Empty;
        int networks = 0;
        if (!string.IsNullOrEmpty(databasePath))
            (database, networks) = LoadDatabase(databasePath);
        return new ClientLocator(configured.Build(), database, networks);
    }

    /// <summary>The location of the longest matching network, and that network's prefix length (for the ECS scope).</summary>
    public ClientLocation? Locate(in IpPrefix client, out int matchedLength)
    {
        var location = _configured.Find(client, out matchedLength);
        return location ?? _database.Find(client, out matchedLength);
    }

    private static (PrefixTable<ClientLocation>, int) LoadDatabase(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Routing:GeoDatabase: '{path}' does not exist");
        using var reader = new MaxMind.Db.Reader(path, MaxMind.Db.FileAccessMode.Memory);
        var builder = new PrefixTable<ClientLocation>.Builder();
        // Records repeat (every network in a country shares one); share one location object per distinct record.
        var shared = new Dictionary<(string?, string?, string?, double?, double?), ClientLocation>();
        foreach (var node in reader.FindAll<Dictionary<string, object>>())
        {
            var prefix = ToPrefix(node.Start, node.PrefixLength);
            if (prefix is null || node.Data is null)
                continue;
            var key = Decode(node.Data);
            if (key.Continent is null && key.Country is null && key.Latitude is null)
                continue;
            if (!shared.TryGetValue(key, out var location))
                shared[key] = location = new ClientLocation(key.Continent, key.Country, key.Subdivision, key.Latitude, key.Longitude);
            builder.TryAdd(prefix.Value, location);
        }
        return (builder.Build(), builder.Count);
    }

    private static IpPrefix? ToPrefix(IPAddress start, int prefixLength)
    {
        var host = IpPrefix.FromAddress(start);
        if (host.IsV6)
        {
            // IPv4 space inside an IPv6 tree: ::a.b.c.d/96+n. The aliases of that subtree
            // (::ffff:0:0/96, 2002::/16) would only repeat it.
            if (host.Bits >> 32 == 0 && prefixLength >= 96)
                return new IpPrefix(false, (uint)host.Bits, (byte)(prefixLength - 96)).Masked(prefixLength - 96);
            if ((host.Bits >> 112) == 0x2002 || host.Bits >> 32 == 0xFFFF)
                return null;
            return new IpPrefix(true, host.Bits, (byte)prefixLength).Masked(prefixLength);
        }
        return new IpPrefix(false, host.Bits, (byte)Math.Min(prefixLength, 32)).Masked(Math.Min(prefixLength, 32));
    }

    /// <summary>Reads GeoLite2/GeoIP2 City and Country records, and the flat <c>country_code</c> form of ip-location-db.</summary>
    private static (string? Continent, string? Country, string? Subdivision, double? Latitude, double? Longitude) Decode(Dictionary<string, object> data)
    {
        string? continent = Child(data, "continent") is { } c ? Text(c, "code") : null;
        string? country = Child(data, "country") is { } k ? Text(k, "iso_code") : null;
        country ??= Child(data, "registered_country") is { } r ? Text(r, "iso_code") : null;
        country ??= data.TryGetValue("country_code", out var flat) ? flat as string : null;
        string? subdivision = null;
        if (data.TryGetValue("subdivisions", out var subs) && subs is IList list && list.Count > 0 && list[0] is IDictionary first)
            subdivision = first["iso_code"] as string;
        double? latitude = null, longitude = null;
        if (Child(data, "location") is { } loc && loc["latitude"] is double lat && loc["longitude"] is double lon)
            (latitude, longitude) = (lat, lon);
        return (continent?.ToUpperInvariant(), country?.ToUpperInvariant(), subdivision?.ToUpperInvariant(), latitude, longitude);
    }

    private static IDictionary? Child(IDictionary data, string key) => data.Contains(key) ? data[key] as IDictionary : null;

    private static string? Text(IDictionary data, string key) => data.Contains(key) ? data[key] as string : null;
}
