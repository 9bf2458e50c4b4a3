using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Route53.Client;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53.Sync;

/// <summary>A hosted zone on one side of a sync. <see cref="Name"/> is Route 53's form (lower case, trailing dot).</summary>
public sealed class SyncZone
{
    public required string Name { get; init; }
    /// <summary>The zone's id on its side; null for a zone the plan will create.</summary>
    public string? Id { get; set; }
    public bool IsPrivate { get; init; }
    public IReadOnlyList<VpcAssociation> Vpcs { get; init; } = [];
    public string? Comment { get; init; }
    public override string ToString() => $"{Name}{(IsPrivate ? " (private)" : "")}";
}

/// <summary>A health check on one side. <see cref="Key"/> matches checks across accounts: the caller reference.</summary>
public sealed record SyncHealthCheck(string Id, string Key, long Version, HealthCheckConfigJson Config);

/// <summary>
/// One end of a sync: a Route 53 account (real, or any endpoint such as a DnsHost) or a zones folder.
/// Reads are cheap to repeat; writes happen only in <see cref="SyncApplier"/>.
/// </summary>
public interface ISyncSide
{
    string Description { get; }
    /// <summary>API calls and retries so far; null for a folder.</summary>
    ClientCounters? Counters { get; }
    Task<IReadOnlyList<SyncZone>> ListZonesAsync(CancellationToken cancellationToken);
    Task<List<ResourceRecordSetJson>> ListRecordSetsAsync(SyncZone zone, CancellationToken cancellationToken);
    Task<IReadOnlyList<SyncHealthCheck>> ListHealthChecksAsync(CancellationToken cancellationToken);

    Task CreateZoneAsync(SyncZone zone, CancellationToken cancellationToken);
    /// <summary>Associates another VPC with a private zone; returns a change id to wait on, or null.</summary>
    Task<string?> AssociateVpcAsync(SyncZone zone, VpcAssociation vpc, CancellationToken cancellationToken);
    /// <summary>Applies one batch, all or nothing; returns a change id to wait on, or null when applied at once.</summary>
    Task<string?> ChangeAsync(SyncZone zone, IReadOnlyList<RecordSetChange> batch, CancellationToken cancellationToken);
    /// <summary>Waits until the change is INSYNC.</summary>
    Task WaitAsync(string changeId, TimeSpan timeout, CancellationToken cancellationToken);
    Task<SyncHealthCheck> CreateHealthCheckAsync(string key, HealthCheckConfigJson config, CancellationToken cancellationToken);
    Task<SyncHealthCheck> UpdateHealthCheckAsync(SyncHealthCheck existing, HealthCheckConfigJson config, CancellationToken cancellationToken);
    /// <summary>Makes the writes durable (a folder writes its files here).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>A Route 53 account through <see cref="IRoute53Client"/>.</summary>
public sealed partial class Route53Side(IRoute53Client client, string description, TimeProvider? time = null) : ISyncSide
{
    private readonly string _run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public string Description => description;
    public ClientCounters? Counters => client.Counters;

    public async Task<IReadOnlyList<SyncZone>> ListZonesAsync(CancellationToken cancellationToken)
    {
        var zones = new List<SyncZone>();
        foreach (var summary in await client.ListHostedZonesAsync(cancellationToken))
        {
            IReadOnlyList<VpcAssociation> vpcs = [];
            if (summary.IsPrivate)
                vpcs = (await client.GetHostedZoneAsync(summary.Id, cancellationToken)).Vpcs;
            zones.Add(new SyncZone { Name = SyncNames.Normalize(summary.Name), Id = summary.Id, IsPrivate = summary.IsPrivate, Vpcs = vpcs, Comment = summary.Comment });
        }
        return zones;
    }

    public async Task<List<ResourceRecordSetJson>> ListRecordSetsAsync(SyncZone zone, CancellationToken cancellationToken) =>
        zone.Id is null ? [] : [.. await client.ListResourceRecordSetsAsync(zone.Id, cancellationToken)];

    public async Task<IReadOnlyList<SyncHealthCheck>> ListHealthChecksAsync(CancellationToken cancellationToken) =>
        (await client.ListHealthChecksAsync(cancellationToken)).Select(c => new SyncHealthCheck(c.Id, c.CallerReference, c.Version, c.Config)).ToList();

