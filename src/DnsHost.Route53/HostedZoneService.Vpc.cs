using System.Text.Json;
using DnsHost.Route53.Api;
using DnsHost.Route53.Storage;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Route53;

// VPC associations of private zones (route53-behaviour.md 1.5), and the record sets of zones from files.
public sealed partial class HostedZoneService
{
    /// <summary>The VPC ids Route 53 accepts: "vpc-" and 1-1024 characters in all. DnsHost has no EC2 to ask whether the VPC exists.</summary>
    private static void CheckVpc(VpcAssociation vpc)
    {
        if (!vpc.VpcId.StartsWith("vpc-", StringComparison.Ordinal) || vpc.VpcId.Length is < 5 or > 1024 || !vpc.VpcId.Skip(4).All(char.IsAsciiLetterOrDigit))
            throw new Route53Exception("InvalidVPCId", $"The VPC ID '{vpc.VpcId}' is not a valid VPC id (vpc- followed by letters and digits)");
        if (vpc.VpcRegion.Length is < 1 or > 64)
            throw new Route53Exception("InvalidInput", "VPCRegion must be 1 to 64 characters");
    }

    /// <summary>One VPC sees at most one private zone of each name: ConflictingDomainExists otherwise.</summary>
    private void CheckNoPrivateZoneFor(string name, VpcAssociation vpc, string? except)
    {
        foreach (var zone in List())
        {
            if (zone.IsPrivate && zone.Id != except && string.Equals(zone.Name, name, StringComparison.OrdinalIgnoreCase) && zone.Vpcs.Contains(vpc))
                throw new Route53Exception("ConflictingDomainExists", $"The VPC {vpc.VpcId} in {vpc.VpcRegion} is already associated with another hosted zone with the same name, {name} ({zone.Id})");
        }
    }

    /// <summary>AssociateVPCWithHostedZone: the zone's clients from that VPC's networks see it from the next query.</summary>
    public ApiChange AssociateVpc(string id, VpcAssociation vpc, string? comment)
    {
        id = StripPrefix(id, "/hostedzone/");
        lock (_write)
        {
            var (document, _) = Writable(id);
            if (document.HostedZone?.Config?.PrivateZone != true)
                throw new Route53Exception("PublicZoneVPCAssociation", $"Hosted zone {id} is public; a VPC can be associated only with a private hosted zone");
            CheckVpc(vpc);
            var vpcs = document.VPCs ?? [];
            if (vpcs.Any(v => v.VPCId == vpc.VpcId && v.VPCRegion == vpc.VpcRegion))
                throw new Route53Exception("ConflictingDomainExists", $"The VPC {vpc.VpcId} in {vpc.VpcRegion} is already associated with hosted zone {id}");
            CheckNoPrivateZoneFor(document.HostedZone.Name!, vpc, except: id);
            return Replace(id, document, next => next.VPCs = [.. vpcs, new VpcJson { VPCId = vpc.VpcId, VPCRegion = vpc.VpcRegion }], comment);
        }
    }

    /// <summary>DisassociateVPCFromHostedZone: a private zone keeps at least one VPC.</summary>
    public ApiChange DisassociateVpc(string id, VpcAssociation vpc, string? comment)
    {
        id = StripPrefix(id, "/hostedzone/");
        lock (_write)
        {
            var (document, _) = Writable(id);
            CheckVpc(vpc);
            var vpcs = document.VPCs ?? [];
            int index = vpcs.FindIndex(v => v.VPCId == vpc.VpcId && v.VPCRegion == vpc.VpcRegion);
            if (index < 0)
                throw new Route53Exception("VPCAssociationNotFound", $"The specified VPC {vpc.VpcId} ({vpc.VpcRegion}) and hosted zone {id} are not currently associated.", 404);
            if (vpcs.Count == 1)
                throw new Route53Exception("LastVPCAssociation", $"The VPC {vpc.VpcId} is the last VPC associated with the private hosted zone {id}; Route 53 does not disassociate the last VPC.");
            return Replace(id, document, next => next.VPCs = vpcs.Where((_, i) => i != index).ToList(), comment);
        }
    }

    /// <summary>Private zones associated with one VPC, API and file zones alike, in id order.</summary>
    public IReadOnlyList<HostedZoneView> ListByVpc(VpcAssociation vpc) =>
        List().Where(z => z.IsPrivate && z.Vpcs.Contains(vpc)).ToList();

    /// <summary>Edits a copy of a zone's document, compiles it, stores it with a change record, and swaps it in. Callers hold the write lock.</summary>
    private ApiChange Replace(string id, HostedZoneDocument document, Action<HostedZoneDocument> edit, string? comment)
    {
        var next = JsonSerializer.Deserialize<HostedZoneDocument>(JsonSerializer.Serialize(document, HostedZoneDocument.Options), HostedZoneDocument.Options)!;
        edit(next);
        var zone = CompileForApi(next, id);
        var change = new ApiChange(NewId('C'), Time.GetUtcNow(), comment);
        Save(id, next, change);
        var old = _zones[id].Zone;
        _zones[id] = (next, zone);
        _registry.Update(c => c.Replace(old, zone, ZoneSourceKind.Api));
        return change;
    }

    /// <summary>A file zone's record sets in Route 53's order, worked out once per loaded version of the zone.</summary>
    private (string Key, ResourceRecordSetJson Set)[] SortedFileRecordSets(string id)
    {
        var zone = _registry.Current.AllZones.FirstOrDefault(z => !_zones.Values.Any(a => ReferenceEquals(a.Zone, z.Identity)) && FileId(z) == id)
            ?? throw Route53Exception.NoSuchHostedZone(id);
        return _fileSorted.GetValue(zone, z => Sort(FileRecordSets(z).ToList()));
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Zone, (string Key, ResourceRecordSetJson Set)[]> _fileSorted = new();

    /// <summary>
    /// The record sets of a zone from a file: a JSON zone's sets as its document gives them, a master
    /// file's records grouped by name and type (the TTL of the first record of each set).
    /// </summary>
    private static IEnumerable<ResourceRecordSetJson> FileRecordSets(Zone zone)
    {
        if (zone.HostedZone is { RecordSets.Count: > 0 } info)
        {
            foreach (var set in info.RecordSets)
            {
                var copy = Sync.SyncNames.Copy(set);
                copy.Name = Route53Names.TryParse(set.Name ?? zone.OriginText, out var wire, out _) ? Route53Names.ToText(wire) : set.Name;
                yield return copy;
            }
            yield break;
        }
        foreach (var set in Sync.SyncNames.RecordSets(zone))
            yield return set;
    }
}
