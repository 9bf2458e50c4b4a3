using System.Globalization;
using DnsHost.Protocol;
using DnsHost.Route53.Api;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

/// <summary>
/// What Route 53 checks in a change batch before it looks at the zone, in its order and words:
/// the request's shape (<c>InvalidInput</c>), then the batch limits (<c>InvalidChangeBatch</c>, nothing
/// applied), then values its record parser refuses. route53-behaviour.md 2.1 and 2.2; texts in
/// docs/route53-error-texts.md.
/// </summary>
public static class ChangeBatchRules
{
    public const int MaxRecords = 1000, MaxCharacters = 32000;

    /// <summary>Schema and shape errors: InvalidInput, the first one found (Route 53 reports one).</summary>
    public static void CheckShape(IReadOnlyList<(string Action, ResourceRecordSetJson Set)> changes)
    {
        var validation = new List<string>();
        for (int i = 0; i < changes.Count; i++)
        {
            var (action, set) = changes[i];
            // AWS validation paths count list members from 1.
            string at = $"changeBatch.changes.{i + 1}.member";
            if (action is not ("CREATE" or "DELETE" or "UPSERT"))
                validation.Add(Route53Texts.Validation(action, at + ".action", "Member must satisfy enum value set: [CREATE, DELETE, UPSERT]"));
            if (set.TTL is < 0)
                validation.Add(Route53Texts.Validation(Number(set.TTL), at + ".resourceRecordSet.tTL", "Member must have value greater than or equal to 0"));
            if (set.TTL is > int.MaxValue)
                validation.Add(Route53Texts.Validation(Number(set.TTL), at + ".resourceRecordSet.tTL", "Member must have value less than or equal to 2147483647"));
            if (set.Weight is < 0)
                validation.Add(Route53Texts.Validation(Number(set.Weight), at + ".resourceRecordSet.weight", "Member must have value greater than or equal to 0"));
            if (set.Weight is > 255)
                validation.Add(Route53Texts.Validation(Number(set.Weight), at + ".resourceRecordSet.weight", "Member must have value less than or equal to 255"));
        }
        if (validation.Count > 0)
            throw new Route53Exception("InvalidInput", Route53Texts.ValidationErrors(validation));

        foreach (var (action, set) in changes)
        {
            string change = Route53Texts.ChangeWith(action, set.Name, set.Type, set.SetIdentifier);
            int sources = (set.AliasTarget is not null ? 1 : 0) + (set.TTL is not null && set.ResourceRecords is not null ? 1 : 0) + (set.TrafficPolicyInstanceId is not null ? 1 : 0);
            if (sources != 1)
                throw new Route53Exception("InvalidInput", Route53Texts.ExpectedOneDataSource(sources == 0 ? "none" : "more than one", change));
            bool policy = set.Weight is not null || set.Region is not null || set.GeoLocation is not null || set.Failover is not null
                || set.MultiValueAnswer is not null || set.CidrRoutingConfig is not null || set.GeoProximityLocation is not null;
            if (policy && set.SetIdentifier is null)
                throw new Route53Exception("InvalidInput", Route53Texts.MissingSetIdentifier(change));
            if (!policy && set.SetIdentifier is not null)
                throw new Route53Exception("InvalidInput", Route53Texts.ExpectedOnePolicy(change));
        }
    }

    private static string Number(long? value) => value!.Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Route 53's per-request quotas: 1,000 ResourceRecord elements and 32,000 characters of Value,
    /// each counted twice in an UPSERT; an alias counts as one record. Over either, nothing applies.
    /// </summary>
    public static void CheckLimits(IReadOnlyList<(string Action, ResourceRecordSetJson Set)> changes)
    {
        long records = 0, characters = 0;
        foreach (var (action, set) in changes)
        {
            int times = action == "UPSERT" ? 2 : 1;
            records += times * (set.AliasTarget is not null ? 1 : set.ResourceRecords?.Count ?? 0);
            foreach (var record in set.ResourceRecords ?? [])
                characters += times * (record.Value?.Length ?? 0);
        }
        var problems = new List<string>();
        if (records > MaxRecords)
            problems.Add(Route53Texts.RecordsLimit);
        if (characters > MaxCharacters)
            problems.Add(Route53Texts.CharactersLimit);
        if (problems.Count > 0)
            throw new Route53Exception("InvalidChangeBatch", "[" + string.Join(", ", problems) + "]", 400, problems);
    }

    /// <summary>A value of a type whose parser errors applications match on (A, AAAA, TXT, SPF), in Route 53's words; else null.</summary>
    public static string? ValueProblem(string type, string value)
    {
        switch (type)
        {
            case "A":
                if (value.Trim().Contains(' ') || value.Contains(','))
                    return Route53Texts.InvalidRecord("ARRDATANotSingleField", "Value contains spaces", value);
                return Route53Values.TryEncode((ushort)RecordType.A, value, out _, out _) ? null
                    : Route53Texts.InvalidRecord("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address", value);
            case "AAAA":
                return Route53Values.TryEncode((ushort)RecordType.AAAA, value, out _, out _) ? null
                    : Route53Texts.InvalidRecord("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address", value);
            case "TXT" or "SPF":
                if (Route53Values.TryEncode((ushort)RecordType.TXT, value, out _, out string error))
                    return null;
                return error.Contains("longer than 255", StringComparison.Ordinal)
                    ? Route53Texts.InvalidRecord("CharacterStringTooLong", "Value is too long", value)
                    : null;
            default:
                return null;
        }
    }
}
