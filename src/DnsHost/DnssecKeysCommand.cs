using System.Globalization;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Route53.Dnssec;
using DnsHost.Route53.Storage;
using DnsHost.Server;

namespace DnsHost;

/// <summary>
/// The key-rollover verbs (Dnssec:Rollover): <c>dnshost dnssec status ZONE</c> prints the zone's
/// keys, their states and timelines, and the steps ahead; <c>dnshost dnssec ds-seen ZONE KEYTAG</c>
/// tells the server that the parent now serves the new KSK's DS, which lets the double-DS rollover
/// go on; <c>dnshost dnssec ds ZONE</c> prints the DS of every KSK the parent should hold.
/// </summary>
internal static class DnssecKeysCommand
{
    /// <param name="dataPath">The API's store (Api:DataPath): <c>status</c> of a zone signed through the Route 53 API reads it.</param>
    /// <param name="api">Where the API keeps its state (Api:Store, Api:ConnectionString); <paramref name="dataPath"/> is the SQLite file.</param>
    public static int Run(CommandLine command, DnssecOptions options, string dataPath, Web.ApiOptions? api = null)
    {
        string verb = command.Positional[0];
        int expected = verb == "ds-seen" ? 3 : 2;
        if (command.Positional.Count != expected)
        {
            Console.Error.WriteLine(verb == "ds-seen" ? "dnshost: usage: dnshost dnssec ds-seen ZONE KEYTAG" : "dnshost: usage: dnshost dnssec status ZONE");
            return 64;
        }
        string zone = command.Positional[1].TrimEnd('.') + ".";
        if (!DnsName.TryParse(zone, [0], out _, out string nameError))
        {
            Console.Error.WriteLine($"dnshost: '{command.Positional[1]}' is not a zone name ({nameError})");
            return 64;
        }
        try
        {
            if (verb == "status" && HostedZoneStatus(dataPath, api, options, zone))
                return 0;
        }
        catch (ApiStoreException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        if (Store(options, zone) is not { } store)
            return 78;
        try
        {
            return verb == "status" ? Status(store, options, zone) : DsSeen(store, zone, command.Positional[2], TimeProvider.System);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// The status of API zones named <paramref name="zone"/> that have DNSSEC settings in the API's store: their ZSKs
    /// (rolled by DnsHost, as Route 53 rolls its own) with the steps ahead, and their KSKs (rolled through the API);
    /// false when there is none.
    /// </summary>
    private static bool HostedZoneStatus(string dataPath, Web.ApiOptions? api, DnssecOptions options, string zone)
    {
        bool onPostgreSql = api?.Store == ApiStoreKind.PostgreSql;
        if (!onPostgreSql && !File.Exists(dataPath))
            return false;
        using var store = onPostgreSql
            ? ApiStore.Open(ApiStoreKind.PostgreSql, api!.ConnectionString ?? throw new ApiStoreException("Api:Store is PostgreSql but Api:ConnectionString is not set"))
            : new ApiStore(dataPath);
        var documents = store.DnssecStates().ToDictionary(s => s.ZoneId, s => s.Document, StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        bool found = false;
        foreach (var hosted in store.Zones())
        {
            if (!string.Equals(hosted.Name.TrimEnd('.') + ".", zone, StringComparison.OrdinalIgnoreCase) || !documents.TryGetValue(hosted.Id, out var json))
                continue;
            var document = DnssecDocument.Deserialize(json);
            found = true;
            Console.WriteLine($"hosted zone {hosted.Id} (Route 53 API, {(onPostgreSql ? store.Description : dataPath)}): DNSSEC {document.ServeSignature}; the ZSK is rolled by DnsHost, the KSKs through the API");
            var ring = HostedZoneDnssec.ZoneSigningKeyRing(document, zone);
            var lines = KeyRingStatus.Describe(ring, options.Rollover.HostedZoneTimings(ring.DnskeyTtl, ring.MaxTtl), now);
            for (int i = 0; i < lines.Count; i++)
            {
                // The API zone's steps are taken by the server's rollover timer (every second), queried or not.
                string line = lines[i].Replace("(due: at the server's next query)", "(due: at the server's next tick)", StringComparison.Ordinal);
                Console.WriteLine(document.ServeSignature == DnssecDocument.Signing ? line : line.Replace("next:", "next (once signing is enabled again):", StringComparison.Ordinal));
                if (i != 1)
                    continue;
                foreach (var ksk in document.KeySigningKeys)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"KSK   {KeyTag.Compute(ksk.Dnskey),-6} {ksk.Dnskey[3],-4} {ksk.Status.ToLowerInvariant(),-10} {ksk.CreatedDate.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  (through the API: {ksk.Name})"));
                }
            }
        }
        return found;
    }

    private static int Status(KeyRingStore store, DnssecOptions options, string zone)
    {
        var ring = store.Load(zone);
        if (ring is null)
        {
            Console.Error.WriteLine($"dnshost: {zone} has no key ring in {store.Keys.KeyDirectory}" +
                (options.Rollover.Enabled ? " yet (the server makes it when it first signs the zone)" : " (Dnssec:Rollover:Enabled is off: one combined key, never rolled)"));
            return 1;
        }
        foreach (var line in KeyRingStatus.Describe(ring, options.Rollover.Timings(ring.DnskeyTtl, ring.MaxTtl), DateTimeOffset.UtcNow))
            Console.WriteLine(line);
        return 0;
    }

    /// <summary>Records that the parent serves the DS of KSK <paramref name="tagText"/>; the server takes it up within a second.</summary>
    internal static int DsSeen(KeyRingStore store, string zone, string tagText, TimeProvider time)
    {
        if (!ushort.TryParse(tagText, out ushort tag))
        {
            Console.Error.WriteLine($"dnshost: '{tagText}' is not a key tag (0-65535)");
            return 64;
        }
        if (store.MarkDsSeen(zone, tag, time.GetUtcNow(), out string problem) is not { } key)
        {
            Console.Error.WriteLine($"dnshost: {problem}");
            return 1;
        }
        Console.WriteLine($"{zone}: the DS of KSK {tag} is in the parent since {key.DsSeen:u}; the server swaps the KSKs once the parent's DS TTL and propagation delay have passed (dnshost dnssec status {zone})");
        return 0;
    }

    /// <summary>
    /// <c>dnshost dnssec ds ZONE</c> with rollovers on: the DS of the active KSK and of a new one that
    /// waits for the parent. A zone with no keys yet gets its first KSK and ZSK, as the server would.
    /// </summary>
    public static int PrintRingDs(DnssecOptions options, string zone, byte[] origin)
    {
        if (Store(options, zone) is not { } store)
            return 78;
        try
        {
            var ring = store.Load(zone);
            if (ring is null && store.Keys.TryLoad(zone) is { } csk)
            {
                // The server will keep this combined key as the zone's KSK.
                using (csk)
                    Print(origin, csk.DnskeyRData, "active");
                return 0;
            }
            var now = DateTimeOffset.UtcNow;
            ring ??= store.Update(zone, r =>
            {
                r ??= new KeyRing { Zone = KeyStore.Normalise(zone) };
                KeyRollover.Advance(r, now, options.Rollover.Timings(0, 0), role => store.Generate(zone, role, options.AlgorithmNumber!.Value, now));
                Console.Error.WriteLine($"dnshost: made the first KSK and ZSK of {zone} in {store.PathOf(zone)}");
                return r;
            })!;
            foreach (var key in ring.Keys.Where(k => k.Role == KeyRole.Ksk && k.State is KeyState.Active or KeyState.Generated or KeyState.Retired))
                Print(origin, key.DnskeyRData, key.State switch
                {
                    KeyState.Generated => key.DsSeen is null ? "new: put this DS in the parent beside the old, then dnshost dnssec ds-seen" : "new: seen in the parent",
                    KeyState.Retired => "retired: keep this DS in the parent until the key is removed (dnshost dnssec status)",
                    _ => "active",
                });
            return 0;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 1;
        }
    }

    private static void Print(byte[] origin, byte[] dnskey, string note)
    {
        string owner = DnsName.ToText(origin);
        Span<byte> buffer = stackalloc byte[64];
        Console.WriteLine($"; KSK {KeyTag.Compute(dnskey)}: {note}");
        foreach (byte digestType in new[] { DsDigestType.Sha256, DsDigestType.Sha384 })
        {
            var digest = buffer[..DsDigestType.Length(digestType)];
            DsDigest.Compute(digestType, origin, dnskey, digest);
            Console.WriteLine($"{owner}\tIN\tDS\t{KeyTag.Compute(dnskey)} {dnskey[3]} {digestType} {Convert.ToHexString(digest)}");
        }
        Console.WriteLine($"; {owner}\tIN\tDNSKEY\t{RecordData.ToText((ushort)RecordType.DNSKEY, dnskey)}");
    }

    private static KeyRingStore? Store(DnssecOptions options, string zone)
    {
        if (!options.Enabled)
            options.SignedZones = [zone];
        try
        {
            return new KeyRingStore(ZoneSigners.FromOptions(options, Environment.CurrentDirectory)!.Store);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return null;
        }
    }
}
