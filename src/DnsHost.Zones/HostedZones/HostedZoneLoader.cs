using System.Buffers.Binary;
using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Zones.HealthChecks;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones.HostedZones;

/// <summary>
/// Loads a zones/*.json hosted zone (Route 53 API shapes) into a <see cref="Zone"/>: simple record sets
/// become plain RRsets, routed and alias sets become <see cref="RecordSetGroup"/>s. Everything Route 53
/// would refuse in a change batch is refused here, naming the file, the record set and the reason.
/// </summary>
public static class HostedZoneLoader
{
    // Route 53 defaults for a new hosted zone (route53-behaviour.md 1.2).
    public const uint DefaultSoaTtl = 900, DefaultNsTtl = 172800;
    public const string DefaultSoaContact = "awsdns-hostmaster.amazon.com.";

    public static Zone Load(string path, RoutingEnvironment environment, RoutingOptions options, string? zonesDirectory = null, List<ZoneProblem>? warnings = null,
        ZoneSourceLimits? limits = null)
    {
        string display = MasterFileLoader.DisplayName(path, zonesDirectory);
        HostedZoneDocument? document;
        try
        {
            using var stream = ZoneSourceFile.TryOpen(path, (limits ?? ZoneSourceLimits.Default).MaxFileBytes, out string openError)
                ?? throw new ZoneLoadException([new ZoneProblem(display, 0, openError)]);
            document = JsonSerializer.Deserialize<HostedZoneDocument>(stream, HostedZoneDocument.Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 2 } p ? $"{p.TrimStart('$', '.')}: " : "";
            string message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown field {UnknownMember(e.Message)}; the Route 53 API has no such field here"
                : e.Message.Split(" Path:")[0];
            throw new ZoneLoadException([new ZoneProblem(display, (int)(e.LineNumber ?? -1) + 1, where + message)]);
        }
        catch (IOException e)
        {
            throw new ZoneLoadException([new ZoneProblem(display, 0, e.Message)]);
        }
        if (document is null)
            throw new ZoneLoadException([new ZoneProblem(display, 0, "the file holds no hosted zone (null)")]);
        return Build(document, display, Path.GetFileNameWithoutExtension(path), environment, options, warnings);
    }

    public static Zone Build(HostedZoneDocument document, string source, string? fileOrigin, RoutingEnvironment environment, RoutingOptions options, List<ZoneProblem>? warnings = null)
    {
        var context = new LoadContext(source, warnings ?? []);
        string nameText = document.HostedZone?.Name ?? fileOrigin ?? "";
        if (!Route53Names.TryParse(nameText, out var origin, out var nameError))
            throw new ZoneLoadException([new ZoneProblem(source, 0, $"HostedZone.Name '{nameText}': {nameError}")]);
        if (DnsName.LabelCount(origin) < 2)
            context.Error($"HostedZone.Name '{nameText}': a hosted zone cannot be made for a top-level domain");
        string originText = Route53Names.ToText(origin);
        bool isPrivate = document.HostedZone?.Config?.PrivateZone == true;
        string id = StripPrefix(document.HostedZone?.Id, "/hostedzone/") ?? StableId(originText, isPrivate);

        var vpcs = new List<VpcAssociation>();
        ulong vpcMask = 0;
        foreach (var vpc in document.VPCs ?? [])
        {
            if (string.IsNullOrEmpty(vpc.VPCId) || string.IsNullOrEmpty(vpc.VPCRegion))
            {
                context.Error("VPCs: every VPC needs VPCId and VPCRegion");
                continue;
            }
            vpcs.Add(new VpcAssociation(vpc.VPCId, vpc.VPCRegion));
            ulong bit = environment.Vpcs.MaskOf(vpc.VPCId);
            if (bit == 0)
                context.Warn($"VPC {vpc.VPCId} has no client networks in the Vpcs configuration; no client sees this zone through it");
            vpcMask |= bit;
        }
        if (isPrivate && vpcs.Count == 0)
            context.Error("a private hosted zone needs at least one VPC (VPCs)");
        if (!isPrivate && vpcs.Count > 0)
            context.Error("VPCs are given but Config.PrivateZone is not true: a VPC cannot be associated with a public zone (PublicZoneVPCAssociation)");

        var healthChecks = new HashSet<string>(StringComparer.Ordinal);
        var specs = new List<HealthCheckSpec>();
        foreach (var check in document.HealthChecks ?? [])
        {
            if (string.IsNullOrEmpty(check.Id))
            {
                context.Error("HealthChecks: every health check needs an Id");
                continue;
            }
            if (!healthChecks.Add(check.Id))
            {
                context.Error($"health check {check.Id}: the Id is used twice");
                continue;
            }
            var problems = new List<string>();
            var spec = HealthCheckSpec.Compile(check.Id, check.HealthCheckConfig, source, problems, check.CallerReference, check.HealthCheckVersion ?? 1);
            foreach (var problem in problems)
                context.Error($"health check {check.Id}: {problem}");
            if (spec is not null)
                specs.Add(spec);
        }

        var info = new HostedZoneInfo
        {
            Id = id,
            Name = originText,
            CallerReference = document.HostedZone?.CallerReference,
            Comment = document.HostedZone?.Config?.Comment,
            IsPrivate = isPrivate,
            Vpcs = vpcs.ToArray(),
            VpcMask = vpcMask,
            HealthChecks = specs.ToArray(),
            RecordSets = document.ResourceRecordSets ?? [],
        };

        var collections = CompileCollections(document.CidrCollections ?? [], context);

        var compiler = new RecordSetCompiler(context, origin, originText, info, environment, options, healthChecks, collections) { TrafficPolicies = document.TrafficPolicyInstances };
        var (records, groups) = compiler.Compile(document.ResourceRecordSets ?? []);

        // A zone without SOA or NS gets what a new Route 53 hosted zone gets.
        if (!records.Exists(r => r.Type == (ushort)RecordType.NS && r.Owner.AsSpan().SequenceEqual(origin)))
        {
            foreach (var ns in options.EffectiveNameServers)
                records.Add(new ZoneRecord(origin, (ushort)RecordType.NS, RecordClass.IN, DefaultNsTtl, DnsName.Parse(ns.EndsWith('.') ? ns : ns + ".")));
        }
        if (!records.Exists(r => r.Type == (ushort)RecordType.SOA))
        {
            string first = options.EffectiveNameServers[0];
            var mname = DnsName.Parse(first.EndsWith('.') ? first : first + ".");
            records.Add(new ZoneRecord(origin, (ushort)RecordType.SOA, RecordClass.IN, DefaultSoaTtl, Soa(mname, DnsName.Parse(DefaultSoaContact), 1, 7200, 900, 1209600, 86400)));
        }
        context.ThrowIfErrors();
        return ZoneBuilder.Build(origin, records, source, context.Warnings, groups, info);
    }

