using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>
/// Who may change what by dynamic update (RFC 2136 3.3), per zone, in the manner of BIND's update-policy:
/// each rule grants an identity (a TSIG key <c>key:name</c>, or a network) the names of a scope
/// (<c>zonesub</c>: the whole zone; <c>name X</c>: X only; <c>subdomain X</c>: X and below) and a list of
/// types (<c>ANY</c>: every type but SOA). Example: <c>key:acme name _acme-challenge.example.test TXT</c>.
/// </summary>
public sealed class UpdatePolicy
{
    private enum Scope { ZoneSub, Name, Subdomain }

    private sealed record Rule(byte[]? Key, IpPrefix? Network, Scope Scope, byte[]? Name, HashSet<ushort>? Types);

    private readonly Rule[] _rules;

    private UpdatePolicy(Rule[] rules) => _rules = rules;

    public static UpdatePolicy Parse(string zone, IEnumerable<string> entries, TsigKeyring keys) =>
        new(entries.Select(e => ParseRule(zone, e, keys)).ToArray());

    private static Rule ParseRule(string zone, string entry, TsigKeyring keys)
    {
        var parts = entry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string Problem(string what) => $"Transfers:Zones ({zone}): Update rule '{entry}': {what} (e.g. 'key:acme name _acme-challenge.{zone.TrimEnd('.')} TXT' or '127.0.0.1/32 zonesub ANY')";
        if (parts.Length < 3)
            throw new FormatException(Problem("needs an identity, a scope and types"));
        byte[]? key = null;
        IpPrefix? network = null;
        if (parts[0].StartsWith("key:", StringComparison.OrdinalIgnoreCase))
            key = (keys.Find(parts[0][4..]) ?? throw new FormatException(Problem($"key {parts[0][4..]} is not in Tsig:Keys or Tsig:KeyFiles"))).Name;
        else
            network = NetworkList.Parse(parts[0]);
        int next = 2;
        Scope scope;
        byte[]? name = null;
        switch (parts[1].ToLowerInvariant())
        {
            case "zonesub": scope = Scope.ZoneSub; break;
            case "name" or "subdomain":
                scope = parts[1].Equals("name", StringComparison.OrdinalIgnoreCase) ? Scope.Name : Scope.Subdomain;
                if (parts.Length < 4)
                    throw new FormatException(Problem("a name after the scope"));
                name = DnsName.Parse(parts[2].ToLowerInvariant().TrimEnd('.') + ".");
                next = 3;
                break;
            default: throw new FormatException(Problem($"'{parts[1]}' is not zonesub, name or subdomain"));
        }
        HashSet<ushort>? types = [];
        foreach (var text in parts[next..])
        {
            if (text.Equals("ANY", StringComparison.OrdinalIgnoreCase))
            {
                types = null;
                break;
            }
            if (!RecordTypeInfo.TryGet(text, out var info))
                throw new FormatException(Problem($"'{text}' is not a record type"));
            types.Add(info.Type);
        }
        return new Rule(key, network, scope, name, types);
    }

    /// <summary>Whether any rule names this client at all (else the update is refused before its prerequisites are looked at).</summary>
    public bool Knows(in IpPrefix source, TsigKey? key)
    {
        foreach (var rule in _rules)
        {
            if (Matches(rule, source, key))
                return true;
        }
        return false;
    }

    /// <summary>Whether the client may change <paramref name="type"/> at the lower-cased <paramref name="name"/> (ANY: every type there).</summary>
    public bool Allows(in IpPrefix source, TsigKey? key, ReadOnlySpan<byte> name, ushort type)
    {
        foreach (var rule in _rules)
        {
            if (!Matches(rule, source, key))
                continue;
            bool inScope = rule.Scope switch
            {
                Scope.Name => name.SequenceEqual(rule.Name),
                Scope.Subdomain => DnsName.IsSubdomainOf(name, rule.Name),
                _ => true,
            };
            if (!inScope)
                continue;
            if (rule.Types is null ? type != (ushort)RecordType.SOA : rule.Types.Contains(type))
                return true;
        }
        return false;
    }

    private static bool Matches(Rule rule, in IpPrefix source, TsigKey? key) =>
        rule.Key is { } name ? key is not null && key.Name.AsSpan().SequenceEqual(name) : rule.Network!.Value.Contains(source);
}
