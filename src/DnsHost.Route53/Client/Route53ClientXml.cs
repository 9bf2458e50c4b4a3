using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Client;

/// <summary>
/// The client's side of the shapes the server's endpoints do not share: hosted zones and health checks
/// read from answers, health check configs written in the botocore model's element order.
/// </summary>
internal static class Route53ClientXml
{
    public static string Bare(string id, string prefix) => id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id;

    public static string Required(XElement? parent, string name) =>
        Text(parent, name) ?? throw new Route53ClientException("InvalidResponse", $"the answer has no {name} in {parent?.Name.LocalName ?? "its body"}", 200);

    public static XElement Root(XElement? body, string name) =>
        body is not null && body.Name == Ns + name ? body
            : throw new Route53ClientException("InvalidResponse", $"expected {name}, got {body?.Name.LocalName ?? "an empty body"}", 200);

    public static HostedZoneSummary ReadHostedZone(XElement zone)
    {
        var config = Child(zone, "Config");
        return new HostedZoneSummary(
            Bare(Required(zone, "Id"), "/hostedzone/"),
            Required(zone, "Name"),
            Text(zone, "CallerReference") ?? "",
            Text(config, "Comment"),
            Bool(config, "PrivateZone") ?? false,
            Long(zone, "ResourceRecordSetCount") ?? 0);
    }

    public static VpcAssociation ReadVpc(XElement vpc) => new(Required(vpc, "VPCId"), Required(vpc, "VPCRegion"));

    public static HealthCheckRecord ReadHealthCheck(XElement check) => new(
        Required(check, "Id"),
        Text(check, "CallerReference") ?? "",
        Long(check, "HealthCheckVersion") ?? 1,
        ReadConfig(Child(check, "HealthCheckConfig") ?? throw new Route53ClientException("InvalidResponse", "a HealthCheck has no HealthCheckConfig", 200)));

    /// <summary>The server's reading of the config, plus the CloudWatch and routing-control fields a real Route 53 account may return.</summary>
    private static HealthCheckConfigJson ReadConfig(XElement c)
    {
        var config = ReadHealthCheckConfig(c);
        config.AlarmIdentifier = Child(c, "AlarmIdentifier") is { } alarm
            ? JsonSerializer.SerializeToElement(new Dictionary<string, string?> { ["Region"] = Text(alarm, "Region"), ["Name"] = Text(alarm, "Name") })
            : null;
        config.InsufficientDataHealthStatus = Text(c, "InsufficientDataHealthStatus");
        config.RoutingControlArn = Text(c, "RoutingControlArn");
        return config;
    }

    /// <summary>HealthCheckConfig of CreateHealthCheck, in the model's order.</summary>
    public static XElement WriteConfig(HealthCheckConfigJson c) => E("HealthCheckConfig",
        Opt("IPAddress", c.IPAddress),
        Opt("Port", Number(c.Port)),
        Opt("Type", c.Type),
        Opt("ResourcePath", c.ResourcePath),
        Opt("FullyQualifiedDomainName", c.FullyQualifiedDomainName),
        Opt("SearchString", c.SearchString),
        Opt("RequestInterval", Number(c.RequestInterval)),
        Opt("FailureThreshold", Number(c.FailureThreshold)),
        Opt("MeasureLatency", c.MeasureLatency),
        Opt("Inverted", c.Inverted),
        Opt("Disabled", c.Disabled),
        Opt("HealthThreshold", Number(c.HealthThreshold)),
        c.ChildHealthChecks is { } children ? E("ChildHealthChecks", children.Select(id => E("ChildHealthCheck", id))) : null,
        Opt("EnableSNI", c.EnableSNI),
        c.Regions is { } regions ? E("Regions", regions.Select(r => E("Region", r))) : null,
        Alarm(c.AlarmIdentifier),
        Opt("InsufficientDataHealthStatus", c.InsufficientDataHealthStatus),
        Opt("RoutingControlArn", c.RoutingControlArn));

    /// <summary>
    /// UpdateHealthCheckRequest, in the model's order: what an update may change (not Type, RequestInterval,
    /// MeasureLatency or RoutingControlArn), and ResetElements for the resettable elements the config leaves out,
    /// so the check ends up as <paramref name="c"/> says rather than keeping old values.
    /// </summary>
    public static XElement WriteUpdate(long version, HealthCheckConfigJson c)
    {
        bool calculated = c.Type == "CALCULATED";
        var reset = new List<string>();
        if (!calculated)
        {
            if (c.FullyQualifiedDomainName is null)
                reset.Add("FullyQualifiedDomainName");
            if (c.Regions is null)
                reset.Add("Regions");
            if (c.ResourcePath is null && c.Type is "HTTP" or "HTTPS" or "HTTP_STR_MATCH" or "HTTPS_STR_MATCH")
                reset.Add("ResourcePath");
        }
        else if (c.ChildHealthChecks is null)
            reset.Add("ChildHealthChecks");
        return E("UpdateHealthCheckRequest",
            E("HealthCheckVersion", version.ToString(CultureInfo.InvariantCulture)),
            Opt("IPAddress", c.IPAddress),
            Opt("Port", Number(c.Port)),
            Opt("ResourcePath", c.ResourcePath),
            Opt("FullyQualifiedDomainName", c.FullyQualifiedDomainName),
            Opt("SearchString", c.SearchString),
            Opt("FailureThreshold", Number(c.FailureThreshold)),
            Opt("Inverted", c.Inverted),
            Opt("Disabled", c.Disabled),
            Opt("HealthThreshold", Number(c.HealthThreshold)),
            c.ChildHealthChecks is { } children ? E("ChildHealthChecks", children.Select(id => E("ChildHealthCheck", id))) : null,
            Opt("EnableSNI", c.EnableSNI),
            c.Regions is { } regions ? E("Regions", regions.Select(r => E("Region", r))) : null,
            Alarm(c.AlarmIdentifier),
            Opt("InsufficientDataHealthStatus", c.InsufficientDataHealthStatus),
            reset.Count > 0 ? E("ResetElements", reset.Select(r => E("ResettableElementName", r))) : null);
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static XElement? Alarm(JsonElement? alarm) =>
        alarm is { ValueKind: JsonValueKind.Object } a
            ? E("AlarmIdentifier",
                a.TryGetProperty("Region", out var region) ? E("Region", region.GetString()) : null,
                a.TryGetProperty("Name", out var name) ? E("Name", name.GetString()) : null)
            : null;
}