    private static byte[] Soa(byte[] mname, byte[] rname, uint serial, uint refresh, uint retry, uint expire, uint minimum)
    {
        var rdata = new byte[mname.Length + rname.Length + 20];
        mname.CopyTo(rdata, 0);
        rname.CopyTo(rdata, mname.Length);
        var tail = rdata.AsSpan(mname.Length + rname.Length);
        BinaryPrimitives.WriteUInt32BigEndian(tail, serial);
        BinaryPrimitives.WriteUInt32BigEndian(tail[4..], refresh);
        BinaryPrimitives.WriteUInt32BigEndian(tail[8..], retry);
        BinaryPrimitives.WriteUInt32BigEndian(tail[12..], expire);
        BinaryPrimitives.WriteUInt32BigEndian(tail[16..], minimum);
        return rdata;
    }

    /// <summary>Whether a CIDR collection may hold this block: null when it may, otherwise what is wrong.</summary>
    public static string? CheckCidrBlock(string cidr, out IpPrefix prefix)
    {
        if (!IpPrefix.TryParse(cidr, out prefix) || !cidr.Contains('/'))
            return $"'{cidr}' is not a CIDR block";
        // Route 53 4.9: IPv4 blocks /1-/24, IPv6 /1-/48; the zero-length block is the default location "*" instead.
        if (prefix.Length < 1 || prefix.Length > (prefix.IsV6 ? 48 : 24))
            return $"{cidr} has a prefix length outside {(prefix.IsV6 ? "1-48" : "1-24")}";
        return null;
    }

    /// <summary>Whether a CIDR location name is 1-16 characters of [0-9A-Za-z_-].</summary>
    public static bool IsCidrLocationName(string location) =>
        location.Length is >= 1 and <= 16 && location.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static Dictionary<string, CidrCollection> CompileCollections(List<CidrCollectionJson> input, LoadContext context)
    {
        var result = new Dictionary<string, CidrCollection>(StringComparer.Ordinal);
        foreach (var collection in input)
        {
            string name = collection.Name ?? collection.Id ?? "";
            if (string.IsNullOrEmpty(collection.Id))
            {
                context.Error($"CidrCollections: collection '{name}' has no Id");
                continue;
            }
            var blocks = new List<(string Location, string Cidr)>();
            foreach (var location in collection.Locations ?? [])
            {
                foreach (var cidr in location.CidrList ?? [])
                    blocks.Add((location.LocationName ?? "", cidr));
            }
            foreach (var block in collection.CidrBlocks ?? [])
                blocks.Add((block.LocationName ?? "", block.CidrBlock ?? ""));
            var locations = new List<string>();
            var indexes = new Dictionary<string, CidrLocation>(StringComparer.Ordinal);
            var table = new PrefixTable<CidrLocation>.Builder();
            foreach (var (location, cidr) in blocks)
            {
                if (!IsCidrLocationName(location))
                {
                    context.Error($"CidrCollections: collection '{name}': location name '{location}' must be 1-16 characters of [0-9A-Za-z_-]");
                    continue;
                }
                if (CheckCidrBlock(cidr, out var prefix) is { } problem)
                {
                    context.Error($"CidrCollections: collection '{name}', location {location}: {problem}");
                    continue;
                }
                if (!indexes.TryGetValue(location, out var entry))
                {
                    indexes[location] = entry = new CidrLocation(location, locations.Count);
                    locations.Add(location);
                }
                if (!table.TryAdd(prefix, entry))
                    context.Error($"CidrCollections: collection '{name}': block {cidr} is listed twice");
            }
            if (!result.TryAdd(collection.Id, new CidrCollection(collection.Id, name, locations, table.Build())))
                context.Error($"CidrCollections: collection id {collection.Id} is listed twice");
        }
        return result;
    }

