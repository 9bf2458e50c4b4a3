using System.Collections.Concurrent;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>Settings of the section "Dnssec": which zones are signed online, and where their keys live.</summary>
public sealed class DnssecOptions
{
    public const string Section = "Dnssec";

    /// <summary>Zones to sign (names; "*" signs every zone served).</summary>
    public List<string> SignedZones { get; set; } = [];

    /// <summary>Folder of the zones' key files (created when missing).</summary>
    public string KeyDirectory { get; set; } = "dnssec-keys";

    /// <summary>Base64 of 32 random bytes that encrypts the private keys at rest (openssl rand -base64 32).</summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>ECDSAP256SHA256 (13, the default) or ED25519 (15), for keys made from now on.</summary>
    public string Algorithm { get; set; } = "ECDSAP256SHA256";

    /// <summary>A KSK and a ZSK per zone, rolled on timers; off: one combined key per zone, never rolled.</summary>
    public RolloverOptions Rollover { get; set; } = new();

    /// <summary>Denial of existence: Compact (RFC 9824, the default) or Nsec3 (RFC 5155 with RFC 9276's parameters: no salt, no extra iterations).</summary>
    public string Denial { get; set; } = "Compact";

    /// <summary>
    /// Settings of one master-file zone, by its name ("Dnssec:Zones:example.test:Denial"); a zone named here is signed
    /// (as if in <see cref="SignedZones"/>). API zones are signed as Route 53 signs them and are not set here.
    /// </summary>
    public Dictionary<string, ZoneDnssecOptions> Zones { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Enabled => SignedZones.Count > 0 || Zones.Count > 0;

    /// <summary>Whether <paramref name="denial"/> names NSEC3 (true) or compact denial (false); null when it names neither.</summary>
    public static bool? IsNsec3(string denial) => denial.Trim().ToUpperInvariant() switch
    {
        "COMPACT" => false,
        "NSEC3" => true,
        _ => null,
    };

    /// <summary>The algorithm number, or null with the reason when the setting names none that signs here.</summary>
    public byte? AlgorithmNumber => Algorithm.Trim().ToUpperInvariant() switch
    {
        "ECDSAP256SHA256" or "13" => DnssecAlgorithm.EcdsaP256Sha256,
        "ED25519" or "15" => DnssecAlgorithm.Ed25519,
        _ => null,
    };
}

/// <summary>The DNSSEC settings of one master-file zone (section "Dnssec:Zones:NAME").</summary>
public sealed class ZoneDnssecOptions
{
    /// <summary>Compact or Nsec3 for this zone; unset: the server's <see cref="DnssecOptions.Denial"/>.</summary>
    public string? Denial { get; set; }
}

/// <summary>The signers, or none: what the service container holds (it cannot hold a null).</summary>
public sealed record DnssecSigning(ZoneSigners? Signers);

/// <summary>
/// The signers of the zones configured as signed, one per zone, keys loaded from the key store (or
/// made there on first use). Looked up per query by the zone that answers.
/// </summary>
public sealed class ZoneSigners
{
    private readonly KeyStore _store;
    private readonly byte _algorithm;
    private readonly bool _all;
    private readonly HashSet<string> _names;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ZoneSigner?> _signers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZoneKeyRoller?> _rollers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _nsec3ByZone = new(StringComparer.Ordinal);
    private RolloverOptions? _rollover;

    public ZoneSigners(KeyStore store, byte algorithm, IEnumerable<string> zones, TimeProvider? time = null)
    {
        _store = store;
        _algorithm = algorithm;
        _time = time ?? TimeProvider.System;
        _names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var zone in zones)
        {
            if (zone.Trim() == "*")
                _all = true;
            else
                _names.Add(OriginText(zone));
        }
    }

