using System.Collections.Frozen;
using System.Collections.ObjectModel;

namespace DnsHost.Zones.Routing;

/// <summary>
/// An AWS Region with an approximate reference point of the metro area it serves (degrees, two decimals),
/// and the Route 53 country and continent codes of that place.
/// </summary>
public sealed record AwsRegion(string Name, double Latitude, double Longitude, string CountryCode, string ContinentCode);

/// <summary>
/// The AWS Regions (commercial, China and GovCloud partitions, as of 2025). The coordinates are approximate
/// reference points of each Region's metro area, not data-centre locations; DnsHost uses them for
/// geoproximity distances (<c>AWSRegion</c>) and for latency routing's nearest-Region decision.
/// Names are matched exactly (lower case, for example "us-east-1"). Lookups do not allocate.
/// </summary>
public static class AwsRegions
{
    private static readonly AwsRegion[] Regions =
    [
        // North America
        new("us-east-1", 39.04, -77.49, "US", "NA"),       // N. Virginia (Ashburn)
        new("us-east-2", 39.96, -83.00, "US", "NA"),       // Ohio (Columbus)
        new("us-west-1", 37.34, -121.89, "US", "NA"),      // N. California (San Jose)
        new("us-west-2", 45.84, -119.70, "US", "NA"),      // Oregon (Boardman)
        new("us-gov-east-1", 39.96, -83.00, "US", "NA"),   // AWS GovCloud (US-East), Ohio
        new("us-gov-west-1", 45.52, -122.68, "US", "NA"),  // AWS GovCloud (US-West), Oregon
        new("ca-central-1", 45.50, -73.57, "CA", "NA"),    // Montreal
        new("ca-west-1", 51.05, -114.07, "CA", "NA"),      // Calgary
        new("mx-central-1", 20.59, -100.39, "MX", "NA"),   // Querétaro
        // South America
        new("sa-east-1", -23.55, -46.63, "BR", "SA"),      // São Paulo
        // Europe
        new("eu-west-1", 53.35, -6.26, "IE", "EU"),        // Dublin
        new("eu-west-2", 51.51, -0.13, "GB", "EU"),        // London
        new("eu-west-3", 48.86, 2.35, "FR", "EU"),         // Paris
        new("eu-central-1", 50.11, 8.68, "DE", "EU"),      // Frankfurt
        new("eu-central-2", 47.37, 8.54, "CH", "EU"),      // Zurich
        new("eu-south-1", 45.46, 9.19, "IT", "EU"),        // Milan
        new("eu-south-2", 41.65, -0.88, "ES", "EU"),       // Aragón (Zaragoza)
        new("eu-north-1", 59.33, 18.07, "SE", "EU"),       // Stockholm
        // Middle East (Route 53 puts IL, BH and AE in Asia)
        new("il-central-1", 32.09, 34.78, "IL", "AS"),     // Tel Aviv
        new("me-south-1", 26.23, 50.59, "BH", "AS"),       // Bahrain (Manama)
        new("me-central-1", 25.20, 55.27, "AE", "AS"),     // UAE (Dubai)
        // Africa
        new("af-south-1", -33.92, 18.42, "ZA", "AF"),      // Cape Town
        // Asia Pacific
        new("ap-east-1", 22.32, 114.17, "HK", "AS"),       // Hong Kong
        new("ap-east-2", 25.03, 121.57, "TW", "AS"),       // Taipei
        new("ap-south-1", 19.08, 72.88, "IN", "AS"),       // Mumbai
        new("ap-south-2", 17.39, 78.49, "IN", "AS"),       // Hyderabad
        new("ap-southeast-1", 1.35, 103.82, "SG", "AS"),   // Singapore
        new("ap-southeast-2", -33.87, 151.21, "AU", "OC"), // Sydney
        new("ap-southeast-3", -6.21, 106.85, "ID", "AS"),  // Jakarta
        new("ap-southeast-4", -37.81, 144.96, "AU", "OC"), // Melbourne
        new("ap-southeast-5", 3.14, 101.69, "MY", "AS"),   // Malaysia (Kuala Lumpur)
        new("ap-southeast-6", -36.85, 174.76, "NZ", "OC"), // New Zealand (Auckland)
        new("ap-southeast-7", 13.76, 100.50, "TH", "AS"),  // Thailand (Bangkok)
        new("ap-northeast-1", 35.68, 139.69, "JP", "AS"),  // Tokyo
        new("ap-northeast-2", 37.57, 126.98, "KR", "AS"),  // Seoul
        new("ap-northeast-3", 34.69, 135.50, "JP", "AS"),  // Osaka
        // China partition
        new("cn-north-1", 39.90, 116.41, "CN", "AS"),      // Beijing
        new("cn-northwest-1", 37.50, 105.19, "CN", "AS"),  // Ningxia (Zhongwei)
    ];

    private static readonly FrozenDictionary<string, AwsRegion> ByName = Regions.ToFrozenDictionary(r => r.Name, StringComparer.Ordinal);

    /// <summary>The Region with this code, or null for a name that is not an AWS Region.</summary>
    public static AwsRegion? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>Every Region, in the order of the table above.</summary>
    public static IReadOnlyCollection<AwsRegion> All { get; } = new ReadOnlyCollection<AwsRegion>(Regions);
}
