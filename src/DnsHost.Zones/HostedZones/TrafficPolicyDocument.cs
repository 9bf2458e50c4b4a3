using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones.HostedZones;

/// <summary>
/// A Route 53 traffic policy document (format 2015-10-01 or 2023-05-09), checked as CreateTrafficPolicy
/// checks it and compiled, per traffic policy instance, onto <see cref="RecordSetGroup"/>s: each rule is
/// a group of its policy, each branch a <see cref="RoutedRecordSet"/> whose data is an endpoint's value or
/// whose <see cref="RoutedRecordSet.Rule"/> is the nested rule's group (docs/traffic-policies.md).
/// </summary>
public sealed class TrafficPolicyDocument
{
    /// <summary>Rules nest at most this deep (a DnsHost limit: the answer path follows nested rules as it follows alias chains).</summary>
    public const int MaxDepth = RoutingSelector.MaxAliasDepth;

    private static readonly HashSet<string> RecordTypes = ["A", "AAAA", "CAA", "CNAME", "MX", "NAPTR", "PTR", "SPF", "SRV", "TXT"];
    private static readonly HashSet<string> AwsEndpointTypes = ["cloudfront", "elastic-load-balancer", "application-load-balancer", "network-load-balancer", "elastic-beanstalk", "s3-website"];
    private static readonly Dictionary<string, RoutingPolicy> RuleTypes = new(StringComparer.Ordinal)
    {
        ["failover"] = RoutingPolicy.Failover, ["geo"] = RoutingPolicy.Geolocation, ["latency"] = RoutingPolicy.Latency,
        ["geoproximity"] = RoutingPolicy.Geoproximity, ["multivalue"] = RoutingPolicy.MultiValue, ["weighted"] = RoutingPolicy.Weighted,
    };

    private readonly Dictionary<string, Endpoint> _endpoints;
    private readonly Dictionary<string, Rule> _rules;

    private TrafficPolicyDocument(string recordType, string start, bool startIsRule, Dictionary<string, Endpoint> endpoints, Dictionary<string, Rule> rules, List<string> healthChecks)
    {
        RecordType = recordType;
        Type = (ushort)Enum.Parse<RecordType>(recordType);
        Start = start;
        StartIsRule = startIsRule;
        _endpoints = endpoints;
        _rules = rules;
        HealthChecks = healthChecks;
    }

    /// <summary>The DNS type of every record set the policy creates.</summary>
    public string RecordType { get; }
    public ushort Type { get; }
    public string Start { get; }
    public bool StartIsRule { get; }
    /// <summary>The health check ids the document names (they must exist).</summary>
    public IReadOnlyList<string> HealthChecks { get; }

    private sealed record Endpoint(string Id, string Type, string Value, byte[]? RData);

    private sealed record Branch(string? EndpointReference, string? RuleReference, bool EvaluateTargetHealth, string? HealthCheck)
    {
        public byte Weight { get; init; }
        public bool IsPrimary { get; init; }
        public string? Continent { get; init; }
        public string? Country { get; init; }
        public string? Subdivision { get; init; }
        public bool IsDefault { get; init; }
        public AwsRegion? Region { get; init; }
        public double Latitude { get; init; }
        public double Longitude { get; init; }
        public bool HasCoordinates { get; init; }
        public int Bias { get; init; }
        public string Reference => EndpointReference ?? RuleReference!;
    }

    private sealed record Rule(string Id, RoutingPolicy Policy, List<Branch> Branches);

