namespace DnsHost.Zones.Routing;

/// <summary>An AWS Region and an approximate reference point of its metro area.</summary>
public sealed record AwsRegion(string Name, double Latitude, double Longitude, string CountryCode, string ContinentCode);

/// <summary>
/// AWS Regions with approximate coordinates of the metro area each serves: the reference points for
/// geoproximity (AWSRegion) and for latency routing's nearest-Region choice.
/// </summary>
public static class AwsRegions
{
    private static readonly Dictionary<string, AwsRegion> ByName = new AwsRegion[]
    {
        new("us-east-1", 38.90, -77.45, "US", "NA"),
        new("us-east-2", 39.96, -82.99, "US", "NA"),
        new("us-west-1", 37.35, -121.96, "US", "NA"),
        new("us-west-2", 45.84, -119.70, "US", "NA"),
        new("ca-central-1", 45.50, -73.57, "CA", "NA"),
        new("ca-west-1", 51.05, -114.07, "CA", "NA"),
        new("mx-central-1", 20.59, -100.39, "MX", "NA"),
        new("sa-east-1", -23.55, -46.63, "BR", "SA"),
        new("eu-west-1", 53.35, -6.26, "IE", "EU"),
        new("eu-west-2", 51.51, -0.13, "GB", "EU"),
        new("eu-west-3", 48.86, 2.35, "FR", "EU"),
        new("eu-central-1", 50.11, 8.68, "DE", "EU"),
        new("eu-central-2", 47.37, 8.54, "CH", "EU"),
        new("eu-south-1", 45.46, 9.19, "IT", "EU"),
        new("eu-south-2", 41.65, -0.88, "ES", "EU"),
        new("eu-north-1", 59.33, 18.07, "SE", "EU"),
        new("il-central-1", 32.09, 34.78, "IL", "AS"),
        new("me-south-1", 26.07, 50.56, "BH", "AS"),
        new("me-central-1", 25.20, 55.27, "AE", "AS"),
        new("af-south-1", -33.92, 18.42, "ZA", "AF"),
        new("ap-east-1", 22.32, 114.17, "HK", "AS"),
        new("ap-south-1", 19.08, 72.88, "IN", "AS"),
        new("ap-south-2", 17.39, 78.49, "IN", "AS"),
        new("ap-southeast-1", 1.35, 103.82, "SG", "AS"),
        new("ap-southeast-2", -33.87, 151.21, "AU", "OC"),
        new("ap-southeast-3", -6.21, 106.85, "ID", "AS"),
        new("ap-southeast-4", -37.81, 144.96, "AU", "OC"),
        new("ap-southeast-5", 3.14, 101.69, "MY", "AS"),
        new("ap-southeast-7", 13.76, 100.50, "TH", "AS"),
        new("ap-northeast-1", 35.68, 139.69, "JP", "AS"),
        new("ap-northeast-2", 37.57, 126.98, "KR", "AS"),
        new("ap-northeast-3", 34.69, 135.50, "JP", "AS"),
        new("cn-north-1", 39.90, 116.41, "CN", "AS"),
        new("cn-northwest-1", 37.20, 105.20, "CN", "AS"),
        new("us-gov-east-1", 39.96, -82.99, "US", "NA"),
        new("us-gov-west-1", 45.52, -122.68, "US", "NA"),
    }.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public static AwsRegion? Find(string name) => ByName.GetValueOrDefault(name);

    public static IReadOnlyCollection<AwsRegion> All => ByName.Values;
}
