using System.Buffers.Binary;
using System.Security.Cryptography;
using DnsHost.Protocol;
using DnsHost.Zones;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server;

/// <summary>
/// What zone transfers need from the rest of the server: the TSIG keys, who may transfer what, and a
/// journal of every zone's changes. It sits in front of the <see cref="ZoneRegistry"/> (see
/// <see cref="Attach"/>): every new version of a zone, whatever made it (file reload, API change batch,
/// UPDATE), passes through <see cref="Publish"/> before anyone can see it, where it gets a serial greater
/// than the one served (by <see cref="TransferOptions.SerialPolicy"/>, unless it raised the serial itself)
/// and its delta goes into the journal. The last serial of every zone is kept on disk with a digest of
/// its content, so a restart neither reuses a serial nor bumps one for nothing.
/// </summary>
public sealed partial class TransferService
{
    private readonly string? _stateDirectory;
    private readonly ILogger _logger;

    public TransferService(TransferOptions options, TsigKeyring keys, IEnumerable<string> defaultTransferAllow, string? stateDirectory, ILogger logger)
    {
        Options = options;
        Keys = keys;
        Access = new TransferAccess(defaultTransferAllow, options.Zones, keys);
        Journal = new ZoneJournal(options.JournalMaxChanges, options.JournalMaxBytes, stateDirectory);
        _stateDirectory = stateDirectory;
        _logger = logger;
        foreach (var zone in options.Zones.Where(z => z.Update.Count > 0))
            _updatePolicies[TransferAccess.Normalize(zone.Name)] = UpdatePolicy.Parse(zone.Name, zone.Update, keys);
        if (stateDirectory is not null)
            Directory.CreateDirectory(stateDirectory);
    }

    public TransferOptions Options { get; }
    public TsigKeyring Keys { get; }
    public TransferAccess Access { get; }
    public ZoneJournal Journal { get; }
    public TimeProvider Time => Keys.Time;

    private readonly Dictionary<string, UpdatePolicy> _updatePolicies = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The zone's dynamic update rules, or null when it takes no updates.</summary>
    public UpdatePolicy? UpdatePolicyOf(string origin) => _updatePolicies.GetValueOrDefault(origin);

    public bool TakesUpdates => _updatePolicies.Count > 0;

    /// <summary>The zones served as a secondary (NOTIFY from their primaries, expiry); null when none are configured.</summary>
    public SecondaryService? Secondaries { get; set; }

    /// <summary>Where accepted updates are committed (set by the host, which knows the stores).</summary>
    public Lazy<IZoneUpdateStore>? UpdateStore { get; set; }

    private long _incremental;
    private long _full;

    /// <summary>IXFR answered from the journal, and whole-zone transfers (AXFR, or IXFR answered with the zone), since start.</summary>
    public long IncrementalTransfers => Interlocked.Read(ref _incremental);
    public long FullTransfers => Interlocked.Read(ref _full);

    internal void CountTransfer(bool incremental) => Interlocked.Increment(ref incremental ? ref _incremental : ref _full);

    /// <summary>Puts <see cref="Publish"/> in front of every change of the registry.</summary>
    public void Attach(ZoneRegistry registry) => registry.Publishing = Publish;

    /// <summary>
    /// Gives each changed zone of <paramref name="next"/> its serial and journals its delta against the
    /// version in <paramref name="current"/>; returns the catalog to publish. Runs under the registry's write lock.
    /// </summary>
    public ZoneCatalog Publish(ZoneCatalog current, ZoneCatalog next)
    {
        var result = next;
        foreach (var zone in next.Zones.ToList())
        {
            var old = current.GetExact(zone.Origin);
            if (ReferenceEquals(old, zone))
                continue;
            try
            {
                // A secondary copy keeps its primary's serial: ours would break the primary's IXFR from it and our own secondaries'.
                bool keepSerial = next.KindOf(zone) == ZoneSourceKind.Secondary;
                var published = old is null ? Continue(zone, keepSerial) : Follow(old, zone, keepSerial);
                if (!ReferenceEquals(published, zone))
                    result = result.With(published, next.KindOf(zone) ?? ZoneSourceKind.File);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ZoneLoadException)
            {
                // The change is served all the same; only its journal entry or saved serial is missing.
                LogJournalFailed(_logger, zone.OriginText, e.Message);
            }
        }
        foreach (var gone in current.Zones)
        {
            if (next.GetExact(gone.Origin) is null)
                Journal.Clear(gone.OriginText);
        }
        return result;
    }