    /// <summary>Parses and checks a document; null with the reason (Route 53's InvalidTrafficPolicyDocument) when it is not valid.</summary>
    public static TrafficPolicyDocument? Parse(string json, out string error)
    {
        error = "";
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            return Read(document.RootElement, out error);
        }
        catch (JsonException e)
        {
            error = $"The document is not valid JSON: {e.Message.Split(" Path:")[0]}";
            return null;
        }
        catch (InvalidDataException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static InvalidDataException Invalid(string message) => new(message);

    private static TrafficPolicyDocument Read(JsonElement root, out string error)
    {
        error = "";
        if (root.ValueKind != JsonValueKind.Object)
            throw Invalid("The document must be a JSON object");
        Known(root, "the document", "AWSPolicyFormatVersion", "RecordType", "StartEndpoint", "StartRule", "Endpoints", "Rules");
        string version = String(root, "AWSPolicyFormatVersion", "the document") ?? throw Invalid("AWSPolicyFormatVersion is required");
        if (version is not ("2015-10-01" or "2023-05-09"))
            throw Invalid($"AWSPolicyFormatVersion '{version}' is not supported (2015-10-01 or 2023-05-09)");
        string recordType = String(root, "RecordType", "the document") ?? throw Invalid("RecordType is required");
        if (!RecordTypes.Contains(recordType))
            throw Invalid($"RecordType '{recordType}' is not supported by traffic policies ({string.Join(", ", RecordTypes)})");
        string? startEndpoint = String(root, "StartEndpoint", "the document"), startRule = String(root, "StartRule", "the document");
        if ((startEndpoint is null) == (startRule is null))
            throw Invalid("The document needs exactly one of StartEndpoint and StartRule");

        var endpoints = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
        if (root.TryGetProperty("Endpoints", out var endpointsJson))
        {
            if (endpointsJson.ValueKind != JsonValueKind.Object)
                throw Invalid("Endpoints must be an object of endpoint definitions by id");
            foreach (var property in endpointsJson.EnumerateObject())
                endpoints[property.Name] = ReadEndpoint(property.Name, property.Value, recordType);
        }
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var healthChecks = new List<string>();
        if (root.TryGetProperty("Rules", out var rulesJson))
        {
            if (rulesJson.ValueKind != JsonValueKind.Object)
                throw Invalid("Rules must be an object of rule definitions by id");
            foreach (var property in rulesJson.EnumerateObject())
            {
                if (endpoints.ContainsKey(property.Name))
                    throw Invalid($"The id '{property.Name}' names both an endpoint and a rule");
                rules[property.Name] = ReadRule(property.Name, property.Value, healthChecks);
            }
        }
        if (startEndpoint is not null && !endpoints.ContainsKey(startEndpoint))
            throw Invalid($"StartEndpoint '{startEndpoint}' is not defined in Endpoints");
        if (startRule is not null && !rules.ContainsKey(startRule))
            throw Invalid($"StartRule '{startRule}' is not defined in Rules");

        foreach (var rule in rules.Values)
        {
            foreach (var branch in rule.Branches)
            {
                if (branch.EndpointReference is { } e && !endpoints.ContainsKey(e))
                    throw Invalid($"Rule '{rule.Id}': EndpointReference '{e}' is not defined in Endpoints");
                if (branch.RuleReference is { } r && !rules.ContainsKey(r))
                    throw Invalid($"Rule '{rule.Id}': RuleReference '{r}' is not defined in Rules");
                if (rule.Policy == RoutingPolicy.MultiValue && (branch.EndpointReference is null || endpoints[branch.EndpointReference].Type != "value"))
                    throw Invalid($"Rule '{rule.Id}': a multivalue rule routes only to endpoints of Type value");
            }
        }
        if (startRule is not null)
            CheckNesting(startRule, rules, [], 1);
        return new TrafficPolicyDocument(recordType, startRule ?? startEndpoint!, startRule is not null, endpoints, rules, healthChecks.Distinct().ToList());
    }

    private static void CheckNesting(string ruleId, Dictionary<string, Rule> rules, List<string> path, int depth)
    {
        if (path.Contains(ruleId))
            throw Invalid($"Rule '{ruleId}' refers back to itself ({string.Join(" -> ", path)} -> {ruleId})");
        if (depth > MaxDepth)
            throw Invalid($"Rules nest more than {MaxDepth} deep ({string.Join(" -> ", path)} -> {ruleId})");
        path.Add(ruleId);
        foreach (var branch in rules[ruleId].Branches)
        {
            if (branch.RuleReference is { } next)
                CheckNesting(next, rules, path, depth + 1);
        }
        path.RemoveAt(path.Count - 1);
    }

    private static Endpoint ReadEndpoint(string id, JsonElement json, string recordType)
    {
        string where = $"Endpoint '{id}'";
        if (json.ValueKind != JsonValueKind.Object)
            throw Invalid($"{where} must be an object");
        Known(json, where, "Type", "Value", "Region");
        string type = String(json, "Type", where) ?? throw Invalid($"{where}: Type is required");
        string value = String(json, "Value", where) ?? throw Invalid($"{where}: Value is required");
        if (type == "value")
        {
            if (!Route53Values.TryEncode((ushort)Enum.Parse<RecordType>(recordType), value, out var rdata, out var valueError))
                throw Invalid($"{where}: Value '{value}' is not a valid {recordType} value: {valueError}");
            return new Endpoint(id, type, value, rdata);
        }
        if (!AwsEndpointTypes.Contains(type))
            throw Invalid($"{where}: Type '{type}' is not one of value, {string.Join(", ", AwsEndpointTypes)}");
        if (recordType is not ("A" or "AAAA") || (type == "s3-website" && recordType != "A"))
            throw Invalid($"{where}: an endpoint of Type {type} needs RecordType {(type == "s3-website" ? "A" : "A or AAAA")}, not {recordType}");
        if (type == "s3-website")
        {
            string region = String(json, "Region", where) ?? throw Invalid($"{where}: an s3-website endpoint needs Region");
            if (AwsRegions.Find(region) is null)
                throw Invalid($"{where}: Region '{region}' is not an AWS Region");
        }
        if (!Route53Names.TryParse(value, out _, out var nameError))
            throw Invalid($"{where}: Value '{value}' is not a domain name: {nameError}");
        return new Endpoint(id, type, value, null);
    }

    private static Rule ReadRule(string id, JsonElement json, List<string> healthChecks)
    {
        string where = $"Rule '{id}'";
        if (json.ValueKind != JsonValueKind.Object)
            throw Invalid($"{where} must be an object");
        string ruleType = String(json, "RuleType", where) ?? throw Invalid($"{where}: RuleType is required");
        if (!RuleTypes.TryGetValue(ruleType, out var policy))
            throw Invalid($"{where}: RuleType '{ruleType}' is not one of {string.Join(", ", RuleTypes.Keys)}");
        var branches = new List<Branch>();
        switch (policy)
        {
            case RoutingPolicy.Failover:
                Known(json, where, "RuleType", "Primary", "Secondary");
                foreach (var (name, primary) in new[] { ("Primary", true), ("Secondary", false) })
                {
                    if (!json.TryGetProperty(name, out var side))
                        throw Invalid($"{where}: a failover rule needs Primary and Secondary");
                    branches.Add(ReadBranch(side, $"{where} {name}", healthChecks, []) with { IsPrimary = primary });
                }
                break;
            case RoutingPolicy.Weighted:
                foreach (var (item, i) in Items(json, where, "Items"))
                {
                    var branch = ReadBranch(item, $"{where} Items[{i}]", healthChecks, ["Weight"]);
                    long weight = Number(item, "Weight", $"{where} Items[{i}]") ?? throw Invalid($"{where} Items[{i}]: Weight is required");
                    if (weight is < 0 or > 255)
                        throw Invalid($"{where} Items[{i}]: Weight {weight} is outside 0-255");
                    branches.Add(branch with { Weight = (byte)weight });
                }
                break;
            case RoutingPolicy.MultiValue:
                foreach (var (item, i) in Items(json, where, "Items"))
                    branches.Add(ReadBranch(item, $"{where} Items[{i}]", healthChecks, []));
                break;
            case RoutingPolicy.Geolocation:
                foreach (var (item, i) in Items(json, where, "Locations"))
                    branches.Add(ReadLocation(item, $"{where} Locations[{i}]", healthChecks));
                if (branches.GroupBy(b => (b.IsDefault, b.Continent, b.Country, b.Subdivision)).FirstOrDefault(g => g.Count() > 1) is { } twice)
                    throw Invalid($"{where}: the location {(twice.Key.IsDefault ? "default" : twice.Key.Continent ?? twice.Key.Country + (twice.Key.Subdivision is null ? "" : "-" + twice.Key.Subdivision))} is given more than once");
                break;
            case RoutingPolicy.Latency:
                foreach (var (item, i) in Items(json, where, "Regions"))
                {
                    string at = $"{where} Regions[{i}]";
                    var branch = ReadBranch(item, at, healthChecks, ["Region"]);
                    string name = String(item, "Region", at) ?? throw Invalid($"{at}: Region is required");
                    var region = AwsRegions.Find(name) ?? throw Invalid($"{at}: Region '{name}' is not an AWS Region");
                    branches.Add(branch with { Region = region, Latitude = region.Latitude, Longitude = region.Longitude, HasCoordinates = true });
                }
                if (branches.GroupBy(b => b.Region!.Name).FirstOrDefault(g => g.Count() > 1) is { } same)
                    throw Invalid($"{where}: the Region {same.Key} is given more than once");
                break;
            default:
                foreach (var (item, i) in Items(json, where, "GeoproximityLocations"))
                    branches.Add(ReadProximity(item, $"{where} GeoproximityLocations[{i}]", healthChecks));
                break;
        }
        return new Rule(id, policy, branches);
    }

    private static IEnumerable<(JsonElement Item, int Index)> Items(JsonElement rule, string where, string list)
    {
        Known(rule, where, "RuleType", list);
        if (!rule.TryGetProperty(list, out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            throw Invalid($"{where}: {list} must be a non-empty array");
        int limit = list == "GeoproximityLocations" ? 30 : 100;
        if (items.GetArrayLength() > limit)
            throw Invalid($"{where}: {list} has {items.GetArrayLength()} entries; at most {limit}");
        return items.EnumerateArray().Select((item, i) => (item, i));
    }

    private static Branch ReadBranch(JsonElement json, string where, List<string> healthChecks, string[] extra)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw Invalid($"{where} must be an object");
        Known(json, where, [.. extra, "EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck"]);
        string? endpoint = String(json, "EndpointReference", where), rule = String(json, "RuleReference", where);
        if ((endpoint is null) == (rule is null))
            throw Invalid($"{where} needs exactly one of EndpointReference and RuleReference");
        bool evaluate = true;
        if (json.TryGetProperty("EvaluateTargetHealth", out var e))
        {
            if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw Invalid($"{where}: EvaluateTargetHealth must be true or false");
            evaluate = e.GetBoolean();
        }
        string? check = String(json, "HealthCheck", where);
        if (check is not null)
            healthChecks.Add(check);
        return new Branch(endpoint, rule, evaluate, check);
    }

    private static Branch ReadLocation(JsonElement json, string where, List<string> healthChecks)
    {
        var branch = ReadBranch(json, where, healthChecks, ["IsDefault", "Continent", "Country", "Subdivision"]);
        bool isDefault = json.TryGetProperty("IsDefault", out var d) && d.ValueKind == JsonValueKind.True;
        string? continent = String(json, "Continent", where), country = String(json, "Country", where), subdivision = String(json, "Subdivision", where);
        int given = (isDefault ? 1 : 0) + (continent is null ? 0 : 1) + (country is null ? 0 : 1);
        if (given != 1)
            throw Invalid($"{where} needs exactly one of IsDefault, Continent and Country");
        if (continent is not null && !Countries.IsKnownContinent(continent))
            throw Invalid($"{where}: Continent '{continent}' is not supported (AF, AN, AS, EU, NA, OC, SA)");
        if (country is not null && !Countries.IsKnownCountry(country))
            throw Invalid($"{where}: Country '{country}' is not supported");
        if (subdivision is not null && (country != "US" || !Countries.IsKnownUsSubdivision(subdivision)))
            throw Invalid(country != "US" ? $"{where}: Subdivision is supported only with Country US" : $"{where}: Subdivision '{subdivision}' is not a US state");
        return branch with { IsDefault = isDefault, Continent = continent, Country = country, Subdivision = subdivision };
    }

    private static Branch ReadProximity(JsonElement json, string where, List<string> healthChecks)
    {
        var branch = ReadBranch(json, where, healthChecks, ["Region", "Latitude", "Longitude", "Bias"]);
        string? regionText = String(json, "Region", where), latitude = String(json, "Latitude", where), longitude = String(json, "Longitude", where);
        long bias = Number(json, "Bias", where) ?? 0;
        if (bias is < -99 or > 99)
            throw Invalid($"{where}: Bias {bias} is outside -99..99");
        if ((regionText is null) == (latitude is null && longitude is null))
            throw Invalid($"{where} needs either Region or Latitude and Longitude");
        if (regionText is not null)
        {
            // "aws:route53:us-east-1"; a Local Zone group ("aws:route53:us-west-2-lax-1") stands at its parent Region.
            const string prefix = "aws:route53:";
            string name = regionText.StartsWith(prefix, StringComparison.Ordinal) ? regionText[prefix.Length..] : "";
            var parts = name.Split('-');
            var region = AwsRegions.Find(name) ?? (parts.Length > 3 ? AwsRegions.Find(string.Join('-', parts[..3])) : null)
                ?? throw Invalid($"{where}: Region '{regionText}' is not aws:route53:<AWS Region or Local Zone group>");
            return branch with { Region = region, Latitude = region.Latitude, Longitude = region.Longitude, HasCoordinates = true, Bias = (int)bias };
        }
        if (!double.TryParse(latitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90
            || !double.TryParse(longitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || lon is < -180 or > 180)
            throw Invalid($"{where}: Latitude must be -90..90 and Longitude -180..180");
        return branch with { Latitude = lat, Longitude = lon, HasCoordinates = true, Bias = (int)bias };
    }

    private static void Known(JsonElement json, string where, params string[] names)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
                throw Invalid($"{where}: unknown field '{property.Name}'");
        }
    }

    private static string? String(JsonElement json, string name, string where)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw Invalid($"{where}: {name} must be a string"),
        };
    }

