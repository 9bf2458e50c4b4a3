namespace DnsHost.Zones.HostedZones;

/// <summary>
/// Route 53's own wording for the errors applications match on. Each text and where it was seen is
/// listed in docs/route53-error-texts.md; change both together.
/// </summary>
public static class Route53Texts
{
    public const string RecordsLimit = "Number of records limit of 1000 exceeded.";
    public const string CharactersLimit = "RDATA character limit of 32000 exceeded.";

    /// <summary>How InvalidInput names a change: <c>Change with [Action=CREATE, Name=..., Type=A, SetIdentifier=null]</c>.</summary>
    public static string ChangeWith(string? action, string? name, string? type, string? setIdentifier) =>
        $"Change with [Action={action ?? "null"}, Name={name ?? "null"}, Type={type ?? "null"}, SetIdentifier={setIdentifier ?? "null"}]";

    public static string ExpectedOneDataSource(string found, string change) =>
        $"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found {found} in {change}";

    public static string MissingSetIdentifier(string change) => $"Invalid request: Missing field 'SetIdentifier' in {change}";

    public static string ExpectedOnePolicy(string change) =>
        $"Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, or MultiValueAnswer], but found none in {change}";

    /// <summary>The AWS input validation message: <c>1 validation error detected: Value 'x' at 'path' failed to satisfy constraint: ...</c>.</summary>
    public static string ValidationErrors(IReadOnlyList<string> errors) =>
        $"{errors.Count} validation error{(errors.Count == 1 ? "" : "s")} detected: {string.Join("; ", errors)}";

    public static string Validation(string value, string path, string constraint) => $"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}";

    /// <summary>A value Route 53's record parser refuses: <c>Invalid Resource Record: FATAL problem: CODE (text) encountered with 'value'</c>.</summary>
    public static string InvalidRecord(string code, string text, string value) => $"Invalid Resource Record: FATAL problem: {code} ({text}) encountered with '{value}'";

    public static string CnameAtApex(string apex) => $"RRSet of type CNAME with DNS name {apex} is not permitted at apex in zone {apex}";

    /// <summary>A CNAME added where other record sets already are.</summary>
    public static string CnameConflicts(string name, string apex) =>
        $"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts with other records with the same DNS name in zone {apex}";

    /// <summary>Another type added where a CNAME already is.</summary>
    public static string ConflictsWithCname(string type, string name, string apex) =>
        $"RRSet of type {type} with DNS name {name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {apex}";

    public static string DuplicateLatencyRegion(string name, string type, string? setIdentifier, string? region) =>
        $"RRSet with DNS name {name}, type {type}, SetIdentifier {setIdentifier}, and Region Name={region} cannot be created because a latency RRSet with the same name, type and region already exists.";
}