    public async Task CreateZoneAsync(SyncZone zone, CancellationToken cancellationToken)
    {
        // One caller reference per zone and run, so a later run can create the zone anew after someone
        // deleted it. A retry whose first attempt did create the zone is refused (HostedZoneAlreadyExists,
        // Route 53 is not idempotent here): the zone with that reference is the one made.
        string reference = $"dnshost-sync:{_run}:{zone.Name}{(zone.IsPrivate ? ":private" : "")}";
        reference = reference[..Math.Min(reference.Length, 128)];
        try
        {
            var (created, _) = await client.CreateHostedZoneAsync(zone.Name, reference, zone.Comment, zone.IsPrivate && zone.Vpcs.Count > 0 ? zone.Vpcs[0] : null, cancellationToken);
            zone.Id = created.Id;
        }
        catch (Route53ClientException e) when (e.Code == "HostedZoneAlreadyExists")
        {
            var made = (await client.ListHostedZonesAsync(cancellationToken)).FirstOrDefault(z => z.CallerReference == reference);
            if (made is null)
                throw;
            zone.Id = made.Id;
        }
    }

    public Task<string?> ChangeAsync(SyncZone zone, IReadOnlyList<RecordSetChange> batch, CancellationToken cancellationToken) =>
        client.ChangeResourceRecordSetsAsync(zone.Id!, "dnshost sync", batch, cancellationToken)!;

    public async Task<string?> AssociateVpcAsync(SyncZone zone, VpcAssociation vpc, CancellationToken cancellationToken) =>
        await client.AssociateVpcWithHostedZoneAsync(zone.Id!, vpc, cancellationToken);