    /// <summary>A number given as a JSON number or as a string (the console writes "Weight": "10").</summary>
    private static long? Number(JsonElement json, string name, string where)
    {
        string? text = String(json, name, where);
        if (text is null)
            return null;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid($"{where}: {name} '{text}' is not a whole number");
    }

    /// <summary>
    /// The group an instance of this policy answers with at <paramref name="owner"/>, with its TTL. Nested
    /// rules become groups of their own under <see cref="RoutedRecordSet.Rule"/>. An AWS-resource endpoint
    /// answers like an alias to that name outside the zone: the addresses under Routing:AliasTargets.
    /// </summary>
    public RecordSetGroup Compile(byte[] owner, uint ttl, RoutingEnvironment environment, RoutingOptions options, Action<string>? warn = null)
    {
        var built = new Dictionary<string, RecordSetGroup>(StringComparer.Ordinal);
        if (!StartIsRule)
        {
            var set = EndpointSet(_endpoints[Start], owner, ttl, options, warn, Start, -1);
            return new RecordSetGroup(owner, Type, RoutingPolicy.Simple, [set]);
        }
        return Group(_rules[Start], owner, ttl, environment, options, warn, built);
    }

    private RecordSetGroup Group(Rule rule, byte[] owner, uint ttl, RoutingEnvironment environment, RoutingOptions options, Action<string>? warn, Dictionary<string, RecordSetGroup> built)
    {
        if (built.TryGetValue(rule.Id, out var done))
            return done;
        var sets = new RoutedRecordSet[rule.Branches.Count];
        for (int i = 0; i < sets.Length; i++)
        {
            var b = rule.Branches[i];
            int slot = b.HealthCheck is null ? -1 : environment.Health.SlotFor(b.HealthCheck);
            string identifier = $"{rule.Id}/{b.Reference}";
            var template = b.EndpointReference is { } e
                ? EndpointSet(_endpoints[e], owner, ttl, options, warn, identifier, slot)
                : new RoutedRecordSet { SetIdentifier = identifier, HealthSlot = slot, Rule = Group(_rules[b.RuleReference!], owner, ttl, environment, options, warn, built), EvaluateRuleHealth = b.EvaluateTargetHealth };
            sets[i] = new RoutedRecordSet
            {
                SetIdentifier = identifier,
                Data = template.Data,
                Alias = template.Alias,
                Rule = template.Rule,
                EvaluateRuleHealth = template.EvaluateRuleHealth,
                HealthCheckId = b.HealthCheck,
                HealthSlot = slot,
                Weight = b.Weight,
                IsPrimary = b.IsPrimary,
                Continent = b.Continent,
                Country = b.Country,
                Subdivision = b.Subdivision,
                IsDefaultLocation = b.IsDefault,
                Region = b.Region?.Name,
                HasCoordinates = b.HasCoordinates,
                Latitude = b.Latitude,
                Longitude = b.Longitude,
                Bias = b.Bias,
            };
        }
        var group = new RecordSetGroup(owner, Type, rule.Policy, sets);
        built[rule.Id] = group;
        return group;
    }

