using System.Text.RegularExpressions;

namespace DnsHost.Protocol.Tsig;

/// <summary>
/// Reads TSIG keys in the forms the usual tools print, so their output can be pasted or pointed to:
/// BIND's <c>tsig-keygen</c> (<c>key "name" { algorithm hmac-sha256; secret "..."; };</c>), Knot's
/// <c>keymgr -t</c> (YAML <c>key: - id: name / algorithm: / secret:</c>, with its <c># alg:name:secret</c>
/// comment) and the one-line <c>algorithm:name:secret</c> of <c>kdig -y</c>.
/// </summary>
public static partial class TsigKeyFile
{
    public static List<TsigKey> Parse(string text)
    {
        var keys = new List<TsigKey>();
        var bind = BindKey().Matches(text);
        if (bind.Count > 0)
        {
            foreach (Match m in bind)
            {
                string name = m.Groups["name"].Value;
                var body = m.Groups["body"].Value;
                var algorithm = BindField(body, "algorithm") ?? throw new FormatException($"TSIG key {name}: no algorithm");
                var secret = BindField(body, "secret") ?? throw new FormatException($"TSIG key {name}: no secret");
                keys.Add(Make(name, algorithm, secret));
            }
            return keys;
        }
        string? id = null, alg = null, sec = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line == "key:")
                continue;
            if (line.StartsWith("- "))
            {
                Flush();
                line = line[2..].Trim();
            }
            int colon = line.IndexOf(':');
            if (colon < 0)
                continue;
            var (field, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim().Trim('"'));
            switch (field)
            {
                case "id": id = value; break;
                case "algorithm": alg = value; break;
                case "secret": sec = value; break;
                default:
                    // A line of its own in kdig's form.
                    if (keys.Count == 0 && id is null && line.Split(':').Length is 2 or 3 && !line.Contains(' '))
                        keys.Add(TsigKey.Parse(line));
                    break;
            }
        }
        Flush();
        if (keys.Count == 0)
            throw new FormatException("no TSIG key found (expected the output of tsig-keygen or keymgr -t, or algorithm:name:secret)");
        return keys;

        void Flush()
        {
            if (id is null && alg is null && sec is null)
                return;
            if (id is null || sec is null)
                throw new FormatException($"TSIG key {id ?? "?"}: needs id and secret");
            keys.Add(Make(id, alg ?? "hmac-sha256", sec));
            (id, alg, sec) = (null, null, null);
        }
    }

    private static TsigKey Make(string name, string algorithm, string secret)
    {
        if (!TsigKey.TryParseAlgorithm(algorithm, out var a))
            throw new FormatException($"TSIG key {name}: unknown algorithm '{algorithm}' (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1)");
        return new TsigKey(name, a, TsigKey.DecodeSecret(name, secret));
    }

    private static string? BindField(string body, string field)
    {
        var m = Regex.Match(body, field + @"\s+""?(?<v>[^"";\s]+)""?\s*;");
        return m.Success ? m.Groups["v"].Value : null;
    }

    [GeneratedRegex(@"key\s+""?(?<name>[^""\s{]+)""?\s*\{(?<body>[^}]*)\}\s*;", RegexOptions.Singleline)]
    private static partial Regex BindKey();
}
