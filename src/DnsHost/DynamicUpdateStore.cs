using System.Text;
using DnsHost.Protocol;
using DnsHost.Route53;
using DnsHost.Route53.Api;
using DnsHost.Server;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using Microsoft.Extensions.Logging;

namespace DnsHost;

/// <summary>
/// Commits dynamic updates (RFC 2136) where the zone lives, before the client is answered:
/// an API zone through a Route 53 change batch (one SQLite transaction, so ListResourceRecordSets shows
/// the change and a crash after the answer loses nothing); a zone file by writing the whole zone back to
/// the file (as Knot's zone-file sync does: comments and layout are not kept), to a temporary file that is
/// flushed to disk and then renamed over the original. Updates are serialised.
/// </summary>
public sealed partial class DynamicUpdateStore(ZoneRegistry registry, TransferService transfers, HostedZoneService api, Microsoft.Extensions.Options.IOptions<ZoneOptions> zoneOptions,
    ILogger<DynamicUpdateStore> logger) : IZoneUpdateStore
{
    private readonly Lock _lock = new();

    public (ResponseCode Code, string? Problem) Apply(Zone zone, Func<Zone, UpdatePlan> evaluate)
    {
        lock (_lock)
        {
            var catalog = registry.Current;
            var current = catalog.GetExact(zone.Origin);
            if (current is null)
                return (ResponseCode.NotAuth, "the zone is not served");
            var plan = evaluate(current);
            if (plan.Code != ResponseCode.NoError)
            {
                LogRefused(logger, current.OriginText, plan.Code.ToString(), plan.Problem ?? "");
                return (plan.Code, plan.Problem);
            }
            if (plan.Changes.Count == 0)
                return (ResponseCode.NoError, null);
            // A secondary copy changes only by transfer from its primary (updates are not forwarded).
            if (catalog.KindOf(current) == ZoneSourceKind.Secondary)
                return (ResponseCode.Refused, "the zone is a secondary: send updates to its primary");
            try
            {
                if (catalog.KindOf(current) == ZoneSourceKind.Api)
                    CommitToApi(current, plan.Changes);
                else
                    CommitToFile(current, plan.Changes);
            }
            catch (Exception e) when (e is ZoneLoadException or Route53Exception or NotSupportedException)
            {
                LogRefused(logger, current.OriginText, "REFUSED", e.Message);
                return (ResponseCode.Refused, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                LogCommitFailed(logger, current.OriginText, e.Message);
                return (ResponseCode.ServFail, e.Message);
            }
            LogAccepted(logger, current.OriginText, plan.Changes.Count);
            return (ResponseCode.NoError, null);
        }
    }

    private void CommitToApi(Zone zone, IReadOnlyList<RRsetChange> changes)
    {
        string id = zone.HostedZone!.Id!;
        var batch = new List<(string Action, ResourceRecordSetJson Set)>();
        foreach (var change in changes)
        {
            string name = Route53Names.ToText(change.Owner);
            string type = RecordData.TypeToText(change.Type);
            var existing = api.ListRecordSets(id, name, type, null, 10).Page
                .Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase) && s.Type == type).ToList();
            if (existing.Any(s => s.SetIdentifier is not null || s.AliasTarget is not null))
                throw new NotSupportedException($"{name} {type} has Route 53 routing or an alias; change it through the API");
            if (change.RData.Length == 0)
            {
                if (existing.Count == 1)
                    batch.Add(("DELETE", existing[0]));
                continue;
            }
            batch.Add(("UPSERT", new ResourceRecordSetJson
            {
                Name = name,
                Type = type,
                TTL = change.Ttl,
                ResourceRecords = change.RData.Select(r => new ResourceRecordJson { Value = RecordData.ToText(change.Type, r) }).ToList(),
            }));
        }
        if (batch.Count > 0)
            api.Change(id, "dynamic update (RFC 2136)", batch);
    }

    private void CommitToFile(Zone zone, IReadOnlyList<RRsetChange> changes)
    {
        // A zone's Source is its file as the loader names it: "<zones folder name>/<file>" (or a full path outside it).
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(zoneOptions.Value.Directory));
        var path = Path.IsPathRooted(zone.Source) ? zone.Source : Path.GetFullPath(zone.Source, Path.GetDirectoryName(folder) ?? folder);
        if (zone.HostedZone is not null || !path.EndsWith(".zone", StringComparison.OrdinalIgnoreCase) || !File.Exists(path))
            throw new NotSupportedException($"{zone.OriginText} comes from {path} ({(zone.HostedZone is null ? "master file" : "hosted zone JSON")}): dynamic updates go to master files (*.zone) and API zones only");
        var diff = new ZoneChanges();
        foreach (var change in changes)
            diff.Replace(change.Owner, change.Type, change.Ttl, change.RData);
        var next = zone.Revise(diff);
        // RFC 2136 3.6: the serial goes up with every update that changes the zone.
        if (!SerialNumber.IsGreater(next.Serial, zone.Serial))
        {
            var policy = transfers.Options.SerialPolicy == SerialPolicy.Keep ? SerialPolicy.Increment : transfers.Options.SerialPolicy;
            next = next.Revise(SerialChange(next, SerialNumber.Next(zone.Serial, policy, transfers.Time.GetUtcNow())));
        }
        // On disk first, then served: a reload of the file by the folder watcher finds the new text.
        WriteMasterFile(next, path);
        registry.Update(c => c.With(next, ZoneSourceKind.File));
    }

    private static ZoneChanges SerialChange(Zone zone, uint serial)
    {
        var rdata = zone.Soa.RData[0].ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(rdata.Length - 20), serial);
        var changes = new ZoneChanges();
        changes.Replace(zone.Origin, (ushort)RecordType.SOA, zone.Soa.Ttl, [rdata]);
        return changes;
    }

    /// <summary>The zone as a master file, written to a temporary file, flushed to disk, then renamed over <paramref name="path"/>.</summary>
    public static void WriteMasterFile(Zone zone, string path)
    {
        var text = new StringBuilder();
        text.Append("; ").Append(zone.OriginText).Append(" serial ").Append(zone.Serial)
            .Append(", written by DnsHost after a dynamic update (RFC 2136); comments of the file edited by hand are not kept\n");
        text.Append("$ORIGIN .\n");
        foreach (var r in zone.Records)
        {
            text.Append(DnsName.ToText(r.Owner)).Append(' ').Append(r.Ttl).Append(" IN ").Append(RecordData.TypeToText(r.Type)).Append(' ')
                .Append(RecordData.ToText(r.Type, r.RData)).Append('\n');
        }
        var temporary = path + ".dnshost-update";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.WriteThrough))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dynamic update of {Zone}: {Sets} record sets changed")]
    private static partial void LogAccepted(ILogger logger, string zone, int sets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dynamic update of {Zone} answered {Rcode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string zone, string rcode, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dynamic update of {Zone} could not be stored: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string zone, string reason);
}
