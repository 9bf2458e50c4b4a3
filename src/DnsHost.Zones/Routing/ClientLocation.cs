namespace DnsHost.Zones.Routing;

/// <summary>Where a client is, as far as geolocation, geoproximity and latency routing need to know.</summary>
public sealed class ClientLocation(string? continent, string? country, string? subdivision, double? latitude, double? longitude)
{
    /// <summary>Route 53 continent code (AF, AN, AS, EU, OC, NA, SA), or null when unknown.</summary>
    public string? Continent { get; } = continent ?? (country is null ? null : Countries.ContinentOf(country));
    /// <summary>ISO 3166-1 alpha-2 country code, upper case.</summary>
    public string? Country { get; } = country;
    /// <summary>Subdivision code (a US state for Route 53), upper case.</summary>
    public string? Subdivision { get; } = subdivision;
    public bool HasCoordinates { get; } = latitude is not null && longitude is not null;
    public double Latitude { get; } = latitude ?? 0;
    public double Longitude { get; } = longitude ?? 0;
    private readonly double _latitudeRadians = (latitude ?? 0) * Math.PI / 180, _longitudeRadians = (longitude ?? 0) * Math.PI / 180;
    private readonly double _cosLatitude = Math.Cos((latitude ?? 0) * Math.PI / 180);

    /// <summary>Great-circle distance in km to a record set's reference point, from precomputed radians and cosines.</summary>
    public double DistanceKmTo(RoutedRecordSet set) => KmFromHaversine(HaversineTo(set));

    /// <summary>Great-circle distance in km from the haversine term, on a sphere of radius 6371 km.</summary>
    public static double KmFromHaversine(double a) => 2 * 6371.0 * Math.Asin(Math.Min(1, Math.Sqrt(a)));

    /// <summary>The haversine term: grows with distance, so comparing it orders sets by distance without the arcsine.</summary>
    public double HaversineTo(RoutedRecordSet set)
    {
        double sinLat = Math.Sin((set.LatitudeRadians - _latitudeRadians) / 2), sinLon = Math.Sin((set.LongitudeRadians - _longitudeRadians) / 2);
        return sinLat * sinLat + _cosLatitude * set.CosLatitude * sinLon * sinLon;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Continent is not null) parts.Add($"continent {Continent}");
        if (Country is not null) parts.Add($"country {Country}");
        if (Subdivision is not null) parts.Add($"subdivision {Subdivision}");
        if (HasCoordinates) parts.Add($"at {Latitude:0.##},{Longitude:0.##}");
        return parts.Count == 0 ? "unknown location" : string.Join(", ", parts);
    }

    private static readonly Dictionary<string, ClientLocation> RegionLocations = AwsRegions.All.ToDictionary(
        r => r.Name, r => new ClientLocation(r.ContinentCode, r.CountryCode, null, r.Latitude, r.Longitude), StringComparer.Ordinal);

    /// <summary>Where a Region is, as a client location (private zones route by the VPC's Region); shared, never allocated per query.</summary>
    public static ClientLocation ForRegion(AwsRegion region) => RegionLocations[region.Name];
}