    /// <summary>Builds the signers from settings; null when no zone is signed. Throws with the setting's name when the settings are wrong.</summary>
    public static ZoneSigners? FromOptions(DnssecOptions options, string baseDirectory, TimeProvider? time = null)
    {
        if (!options.Enabled)
            return null;
        var kek = KeyStore.ParseKeyEncryptionKey(options.KeyEncryptionKey, out string problem)
            ?? throw new InvalidDataException($"invalid setting: Dnssec:KeyEncryptionKey {problem}");
        var algorithm = options.AlgorithmNumber
            ?? throw new InvalidDataException($"invalid setting: Dnssec:Algorithm '{options.Algorithm}' is not ECDSAP256SHA256 or ED25519");
        var directory = Path.IsPathRooted(options.KeyDirectory) ? options.KeyDirectory : Path.Combine(baseDirectory, options.KeyDirectory);
        if (options.Rollover.Problem() is { } problem2)
            throw new InvalidDataException($"invalid setting: {problem2}");
        bool nsec3 = DnssecOptions.IsNsec3(options.Denial)
            ?? throw new InvalidDataException($"invalid setting: Dnssec:Denial '{options.Denial}' is not Compact or Nsec3");
        var signers = new ZoneSigners(new KeyStore(directory, kek), algorithm, [.. options.SignedZones, .. options.Zones.Keys], time)
        {
            _rollover = options.Rollover.Enabled ? options.Rollover : null,
            UsesNsec3 = nsec3,
        };
        foreach (var (name, zone) in options.Zones)
        {
            if (zone?.Denial is not { } denial)
                continue;
            signers._nsec3ByZone[OriginText(name)] = DnssecOptions.IsNsec3(denial)
                ?? throw new InvalidDataException($"invalid setting: Dnssec:Zones:{name}:Denial '{denial}' is not Compact or Nsec3");
        }
        return signers;
    }

    private static string OriginText(string name) => DnsName.ToText(DnsName.Parse(name.Trim().TrimEnd('.') + ".")).ToLowerInvariant();

    /// <summary>The zones' key rings, when keys are rolled (Dnssec:Rollover:Enabled); null otherwise.</summary>
    public KeyRingStore? Rings => _rollover is null ? null : new KeyRingStore(_store);

    /// <summary>The rollover steps this server took for a zone, in order; empty when it has none.</summary>
    public IReadOnlyList<KeyRollover.RolloverStep> RolloverSteps(string originText) =>
        _rollers.TryGetValue(originText, out var roller) && roller is not null ? roller.Steps : [];

    public KeyStore Store => _store;

    /// <summary>The server's default denial: an NSEC3 chain (Dnssec:Denial = Nsec3) instead of compact denial.</summary>
    public bool UsesNsec3 { get; private init; }

    /// <summary>Whether the zone's negative answers are proved by an NSEC3 chain: its own Dnssec:Zones:NAME:Denial, else the default.</summary>
    public bool UsesNsec3For(Zone zone) => _nsec3ByZone.TryGetValue(zone.OriginText, out bool nsec3) ? nsec3 : UsesNsec3;

    /// <summary>Whether <paramref name="originText"/> ("example.test.") is configured as signed.</summary>
    public bool IsSigned(string originText) => _all || _names.Contains(originText.ToLowerInvariant());

    /// <summary>The zone's signer, or null when the zone is not signed.</summary>
    public ZoneSigner? For(Zone zone) => _rollover is not null ? RolledFor(zone) :
        _signers.TryGetValue(zone.OriginText, out var signer) ? signer : _signers.GetOrAdd(zone.OriginText, _ => Create(zone));

    private ZoneSigner? RolledFor(Zone zone)
    {
        if (!_rollers.TryGetValue(zone.OriginText, out var roller))
            roller = _rollers.GetOrAdd(zone.OriginText, o => IsSigned(o) ? new ZoneKeyRoller(o, new KeyRingStore(_store), _algorithm, _rollover!, _time) : null);
        return roller?.Current(zone);
    }

    private ZoneSigner? Create(Zone zone)
    {
        if (!IsSigned(zone.OriginText))
            return null;
        var key = _store.LoadOrCreate(zone.OriginText, _algorithm, out _);
        return new ZoneSigner(zone.Origin, key, _time);
    }
}
