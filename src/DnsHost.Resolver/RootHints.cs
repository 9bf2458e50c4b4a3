using System.Net;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// The root name servers iteration starts from: NS records for "." and the servers' A/AAAA records, in
/// master-file form as IANA's named.root (<c>. 3600000 NS a.root-servers.net.</c>,
/// <c>a.root-servers.net. 3600000 A 198.41.0.4</c>). Other lines are ignored; errors name the line.
/// </summary>
public sealed class RootHints
{
    public required IReadOnlyList<byte[]> NameServers { get; init; }
    public required IReadOnlyList<IPAddress> Addresses { get; init; }

    /// <summary>IANA's root servers (named.root, 2024), used when no hints file is configured.</summary>
    public static RootHints BuiltIn { get; } = Parse("""
        . NS a.root-servers.net.
        . NS b.root-servers.net.
        . NS c.root-servers.net.
        . NS d.root-servers.net.
        . NS e.root-servers.net.
        . NS f.root-servers.net.
        . NS g.root-servers.net.
        . NS h.root-servers.net.
        . NS i.root-servers.net.
        . NS j.root-servers.net.
        . NS k.root-servers.net.
        . NS l.root-servers.net.
        . NS m.root-servers.net.
        a.root-servers.net. A 198.41.0.4
        b.root-servers.net. A 170.247.170.2
        c.root-servers.net. A 192.33.4.12
        d.root-servers.net. A 199.7.91.13
        e.root-servers.net. A 192.203.230.10
        f.root-servers.net. A 192.5.5.241
        g.root-servers.net. A 192.112.36.4
        h.root-servers.net. A 198.97.190.53
        i.root-servers.net. A 192.36.148.17
        j.root-servers.net. A 192.58.128.30
        k.root-servers.net. A 193.0.14.129
        l.root-servers.net. A 199.7.83.42
        m.root-servers.net. A 202.12.27.33
        """, "built-in root hints");

    public static RootHints Load(string path) => Parse(File.ReadAllText(path), path);

    public static RootHints Parse(string text, string source)
    {
        var nameServers = new List<byte[]>();
        var addresses = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        int lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Split(';')[0].Trim();
            if (line.Length == 0)
                continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            // owner [TTL] [IN] TYPE DATA
            int i = 1;
            if (i < fields.Length && uint.TryParse(fields[i], out _)) i++;
            if (i < fields.Length && fields[i].Equals("IN", StringComparison.OrdinalIgnoreCase)) i++;
            if (i + 1 >= fields.Length)
                throw new FormatException($"{source}:{lineNumber}: expected 'NAME [TTL] [IN] TYPE DATA'");
            string type = fields[i].ToUpperInvariant(), data = fields[i + 1];
            string owner = fields[0].EndsWith('.') ? fields[0] : fields[0] + ".";
            switch (type)
            {
                case "NS" when owner == ".":
                    nameServers.Add(Lower(DnsName.Parse(data.EndsWith('.') ? data : data + ".")));
                    break;
                case "A" or "AAAA":
                    if (!IPAddress.TryParse(data, out var address))
                        throw new FormatException($"{source}:{lineNumber}: '{data}' is not an address");
                    if (!addresses.TryGetValue(owner, out var list))
                        addresses[owner] = list = [];
                    list.Add(address);
                    break;
            }
        }
        var all = nameServers.SelectMany(ns => addresses.TryGetValue(DnsName.ToText(ns), out var list) ? list : []).Distinct().ToList();
        if (all.Count == 0)
            throw new FormatException($"{source}: no root name server with an address (need '. NS name' and 'name A address' lines)");
        return new RootHints { NameServers = nameServers, Addresses = all };
    }

    private static byte[] Lower(byte[] name)
    {
        DnsName.ToLower(name, name);
        return name;
    }
}
