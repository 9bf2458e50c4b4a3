using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>A configured point of trust: DS records (hashes of keys) or DNSKEY records for one zone.</summary>
public sealed record TrustAnchor(byte[] Zone, IReadOnlyList<byte[]> Ds, IReadOnlyList<byte[]> Keys);

/// <summary>
/// Where chains of trust start (RFC 4033 3.1): the IANA root KSKs built in, or the DS/DNSKEY records
/// of a file in the format of Unbound's trust-anchor-file and BIND's trust-anchors (one record a
/// line: "owner [TTL] [IN] DS|DNSKEY rdata"; BIND's "name static-ds|initial-ds|static-key|initial-key
/// rdata;" inside a trust-anchors { } block too), and the negative trust anchors of RFC 7646, below
/// which everything is treated as insecure.
/// </summary>
public sealed class TrustAnchors
{
    /// <summary>The root KSK-2017 and KSK-2024, from IANA's root-anchors.xml.</summary>
    public static readonly string[] RootDs =
    [
        "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
        "38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
    ];

    private readonly Dictionary<string, TrustAnchor> _anchors;
    private readonly byte[][] _negative;

    public TrustAnchors(IEnumerable<TrustAnchor> anchors, IEnumerable<byte[]> negative)
    {
        _anchors = anchors.ToDictionary(a => Key(a.Zone));
        _negative = negative.ToArray();
    }

    public static TrustAnchors BuiltIn(IEnumerable<byte[]>? negative = null) =>
        new([new TrustAnchor([0], RootDs.Select(d => ParseDs(d, "built-in")).ToArray(), [])], negative ?? []);

    public IReadOnlyCollection<TrustAnchor> All => _anchors.Values;

    /// <summary>The closest anchor at or above <paramref name="name"/>, or null (the name is outside every island of trust).</summary>
    public TrustAnchor? Closest(ReadOnlySpan<byte> name)
    {
        while (true)
        {
            if (_anchors.TryGetValue(Key(name), out var anchor))
                return anchor;
            if (name.Length <= 1)
                return null;
            name = DnsName.Parent(name);
        }
    }

    /// <summary>RFC 7646: a name at or below a negative trust anchor is not validated.</summary>
    public bool IsNegative(ReadOnlySpan<byte> name)
    {
        foreach (var domain in _negative)
        {
            if (DnsName.IsSubdomainOf(name, domain))
                return true;
        }
        return false;
    }

    private static string Key(ReadOnlySpan<byte> name)
    {
        Span<byte> lower = stackalloc byte[name.Length];
        DnsName.ToLower(name, lower);
        return Convert.ToHexString(lower);
    }

    /// <summary>Reads a trust anchor file; throws FormatException naming the file and line.</summary>
    public static TrustAnchors Load(string path, IEnumerable<byte[]> negative)
    {
        var ds = new Dictionary<string, (byte[] Zone, List<byte[]> Ds, List<byte[]> Keys)>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = Clean(raw);
            if (line.Length == 0 || line.StartsWith("trust-anchors", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("managed-keys", StringComparison.OrdinalIgnoreCase) || line.StartsWith("trusted-keys", StringComparison.OrdinalIgnoreCase)
                || line is "{" or "}" or "};")
                continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            string where = $"{path}:{number}";
            int i = 1;
            while (i < parts.Length && (uint.TryParse(parts[i], out _) || parts[i].Equals("IN", StringComparison.OrdinalIgnoreCase)))
                i++;
            if (i >= parts.Length - 1)
                throw new FormatException($"{where}: expected 'owner DS|DNSKEY rdata'");
            var type = parts[i].ToUpperInvariant();
            var rdata = string.Join(' ', parts.Skip(i + 1));
            bool isDs = type is "DS" or "STATIC-DS" or "INITIAL-DS";
            bool isKey = type is "DNSKEY" or "STATIC-KEY" or "INITIAL-KEY";
            if (!isDs && !isKey)
                throw new FormatException($"{where}: '{parts[i]}' is not DS or DNSKEY");
            if (!DnsName.TryParse(parts[0].EndsWith('.') ? parts[0] : parts[0] + ".", DnsName.Root, out var zone, out var error))
                throw new FormatException($"{where}: {error}");
            DnsName.ToLower(zone, zone);
            var key = Key(zone);
            if (!ds.TryGetValue(key, out var entry))
                ds[key] = entry = (zone, [], []);
            if (isDs)
                entry.Ds.Add(ParseDs(rdata, where));
            else
                entry.Keys.Add(ParseDnskey(rdata, where));
        }
        if (ds.Count == 0)
            throw new FormatException($"{path}: no DS or DNSKEY records");
        return new TrustAnchors(ds.Values.Select(e => new TrustAnchor(e.Zone, e.Ds, e.Keys)), negative);
    }

    /// <summary>A line without comments; BIND's quotes and statement-ending ';' dropped.</summary>
    private static string Clean(string line)
    {
        int slashes = line.IndexOf("//", StringComparison.Ordinal);
        if (slashes >= 0)
            line = line[..slashes];
        if (line.TrimStart().StartsWith('#'))
            return "";
        bool bind = line.Contains("static-", StringComparison.OrdinalIgnoreCase) || line.Contains("initial-", StringComparison.OrdinalIgnoreCase);
        if (bind)
            return line.Replace('"', ' ').Replace(';', ' ').Trim();
        // Zone-file syntax: ';' starts a comment.
        int semicolon = line.IndexOf(';');
        return (semicolon >= 0 ? line[..semicolon] : line).Trim();
    }

    /// <summary>"keytag algorithm digesttype hexdigest" (the digest may be split by spaces).</summary>
    public static byte[] ParseDs(string text, string where)
    {
        var parts = text.Split([' ', '\t', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || !ushort.TryParse(parts[0], out var tag) || !byte.TryParse(parts[1], out var algorithm) || !byte.TryParse(parts[2], out var digestType))
            throw new FormatException($"{where}: DS needs key tag, algorithm, digest type and a hex digest");
        byte[] digest;
        try { digest = Convert.FromHexString(string.Concat(parts.Skip(3))); }
        catch (FormatException) { throw new FormatException($"{where}: the DS digest is not hexadecimal"); }
        if (DsDigestType.Length(digestType) is int expected && expected > 0 && digest.Length != expected)
            throw new FormatException($"{where}: a digest of type {digestType} has {expected} octets, not {digest.Length}");
        return [(byte)(tag >> 8), (byte)tag, algorithm, digestType, .. digest];
    }

    /// <summary>"flags protocol algorithm base64key" (the key may be split by spaces).</summary>
    public static byte[] ParseDnskey(string text, string where)
    {
        var parts = text.Split([' ', '\t', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || !ushort.TryParse(parts[0], out var flags) || !byte.TryParse(parts[1], out var protocol) || !byte.TryParse(parts[2], out var algorithm))
            throw new FormatException($"{where}: DNSKEY needs flags, protocol, algorithm and a base64 key");
        byte[] key;
        try { key = Convert.FromBase64String(string.Concat(parts.Skip(3))); }
        catch (FormatException) { throw new FormatException($"{where}: the DNSKEY key is not base64"); }
        return [(byte)(flags >> 8), (byte)flags, protocol, algorithm, .. key];
    }
}