    private static string? StripPrefix(string? id, string prefix) =>
        id is null ? null : id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id;

    /// <summary>A Route 53-looking id ("Z" and upper-case alphanumerics) that stays the same across loads of one zone.</summary>
    public static string StableId(string name, bool isPrivate)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes((isPrivate ? "private:" : "public:") + name));
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var chars = new char[20];
        chars[0] = 'Z';
        for (int i = 1; i < chars.Length; i++)
            chars[i] = alphabet[hash[i] % alphabet.Length];
        return new string(chars);
    }

    private static string UnknownMember(string message)
    {
        int start = message.IndexOf('\'');
        int end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[start..(end + 1)] : "";
    }

    internal sealed class LoadContext(string source, List<ZoneProblem> warnings)
    {
        public List<ZoneProblem> Errors { get; } = [];
        public List<ZoneProblem> Warnings { get; } = warnings;
        public string Source { get; } = source;

        public void Error(string message) => Errors.Add(new ZoneProblem(Source, 0, message));
        public void Warn(string message) => Warnings.Add(new ZoneProblem(Source, 0, message, IsError: false));

        public void ThrowIfErrors()
        {
            if (Errors.Count > 0)
                throw new ZoneLoadException(Errors);
        }
    }
}

/// <summary>
/// The change of an API zone compiled on its own, so a batch that only touches plain record sets is
/// applied to the served zone as a diff (<see cref="Zone.Apply"/>) instead of compiling every set again.
/// </summary>
public static class HostedZoneDiff
{
    /// <summary>
    /// The served zone after a batch, or null when the batch needs a whole compile: the zone has routed
    /// or alias sets, or the batch touches one (or a CNAME, SOA or NS, whose rules look across sets).
    /// </summary>
    /// <param name="upserted">The touched sets as they are after the batch.</param>
    /// <param name="deleted">The touched sets that are gone, as (name, type).</param>
    /// <param name="document">The zone's document after the batch (listed through the API).</param>
    public static Zone? TryApply(Zone zone, HostedZoneDocument document, IReadOnlyList<ResourceRecordSetJson> upserted, IReadOnlyList<(string Name, string Type)> deleted, RoutingEnvironment environment, RoutingOptions options)
    {
        if (zone.HasGroups || zone.HostedZone is not { } info)
            return null;
        foreach (var set in upserted)
        {
            if (set.SetIdentifier is not null || set.AliasTarget is not null || set.HealthCheckId is not null || set.TrafficPolicyInstanceId is not null || set.Type is "CNAME" or "SOA" or "NS")
                return null;
        }
        var changes = new ZoneChanges();
        foreach (var (name, type) in deleted)
        {
            if (type is "CNAME" or "SOA" or "NS" || !Route53Names.TryParse(name, out var wire, out _) || !Enum.TryParse<RecordType>(type, out var code))
                return null;
            changes.Remove(wire, (ushort)code);
        }
        var context = new HostedZoneLoader.LoadContext(zone.Source, []);
        var compiler = new RecordSetCompiler(context, zone.Origin, zone.OriginText, info, environment, options, [], []);
        var (records, groups) = compiler.Compile([.. upserted]);
        context.ThrowIfErrors();
        if (groups.Count > 0)
            return null;
        foreach (var set in records.GroupBy(r => (Convert.ToHexString(r.Owner), r.Type)))
        {
            var first = set.First();
            // A CNAME already at the name conflicts with the new set; let the whole compile word it as Route 53 does.
            if (zone.Find(Lower(first.Owner)) is { } node && node.Cname is not null)
                return null;
            changes.Replace(first.Owner, first.Type, first.Ttl, set.Select(r => r.RData).ToArray());
        }
        var next = new HostedZoneInfo
        {
            Id = info.Id, Name = info.Name, CallerReference = info.CallerReference, Comment = info.Comment, IsPrivate = info.IsPrivate,
            Vpcs = info.Vpcs, VpcMask = info.VpcMask, HealthChecks = info.HealthChecks, RecordSets = document.ResourceRecordSets ?? [],
        };
        return zone.Apply(changes, next);
    }

    private static byte[] Lower(byte[] name)
    {
        var lower = new byte[name.Length];
        DnsName.ToLower(name, lower);
        return lower;
    }
}
