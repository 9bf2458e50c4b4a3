using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones.HostedZones;

/// <summary>
/// Checks a hosted zone's resource record sets the way Route 53 checks a change batch, and compiles
/// them: simple sets into records, routed and alias sets into <see cref="RecordSetGroup"/>s.
/// </summary>
internal sealed class RecordSetCompiler(
    HostedZoneLoader.LoadContext context, byte[] origin, string originText, HostedZoneInfo zone,
    RoutingEnvironment environment, RoutingOptions options, HashSet<string> healthChecks, Dictionary<string, CidrCollection> collections)
{
    private static readonly HashSet<string> SupportedTypes = ["A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT", "HTTPS", "SVCB", "SSHFP", "TLSA"];
    private static readonly HashSet<string> PolicyTypes = ["A", "AAAA", "CAA", "CNAME", "MX", "NAPTR", "PTR", "SPF", "SRV", "TXT", "HTTPS", "SVCB", "SSHFP", "TLSA"];

    /// <summary>The traffic policy instances that sets may name (API zones); null for zone files.</summary>
    public IReadOnlyDictionary<string, TrafficPolicyInstanceSource>? TrafficPolicies { get; init; }

    private sealed class Parsed
    {
        public TrafficPolicyInstanceSource? TrafficPolicy;
        public required ResourceRecordSetJson Json;
        public required byte[] Name;
        public required string NameText;
        public required ushort Type;
        public required string TypeText;
        public RoutingPolicy Policy;
        public string Description = "";
        public List<byte[]> Values = [];
        public uint Ttl;
        public CidrCollection? Collection;
        public int CidrLocation = -1;
        public AwsRegion? Region;
        public double Latitude, Longitude;
        public bool HasCoordinates;
    }

    public (List<ZoneRecord> Records, List<RecordSetGroup> Groups) Compile(List<ResourceRecordSetJson> input)
    {
        var parsed = new List<Parsed>();
        foreach (var json in input)
        {
            var set = Parse(json);
            if (set is not null)
                parsed.Add(set);
        }

        var identities = new HashSet<(string, ushort, string?)>();
        var byNameType = new Dictionary<(string Name, ushort Type), List<Parsed>>();
        var order = new List<(string Name, ushort Type)>();
        foreach (var set in parsed)
        {
            if (!identities.Add((set.NameText, set.Type, set.Json.SetIdentifier)))
            {
                context.Error($"Tried to create resource record set {set.Description} but it already exists");
                continue;
            }
            if (!byNameType.TryGetValue((set.NameText, set.Type), out var list))
            {
                byNameType[(set.NameText, set.Type)] = list = [];
                order.Add((set.NameText, set.Type));
            }
            list.Add(set);
        }

        // RFC 1034 3.6.2 and Route 53: a CNAME stands alone at its name, and never at the apex.
        foreach (var byName in byNameType.Keys.GroupBy(k => k.Name))
        {
            var types = byName.Select(k => k.Type).ToList();
            if (!types.Contains((ushort)RecordType.CNAME))
                continue;
            // One message each, in Route 53's words: at the apex the apex rule alone (the SOA and NS beside it go unsaid).
            if (byName.Key == originText)
                context.Error(Route53Texts.CnameAtApex(originText));
            else if (types.Any(t => t != (ushort)RecordType.CNAME))
                context.Error(Route53Texts.CnameConflicts(byName.Key, originText));
        }

        var records = new List<ZoneRecord>();
        var groups = new List<RecordSetGroup>();
        foreach (var key in order)
        {
            var sets = byNameType[key];
            if (!CheckGroup(sets))
                continue;
            var first = sets[0];
            if (first.TrafficPolicy is { } instance)
            {
                groups.Add(instance.Policy.Compile(first.Name, instance.Ttl, environment, options, w => context.Warn($"record set {first.Description}: {w}")));
                continue;
            }
            if (first.Policy == RoutingPolicy.Simple && first.Json.AliasTarget is null)
            {
                foreach (var value in first.Values)
                    records.Add(new ZoneRecord(first.Name, first.Type, RecordClass.IN, first.Ttl, value));
                continue;
            }
            // Route 53 keeps one TTL per weighted group, rewriting the group to the latest one.
            if (first.Policy == RoutingPolicy.Weighted && sets.Where(s => s.Json.AliasTarget is null).Select(s => s.Ttl).Distinct().Count() > 1)
                context.Warn($"{key.Name} {RecordData.TypeToText(key.Type)}: weighted record sets have different TTLs; Route 53 keeps one TTL per group (each set is served with its own here)");
            var routed = sets.Select(s => Compile(s)).ToArray();
            var collection = first.Policy == RoutingPolicy.IpBased ? first.Collection : null;
            groups.Add(new RecordSetGroup(first.Name, first.Type, first.Policy, routed, collection));
        }
        CheckAliasTargets(parsed, byNameType);
        return (records, groups);
    }

    private Parsed? Parse(ResourceRecordSetJson json)
    {
        string rawName = json.Name ?? "";
        string describe = $"[name='{rawName}', type='{json.Type}'{(json.SetIdentifier is null ? "" : $", set-identifier='{json.SetIdentifier}'")}]";
        if (!Route53Names.TryParse(rawName, out var name, out var nameError))
        {
            context.Error($"record set {describe}: the name is invalid: {nameError}");
            return null;
        }
        string nameText = Route53Names.ToText(name);
        describe = $"[name='{nameText}', type='{json.Type}'{(json.SetIdentifier is null ? "" : $", set-identifier='{json.SetIdentifier}'")}]";
        string typeText = json.Type?.ToUpperInvariant() ?? "";
        if (!SupportedTypes.Contains(typeText))
        {
            context.Error($"record set {describe}: type '{json.Type}' is not supported by Route 53");
            return null;
        }
        if (!DnsName.IsSubdomainOf(name, origin))
        {
            context.Error($"RRSet with DNS name {nameText} is not permitted in zone {originText}");
            return null;
        }
        var set = new Parsed { Json = json, Name = name, NameText = nameText, Type = (ushort)Enum.Parse<RecordType>(typeText), TypeText = typeText, Description = describe };
        int errors = context.Errors.Count;
        void Fail(string reason) => context.Error($"record set {describe}: {reason}");

        if (json.TrafficPolicyInstanceId is { } instanceId)
        {
            // The set a traffic policy instance created: the policy's document says how it answers.
            if (json.TTL is not null || json.ResourceRecords is not null || json.AliasTarget is not null || json.SetIdentifier is not null || json.HealthCheckId is not null)
                Fail("a record set created by a traffic policy instance has only Name, Type and TrafficPolicyInstanceId");
            else if (TrafficPolicies?.GetValueOrDefault(instanceId) is not { } instance)
                Fail($"traffic policy instance {instanceId} does not exist (DnsHost serves traffic policy instances created through its API)");
            else if (instance.Policy.Type != set.Type)
                Fail($"traffic policy instance {instanceId} creates {instance.Policy.RecordType} record sets, not {typeText}");
            else
                set.TrafficPolicy = instance;
            return context.Errors.Count == errors ? set : null;
        }
        bool hasData = json.TTL is not null || json.ResourceRecords is not null;
        if (json.AliasTarget is not null && hasData)
            Fail("Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found more than one");
        else if (json.AliasTarget is null && (json.TTL is null || json.ResourceRecords is null))
            Fail(json.TTL is null && json.ResourceRecords is null ? "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none" : json.TTL is null ? "TTL is required with ResourceRecords" : "ResourceRecords is required with TTL");

        var policies = new List<string>();
        if (json.Weight is not null) policies.Add("Weight");
        if (json.Region is not null) policies.Add("Region");
        if (json.GeoLocation is not null) policies.Add("GeoLocation");
        if (json.GeoProximityLocation is not null) policies.Add("GeoProximityLocation");
        if (json.Failover is not null) policies.Add("Failover");
        if (json.MultiValueAnswer is not null) policies.Add("MultiValueAnswer");
        if (json.CidrRoutingConfig is not null) policies.Add("CidrRoutingConfig");
        if (policies.Count > 1)
            Fail($"a record set has at most one routing policy, but this one has {string.Join(" and ", policies)}");
        set.Policy = policies.Count == 0 ? RoutingPolicy.Simple : policies[0] switch
        {
            "Weight" => RoutingPolicy.Weighted,
            "Region" => RoutingPolicy.Latency,
            "GeoLocation" => RoutingPolicy.Geolocation,
            "GeoProximityLocation" => RoutingPolicy.Geoproximity,
            "Failover" => RoutingPolicy.Failover,
            "MultiValueAnswer" => RoutingPolicy.MultiValue,
            _ => RoutingPolicy.IpBased,
        };
        if (policies.Count > 0 && string.IsNullOrEmpty(json.SetIdentifier))
            Fail($"SetIdentifier is required with {policies[0]} (a {PolicyName(set.Policy)} record set)");
        if (policies.Count == 0 && json.SetIdentifier is not null)
            Fail("SetIdentifier is only allowed on a record set with a routing policy (Weight, Region, GeoLocation, GeoProximityLocation, Failover, MultiValueAnswer or CidrRoutingConfig)");
        if (json.SetIdentifier is { Length: > 128 })
            Fail("SetIdentifier is longer than 128 characters");
        if (set.Policy != RoutingPolicy.Simple && !PolicyTypes.Contains(typeText))
            Fail($"a {PolicyName(set.Policy)} record set cannot be of type {typeText}");
        if (set.Policy == RoutingPolicy.Simple && json.HealthCheckId is not null && json.AliasTarget is null)
            context.Warn($"record set {describe}: a simple record set ignores its health check (Route 53 4.1)");
        if (zone.IsPrivate && set.Policy is RoutingPolicy.Geoproximity or RoutingPolicy.IpBased)
            Fail($"{PolicyName(set.Policy)} routing is not available in private hosted zones");
        if (zone.IsPrivate && set.Type == (ushort)RecordType.NS && !name.AsSpan().SequenceEqual(origin))
            Fail("private hosted zones cannot delegate (no NS records below the apex)");
        if (json.HealthCheckId is not null && !healthChecks.Contains(json.HealthCheckId))
            context.Warn($"record set {describe}: health check {json.HealthCheckId} is not among this file's HealthChecks; it counts as healthy until something reports on it");

        CheckPolicyFields(set, Fail);

        if (json.AliasTarget is { } alias)
        {
            if (string.IsNullOrEmpty(alias.DNSName) || string.IsNullOrEmpty(alias.HostedZoneId) || alias.EvaluateTargetHealth is null)
                Fail("AliasTarget needs HostedZoneId, DNSName and EvaluateTargetHealth");
            if (set.Policy == RoutingPolicy.MultiValue)
                Fail("a multivalue answer record set cannot be an alias");
            if (set.Type is (ushort)RecordType.NS or (ushort)RecordType.SOA)
                Fail($"an alias cannot be of type {typeText}");
        }
        else if (json.ResourceRecords is { } values && json.TTL is { } ttl)
        {
            if (ttl is < 0 or > int.MaxValue)
                Fail($"TTL {ttl} is outside 0-2147483647");
            set.Ttl = (uint)Math.Clamp(ttl, 0, int.MaxValue);
            if (values.Count == 0)
                Fail("ResourceRecords is empty; a record set needs at least one value");
            if (values.Count > 400)
                Fail($"a record set holds at most 400 values ({values.Count} given)");
            if (set.Type == (ushort)RecordType.CNAME && values.Count > 1)
                Fail("a CNAME record set holds exactly one value");
            if (set.Policy == RoutingPolicy.MultiValue && set.Type == (ushort)RecordType.CNAME)
                Fail("a multivalue answer record set cannot be a CNAME");
            foreach (var value in values)
            {
                if (value.Value is null)
                {
                    Fail("a ResourceRecord has no Value");
                    continue;
                }
                if (value.Value.Length > 4000)
                {
                    Fail("a Value is longer than 4,000 characters");
                    continue;
                }
                if (!Route53Values.TryEncode(set.Type, value.Value, out var rdata, out var valueError))
                    Fail($"invalid value '{value.Value}': {valueError}");
                else if (set.Values.Exists(v => v.AsSpan().SequenceEqual(rdata)))
                    Fail($"the value '{value.Value}' is listed twice");
                else
                    set.Values.Add(rdata);
            }
        }
        return context.Errors.Count == errors ? set : null;
    }

    private void CheckPolicyFields(Parsed set, Action<string> fail)
    {
        var json = set.Json;
        if (json.Weight is { } weight && weight is < 0 or > 255)
            fail($"Weight {weight} is outside 0-255");
        if (json.Failover is { } failover && failover is not ("PRIMARY" or "SECONDARY"))
            fail($"Failover must be PRIMARY or SECONDARY, not '{failover}'");
        if (json.MultiValueAnswer == false)
            fail("MultiValueAnswer must be true when present");
        if (json.Region is { } region)
        {
            set.Region = AwsRegions.Find(region);
            if (set.Region is null)
                fail($"Region '{region}' is not an AWS Region");
        }
        if (json.GeoLocation is { } geo)
        {
            string? continent = geo.ContinentCode, country = geo.CountryCode, subdivision = geo.SubdivisionCode;
            if (continent is not null && country is not null)
                fail("GeoLocation: ContinentCode and CountryCode cannot both be given");
            else if (continent is null && country is null)
                fail("GeoLocation needs ContinentCode or CountryCode (\"*\" for the default location)");
            else if (continent is not null && !Countries.IsKnownContinent(continent))
                fail($"GeoLocation: ContinentCode '{continent}' is not supported (AF, AN, AS, EU, NA, OC, SA)");
            else if (country is not null && country != "*" && !Countries.IsKnownCountry(country))
                fail($"GeoLocation: CountryCode '{country}' is not supported");
            if (subdivision is not null && (country != "US" || !Countries.IsKnownUsSubdivision(subdivision)))
                fail(country != "US" ? "GeoLocation: SubdivisionCode is supported only with CountryCode US" : $"GeoLocation: SubdivisionCode '{subdivision}' is not a US state");
        }
        if (json.GeoProximityLocation is { } proximity)
        {
            int given = (proximity.AWSRegion is null ? 0 : 1) + (proximity.LocalZoneGroup is null ? 0 : 1) + (proximity.Coordinates is null ? 0 : 1);
            if (given != 1)
                fail("GeoProximityLocation needs exactly one of AWSRegion, LocalZoneGroup and Coordinates");
            if (proximity.Bias is { } bias && bias is < -99 or > 99)
                fail($"GeoProximityLocation: Bias {bias} is outside -99..99");
            if (proximity.AWSRegion is { } r)
            {
                set.Region = AwsRegions.Find(r);
                if (set.Region is null)
                    fail($"GeoProximityLocation: AWSRegion '{r}' is not an AWS Region");
            }
            if (proximity.LocalZoneGroup is { } lz)
            {
                // A Local Zone group ("us-west-2-lax-1") sits by its parent Region; use the Region's reference point.
                var parts = lz.Split('-');
                set.Region = parts.Length >= 3 ? AwsRegions.Find(string.Join('-', parts[..3])) : null;
                if (set.Region is null)
                    fail($"GeoProximityLocation: LocalZoneGroup '{lz}' does not name a known Region's Local Zone");
            }
            if (proximity.Coordinates is { } c)
            {
                if (!double.TryParse(c.Latitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90
                    || !double.TryParse(c.Longitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || lon is < -180 or > 180)
                    fail("GeoProximityLocation: Coordinates need Latitude -90..90 and Longitude -180..180");
                else
                    (set.Latitude, set.Longitude, set.HasCoordinates) = (lat, lon, true);
            }
            if (set.Region is { } proximityRegion && !set.HasCoordinates)
                (set.Latitude, set.Longitude, set.HasCoordinates) = (proximityRegion.Latitude, proximityRegion.Longitude, true);
        }
        if (set.Policy == RoutingPolicy.Latency && set.Region is { } latencyRegion)
            (set.Latitude, set.Longitude, set.HasCoordinates) = (latencyRegion.Latitude, latencyRegion.Longitude, true);
        if (json.CidrRoutingConfig is { } cidr)
        {
            if (cidr.CollectionId is null || !collections.TryGetValue(cidr.CollectionId, out var collection))
                fail($"CidrRoutingConfig: CIDR collection '{cidr.CollectionId}' does not exist (NoSuchCidrCollectionException); define it under CidrCollections");
            else
            {
                set.Collection = collection;
                if (cidr.LocationName != "*")
                {
                    int index = collection.Locations.ToList().IndexOf(cidr.LocationName ?? "");
                    if (index < 0)
                        fail($"CidrRoutingConfig: collection '{collection.Name}' has no location '{cidr.LocationName}' (NoSuchCidrLocationException)");
                    set.CidrLocation = index;
                }
            }
        }
    }

    /// <summary>Checks what must hold across the sets of one name and type.</summary>
    private bool CheckGroup(List<Parsed> sets)
    {
        int errors = context.Errors.Count;
        var first = sets[0];
        foreach (var other in sets.Skip(1))
        {
            if (other.Policy != first.Policy)
            {
                context.Error(first.Policy == RoutingPolicy.Simple || other.Policy == RoutingPolicy.Simple
                    ? $"record set {other.Description}: a simple record set cannot share its name and type with {PolicyName(first.Policy == RoutingPolicy.Simple ? other.Policy : first.Policy)} record sets"
                    : $"record set {other.Description} cannot be a {PolicyName(other.Policy)} record set because {PolicyName(first.Policy)} record sets with the same name and type exist; all sets of one name and type use one routing policy");
                return false;
            }
        }
        if (first.Policy == RoutingPolicy.Simple && sets.Count > 1)
            context.Error($"Tried to create resource record set {sets[1].Description} but it already exists");
        int limit = first.Policy == RoutingPolicy.Geoproximity ? 30 : 100;
        if (sets.Count > limit)
            context.Error($"{first.NameText} {first.TypeText}: at most {limit} {PolicyName(first.Policy)} record sets per name and type ({sets.Count} given)");
        switch (first.Policy)
        {
            case RoutingPolicy.Failover:
                foreach (var role in new[] { "PRIMARY", "SECONDARY" })
                {
                    if (sets.Count(s => s.Json.Failover == role) > 1)
                        context.Error($"{first.NameText} {first.TypeText}: a failover pair has one {role} record set, not several");
                }
                break;
            case RoutingPolicy.Latency:
                // The later set of the two is the one refused (an API batch appends new sets after the zone's).
                foreach (var same in sets.GroupBy(s => s.Json.Region).Where(g => g.Count() > 1))
                    context.Error(Route53Texts.DuplicateLatencyRegion(first.NameText, first.TypeText, same.ElementAt(1).Json.SetIdentifier, same.Key));
                break;
            case RoutingPolicy.Geolocation:
                foreach (var same in sets.GroupBy(s => (s.Json.GeoLocation!.ContinentCode, s.Json.GeoLocation.CountryCode, s.Json.GeoLocation.SubdivisionCode)).Where(g => g.Count() > 1))
                    context.Error($"{first.NameText} {first.TypeText}: the location {same.Key.ContinentCode ?? same.Key.CountryCode}{(same.Key.SubdivisionCode is null ? "" : "-" + same.Key.SubdivisionCode)} has more than one geolocation record set");
                break;
            case RoutingPolicy.IpBased:
                if (sets.Select(s => s.Collection?.Id).Distinct().Count() > 1)
                    context.Error($"{first.NameText} {first.TypeText}: all IP-based record sets of one name and type must use the same CIDR collection");
                foreach (var same in sets.GroupBy(s => s.Json.CidrRoutingConfig!.LocationName).Where(g => g.Count() > 1))
                    context.Error($"{first.NameText} {first.TypeText}: the CIDR location {same.Key} has more than one record set");
                break;
        }
        return context.Errors.Count == errors;
    }

    /// <summary>Route 53 refuses an alias to a record set that does not exist, or of another type.</summary>
    private void CheckAliasTargets(List<Parsed> sets, Dictionary<(string Name, ushort Type), List<Parsed>> byNameType)
    {
        foreach (var set in sets)
        {
            if (set.Json.AliasTarget is not { DNSName: not null } alias || !IsSameZone(alias, out var target))
                continue;
            string targetText = Route53Names.ToText(target);
            if (!byNameType.ContainsKey((targetText, set.Type)))
            {
                string reason = byNameType.ContainsKey((targetText, (ushort)RecordType.CNAME))
                    ? "the target is a CNAME record set and an alias must have its target's type"
                    : "that target was not found";
                context.Error($"Tried to create an alias that targets {targetText}, type {set.TypeText} in zone {zone.Id}, but {reason} (record set {set.Description})");
            }
        }
    }

    private bool IsSameZone(AliasTargetJson alias, out byte[] target)
    {
        target = [];
        if (alias.DNSName is null || !Route53Names.TryParse(alias.DNSName, out target, out _))
            return false;
        string hostedZoneId = alias.HostedZoneId?.Replace("/hostedzone/", "", StringComparison.Ordinal) ?? "";
        return hostedZoneId == zone.Id || DnsName.IsSubdomainOf(target, origin);
    }

    private RoutedRecordSet Compile(Parsed set)
    {
        var json = set.Json;
        RecordSet? data = set.Values.Count > 0 ? new RecordSet(set.Name, set.Type, set.Ttl, set.Values.ToArray()) : null;
        AliasTarget? alias = null;
        if (json.AliasTarget is { } a)
        {
            bool same = IsSameZone(a, out var target);
            alias = new AliasTarget
            {
                HostedZoneId = a.HostedZoneId ?? "",
                DnsName = a.DNSName ?? "",
                Target = target,
                EvaluateTargetHealth = a.EvaluateTargetHealth == true,
                SameZone = same,
                External = same ? null : ExternalTarget(set, a.DNSName ?? ""),
            };
        }
        var geo = json.GeoLocation;
        return new RoutedRecordSet
        {
            SetIdentifier = json.SetIdentifier,
            Data = data,
            Alias = alias,
            HealthCheckId = json.HealthCheckId,
            HealthSlot = json.HealthCheckId is null || set.Policy == RoutingPolicy.Simple ? -1 : environment.Health.SlotFor(json.HealthCheckId),
            Weight = (byte)Math.Clamp(json.Weight ?? 0, 0, 255),
            IsPrimary = json.Failover == "PRIMARY",
            Continent = geo?.ContinentCode,
            Country = geo?.CountryCode == "*" ? null : geo?.CountryCode,
            Subdivision = geo?.SubdivisionCode,
            IsDefaultLocation = geo?.CountryCode == "*",
            Region = set.Region?.Name,
            HasCoordinates = set.HasCoordinates,
            Latitude = set.Latitude,
            Longitude = set.Longitude,
            Bias = json.GeoProximityLocation?.Bias ?? 0,
            CidrLocationName = json.CidrRoutingConfig?.LocationName,
            CidrLocation = set.CidrLocation,
        };
    }

    /// <summary>An alias to an AWS resource (load balancer, CloudFront, S3 website ...): the addresses configured for its name.</summary>
    private RecordSet? ExternalTarget(Parsed set, string dnsName)
    {
        string key = dnsName.TrimEnd('.').ToLowerInvariant();
        if (!options.AliasTargets.TryGetValue(key, out var values) && !(key.StartsWith("dualstack.", StringComparison.Ordinal) && options.AliasTargets.TryGetValue(key["dualstack.".Length..], out values)))
        {
            context.Warn($"record set {set.Description}: alias target {dnsName} is outside this zone and has no addresses under Routing:AliasTargets; it answers SERVFAIL");
            return null;
        }
        var family = set.Type == (ushort)RecordType.AAAA ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var rdata = values.Select(v => IPAddress.TryParse(v, out var ip) ? ip : null).Where(ip => ip?.AddressFamily == family).Select(ip => ip!.GetAddressBytes()).ToArray();
        if (set.Type is not ((ushort)RecordType.A or (ushort)RecordType.AAAA) || rdata.Length == 0)
        {
            context.Warn($"record set {set.Description}: Routing:AliasTargets has no {set.TypeText} address for {dnsName}; it answers SERVFAIL");
            return null;
        }
        return new RecordSet(set.Name, set.Type, options.AliasTargetTtl, rdata);
    }

    public static string PolicyName(RoutingPolicy policy) => policy switch
    {
        RoutingPolicy.Simple => "simple",
        RoutingPolicy.Weighted => "weighted",
        RoutingPolicy.Failover => "failover",
        RoutingPolicy.Geolocation => "geolocation",
        RoutingPolicy.Geoproximity => "geoproximity",
        RoutingPolicy.Latency => "latency",
        RoutingPolicy.MultiValue => "multivalue answer",
        _ => "IP-based",
    };
}