    /// <summary>A zone that was not served a moment ago (start-up, a new zone): carries on from the serial saved last time.</summary>
    private Zone Continue(Zone zone, bool keepSerial)
    {
        var digest = Digest(zone);
        var saved = ReadState(zone.OriginText);
        var published = zone;
        if (saved is { } state && !keepSerial && !SerialNumber.IsGreater(zone.Serial, state.Serial) && Options.SerialPolicy != SerialPolicy.Keep)
        {
            // Same content: the saved serial again. Changed while we were down: the next one after it.
            uint serial = digest.AsSpan().SequenceEqual(state.Digest) ? state.Serial : SerialNumber.Next(state.Serial, Options.SerialPolicy, Time.GetUtcNow());
            if (serial != zone.Serial)
                published = WithSerial(zone, serial);
        }
        // The journal on disk goes on only when it led to exactly this zone (the serial and content saved with its last step).
        if (saved is { } last && last.Serial == published.Serial && digest.AsSpan().SequenceEqual(last.Digest))
            Journal.Restore(zone.OriginText, published.Serial);
        else
            Journal.Clear(zone.OriginText);
        // Written (and forced to disk) only when it changed: a start with many unchanged zones syncs nothing.
        if (saved is not { } before || before.Serial != published.Serial || !digest.AsSpan().SequenceEqual(before.Digest))
            WriteState(published.OriginText, published.Serial, digest);
        return published;
    }

    /// <summary>A new version of a served zone: its serial and its journal entry.</summary>
    private Zone Follow(Zone old, Zone zone, bool keepSerial)
    {
        var delta = ZoneDelta.Compute(old, zone);
        bool soaSame = old.Soa.Ttl == zone.Soa.Ttl && SoaWithoutSerial(old).SequenceEqual(SoaWithoutSerial(zone));
        if (delta.IsEmpty && soaSame && old.Serial == zone.Serial)
            return zone;
        var published = zone;
        if (!SerialNumber.IsGreater(zone.Serial, old.Serial))
        {
            if (Options.SerialPolicy == SerialPolicy.Keep || keepSerial)
            {
                Journal.Clear(zone.OriginText);
                return zone;
            }
            published = WithSerial(zone, SerialNumber.Next(old.Serial, Options.SerialPolicy, Time.GetUtcNow()));
        }
        Journal.Add(zone.OriginText, new JournalEntry(old.Serial, published.Serial, SoaRecord(old), SoaRecord(published), delta));
        WriteState(published.OriginText, published.Serial, Digest(published));
        LogNewSerial(_logger, zone.OriginText, old.Serial, published.Serial, delta.Removed.Count, delta.Added.Count);
        return published;
    }

    public static ZoneRecord SoaRecord(Zone zone) => new(zone.Origin, (ushort)RecordType.SOA, RecordClass.IN, zone.Soa.Ttl, zone.Soa.RData[0].ToArray());

    private static ReadOnlySpan<byte> SoaWithoutSerial(Zone zone)
    {
        var rdata = zone.Soa.RData[0];
        return rdata[..^20].ToArray().Concat(rdata[^16..].ToArray()).ToArray();
    }

    private static Zone WithSerial(Zone zone, uint serial) => zone.WithSerial(serial);

    /// <summary>SHA-256 over every record (owner, type, TTL, RDATA), the SOA without its serial: "the same content".</summary>
    public static byte[] Digest(Zone zone)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> fixedPart = stackalloc byte[8];
        foreach (var node in zone.Nodes)
        {
            hash.AppendData(node.Name);
            for (int s = 0; s < node.SetCount; s++)
            {
                var set = node.SetAt(s);
                BinaryPrimitives.WriteUInt16BigEndian(fixedPart, set.Type);
                BinaryPrimitives.WriteUInt32BigEndian(fixedPart[2..], set.Ttl);
                BinaryPrimitives.WriteUInt16BigEndian(fixedPart[6..], (ushort)set.Count);
                hash.AppendData(fixedPart);
                bool soa = set.Type == (ushort)RecordType.SOA && node.Index == zone.Apex.Index;
                for (int i = 0; i < set.Count; i++)
                {
                    var rdata = set.RData[i];
                    if (soa)
                    {
                        hash.AppendData(rdata[..^20]);
                        hash.AppendData(rdata[^16..]);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)rdata.Length);
                        hash.AppendData(fixedPart[..2]);
                        hash.AppendData(rdata);
                    }
                }
            }
        }
        return hash.GetHashAndReset();
    }

    private readonly record struct SavedState(uint Serial, byte[] Digest);

    private string? StatePath(string origin) => _stateDirectory is null ? null : Path.Combine(_stateDirectory, origin.TrimEnd('.') + ".serial");

    private SavedState? ReadState(string origin)
    {
        var path = StatePath(origin);
        if (path is null || !File.Exists(path))
            return null;
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !uint.TryParse(parts[0], out uint serial))
            return null;
        try
        {
            return new SavedState(serial, Convert.FromHexString(parts[1]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private void WriteState(string origin, uint serial, byte[] digest)
    {
        var path = StatePath(origin);
        if (path is null)
            return;
        // Not forced to disk (the journal entry is): if a power cut loses this rename, the restart finds the content newer than
        // the saved serial, gives it the next serial after the saved one and drops the journal, so a secondary that took
        // the lost serial is asked nothing it cannot get (up to date, or a whole zone once). Two fsyncs less per change.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, $"{serial} {Convert.ToHexString(digest)}\n");
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {Zone} serial {From} -> {To} ({Removed} records removed, {Added} added)")]
    private static partial void LogNewSerial(ILogger logger, string zone, uint from, uint to, int removed, int added);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zone {Zone}: the change is served but its journal or saved serial could not be written: {Reason}")]
    private static partial void LogJournalFailed(ILogger logger, string zone, string reason);
}