    public async Task WaitAsync(string changeId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = time ?? TimeProvider.System;
        var deadline = clock.GetUtcNow() + timeout;
        var delay = TimeSpan.FromMilliseconds(200);
        while (await client.GetChangeAsync(changeId, cancellationToken) != "INSYNC")
        {
            if (clock.GetUtcNow() > deadline)
                throw new TimeoutException($"change {changeId} is still PENDING after {timeout.TotalSeconds:0} s");
            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    public async Task<SyncHealthCheck> CreateHealthCheckAsync(string key, HealthCheckConfigJson config, CancellationToken cancellationToken)
    {
        var created = await client.CreateHealthCheckAsync(key, config, cancellationToken);
        return new SyncHealthCheck(created.Id, created.CallerReference, created.Version, created.Config);
    }

    public async Task<SyncHealthCheck> UpdateHealthCheckAsync(SyncHealthCheck existing, HealthCheckConfigJson config, CancellationToken cancellationToken)
    {
        var updated = await client.UpdateHealthCheckAsync(existing.Id, existing.Version, config, cancellationToken);
        return new SyncHealthCheck(updated.Id, updated.CallerReference, updated.Version, updated.Config);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A zones folder: <c>*.json</c> documents in full fidelity (record sets, routing, health checks) and
/// <c>*.zone</c> master files as simple record sets. As a target it writes <c>NAME.json</c> documents,
/// each with the health checks its record sets use, atomically (temporary file, then rename); the
/// running server picks them up like any zone file. Master files are never rewritten.
/// </summary>
public sealed class DirectorySide(string path) : ISyncSide
{
    private readonly Dictionary<string, (string File, HostedZoneDocument? Document, List<ResourceRecordSetJson> Sets)> _zones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SyncHealthCheck> _checks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private bool _loaded;

    public string Description => "dir:" + path;
    public ClientCounters? Counters => null;

    private static string Key(SyncZone zone) => zone.Name + (zone.IsPrivate ? "private" : "");

    private void Load()
    {
        if (_loaded)
            return;
        _loaded = true;
        if (!Directory.Exists(path))
            return;
        foreach (string file in Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal))
        {
            HostedZoneDocument document;
            try
            {
                document = JsonSerializer.Deserialize<HostedZoneDocument>(File.ReadAllText(file), HostedZoneDocument.Options)
                    ?? throw new InvalidDataException("the file holds no hosted zone");
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{file}: {e.Message}", e);
            }
            string name = SyncNames.Normalize(document.HostedZone?.Name ?? Path.GetFileNameWithoutExtension(file));
            bool isPrivate = document.HostedZone?.Config?.PrivateZone == true;
            _zones[name + (isPrivate ? "private" : "")] = (file, document, document.ResourceRecordSets ?? []);
            foreach (var check in document.HealthChecks ?? [])
            {
                if (check.Id is null || check.HealthCheckConfig is null)
                    continue;
                string id = HostedZoneService.StripPrefix(check.Id, "/healthcheck/");
                _checks[id] = new SyncHealthCheck(id, check.CallerReference ?? id, check.HealthCheckVersion ?? 1, check.HealthCheckConfig);
            }
        }
        foreach (string file in Directory.GetFiles(path, "*.zone").Order(StringComparer.Ordinal))
        {
            var zone = MasterFileLoader.Load(file, path);
            _zones.TryAdd(SyncNames.Normalize(zone.OriginText), (file, null, SyncNames.RecordSets(zone).ToList()));
        }
    }

    public Task<IReadOnlyList<SyncZone>> ListZonesAsync(CancellationToken cancellationToken)
    {
        Load();
        IReadOnlyList<SyncZone> zones = _zones.Select(z => new SyncZone
        {
            Name = z.Key.EndsWith("private", StringComparison.Ordinal) ? z.Key[..^"private".Length] : z.Key,
            Id = z.Value.Document?.HostedZone?.Id is { } id ? HostedZoneService.StripPrefix(id, "/hostedzone/") : HostedZoneLoader.StableId(z.Key, false),
            IsPrivate = z.Key.EndsWith("private", StringComparison.Ordinal),
            Vpcs = z.Value.Document?.VPCs?.Select(v => new VpcAssociation(v.VPCId ?? "", v.VPCRegion ?? "")).ToList() ?? [],
            Comment = z.Value.Document?.HostedZone?.Config?.Comment,
        }).ToList();
        return Task.FromResult(zones);
    }

    public Task<List<ResourceRecordSetJson>> ListRecordSetsAsync(SyncZone zone, CancellationToken cancellationToken)
    {
        Load();
        return Task.FromResult(_zones.TryGetValue(Key(zone), out var entry) ? entry.Sets.Select(SyncNames.Copy).ToList() : []);
    }

    public Task<IReadOnlyList<SyncHealthCheck>> ListHealthChecksAsync(CancellationToken cancellationToken)
    {
        Load();
        return Task.FromResult<IReadOnlyList<SyncHealthCheck>>(_checks.Values.ToList());
    }

    public Task CreateZoneAsync(SyncZone zone, CancellationToken cancellationToken)
    {
        Load();
        string file = Path.Combine(path, zone.Name.TrimEnd('.') + (zone.IsPrivate ? ".private" : "") + ".json");
        var document = new HostedZoneDocument
        {
            HostedZone = new HostedZoneJson
            {
                Id = "/hostedzone/" + HostedZoneLoader.StableId(zone.Name, zone.IsPrivate),
                Name = zone.Name,
                Config = new HostedZoneConfigJson { Comment = zone.Comment, PrivateZone = zone.IsPrivate },
            },
            VPCs = zone.IsPrivate ? zone.Vpcs.Select(v => new VpcJson { VPCId = v.VpcId, VPCRegion = v.VpcRegion }).ToList() : null,
        };
        _zones[Key(zone)] = (file, document, []);
        zone.Id = HostedZoneLoader.StableId(zone.Name, zone.IsPrivate);
        _dirty.Add(Key(zone));
        return Task.CompletedTask;
    }

    public Task<string?> ChangeAsync(SyncZone zone, IReadOnlyList<RecordSetChange> batch, CancellationToken cancellationToken)
    {
        var (file, document, sets) = _zones[Key(zone)];
        if (document is null)
            throw new InvalidOperationException($"{file} is a master file; a sync writes only JSON zones (move it aside, or sync into another folder)");
        var next = sets.ToList();
        foreach (var change in batch)
        {
            int index = next.FindIndex(s => SyncNames.SameKey(s, change.Set));
            switch (change.Action)
            {
                case "CREATE" when index >= 0:
                    throw new InvalidOperationException($"{file}: {change.Set.Name} {change.Set.Type} already exists");
                case "DELETE" when index < 0:
                    throw new InvalidOperationException($"{file}: {change.Set.Name} {change.Set.Type} is not there to delete");
                case "DELETE":
                    next.RemoveAt(index);
                    break;
                default:
                    if (index >= 0)
                        next[index] = change.Set;
                    else
                        next.Add(change.Set);
                    break;
            }
        }
        _zones[Key(zone)] = (file, document, next);
        _dirty.Add(Key(zone));
        return Task.FromResult<string?>(null);
    }

    public Task WaitAsync(string changeId, TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> AssociateVpcAsync(SyncZone zone, VpcAssociation vpc, CancellationToken cancellationToken)
    {
        var (file, document, _) = _zones[Key(zone)];
        if (document is null)
            throw new InvalidOperationException($"{file} is a master file; it cannot hold VPC associations");
        document.VPCs = [.. document.VPCs ?? [], new VpcJson { VPCId = vpc.VpcId, VPCRegion = vpc.VpcRegion }];
        _dirty.Add(Key(zone));
        return Task.FromResult<string?>(null);
    }

    public Task<SyncHealthCheck> CreateHealthCheckAsync(string key, HealthCheckConfigJson config, CancellationToken cancellationToken)
    {
        var check = new SyncHealthCheck(Guid.NewGuid().ToString(), key, 1, config);
        _checks[check.Id] = check;
        _dirty.UnionWith(_zones.Keys);
        return Task.FromResult(check);
    }

    public Task<SyncHealthCheck> UpdateHealthCheckAsync(SyncHealthCheck existing, HealthCheckConfigJson config, CancellationToken cancellationToken)
    {
        var check = existing with { Version = existing.Version + 1, Config = config };
        _checks[check.Id] = check;
        _dirty.UnionWith(_zones.Keys);
        return Task.FromResult(check);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(path);
        foreach (string key in _dirty)
        {
            var (file, document, sets) = _zones[key];
            if (document is null)
                continue;
            document.ResourceRecordSets = sets;
            // The checks the sets use, with the children of calculated ones, travel with the zone.
            var used = new HashSet<string>(sets.Select(s => s.HealthCheckId).OfType<string>(), StringComparer.Ordinal);
            foreach (var id in used.ToList())
                used.UnionWith(_checks.TryGetValue(id, out var c) ? c.Config.ChildHealthChecks ?? [] : []);
            document.HealthChecks = used.Where(_checks.ContainsKey).Order(StringComparer.Ordinal)
                .Select(id => new HealthCheckJson { Id = id, CallerReference = _checks[id].Key, HealthCheckVersion = _checks[id].Version, HealthCheckConfig = _checks[id].Config })
                .ToList();
            if (document.HealthChecks.Count == 0)
                document.HealthChecks = null;
            string temporary = file + ".tmp";
            await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(document, HostedZoneDocument.Options), cancellationToken);
            File.Move(temporary, file, overwrite: true);
        }
        _dirty.Clear();
    }
}

/// <summary>Names and record-set keys as the sync compares them.</summary>
public static class SyncNames
{
    /// <summary>Route 53's form of a name: lower case, trailing dot, octal escapes.</summary>
    public static string Normalize(string name) => Route53Names.TryParse(name, out var wire, out _) ? Route53Names.ToText(wire) : name.ToLowerInvariant();

    public static bool SameKey(ResourceRecordSetJson a, ResourceRecordSetJson b) =>
        Normalize(a.Name ?? "") == Normalize(b.Name ?? "") && a.Type == b.Type && a.SetIdentifier == b.SetIdentifier;

    public static ResourceRecordSetJson Copy(ResourceRecordSetJson set) =>
        JsonSerializer.Deserialize<ResourceRecordSetJson>(JsonSerializer.Serialize(set, HostedZoneDocument.Options), HostedZoneDocument.Options)!;

    /// <summary>A master file's records as simple record sets: grouped by name and type, with the first record's TTL.</summary>
    public static IEnumerable<ResourceRecordSetJson> RecordSets(Zone zone)
    {
        foreach (var group in zone.Records.GroupBy(r => (Name: DnsName.ToText(r.Owner).ToLowerInvariant(), r.Type)))
        {
            var first = group.First();
            yield return new ResourceRecordSetJson
            {
                Name = Route53Names.ToText(first.Owner),
                Type = RecordData.TypeToText(group.Key.Type),
                TTL = first.Ttl,
                ResourceRecords = group.Select(r => new ResourceRecordJson { Value = RecordData.ToText(r.Type, r.RData) }).ToList(),
            };
        }
    }
}