    private RoutedRecordSet EndpointSet(Endpoint endpoint, byte[] owner, uint ttl, RoutingOptions options, Action<string>? warn, string identifier, int slot)
    {
        if (endpoint.RData is { } rdata)
            return new RoutedRecordSet { SetIdentifier = identifier, HealthSlot = slot, Data = new RecordSet(owner, Type, ttl, [rdata]) };
        // ReadEndpoint checked the name.
        bool named = Route53Names.TryParse(endpoint.Value, out var target, out _);
        System.Diagnostics.Debug.Assert(named);
        return new RoutedRecordSet
        {
            SetIdentifier = identifier,
            HealthSlot = slot,
            Alias = new AliasTarget
            {
                HostedZoneId = "",
                DnsName = endpoint.Value.EndsWith('.') ? endpoint.Value : endpoint.Value + ".",
                Target = target,
                EvaluateTargetHealth = false,
                SameZone = false,
                External = Configured(endpoint, owner, options, warn),
            },
        };
    }

    /// <summary>The addresses configured for an AWS resource's name (Routing:AliasTargets), as alias targets outside the zone use them.</summary>
    private RecordSet? Configured(Endpoint endpoint, byte[] owner, RoutingOptions options, Action<string>? warn)
    {
        string key = endpoint.Value.TrimEnd('.').ToLowerInvariant();
        if (!options.AliasTargets.TryGetValue(key, out var values))
        {
            warn?.Invoke($"endpoint '{endpoint.Id}' ({endpoint.Type} {endpoint.Value}) has no addresses under Routing:AliasTargets; it answers SERVFAIL");
            return null;
        }
        var family = Type == (ushort)Protocol.RecordType.AAAA ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var rdata = values.Select(v => IPAddress.TryParse(v, out var ip) ? ip : null).Where(ip => ip?.AddressFamily == family).Select(ip => ip!.GetAddressBytes()).ToArray();
        if (rdata.Length == 0)
        {
            warn?.Invoke($"endpoint '{endpoint.Id}': Routing:AliasTargets has no {RecordType} address for {endpoint.Value}; it answers SERVFAIL");
            return null;
        }
        return new RecordSet(owner, Type, options.AliasTargetTtl, rdata);
    }
}

/// <summary>What a zone's compile needs of a traffic policy instance: the policy version's document and the instance's TTL.</summary>
public sealed record TrafficPolicyInstanceSource(TrafficPolicyDocument Policy, uint Ttl);
