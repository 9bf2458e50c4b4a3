using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using DnsHost.Protocol;
using RecordType = DnsHost.Protocol.RecordType;

namespace DnsHost.Zones;

/// <summary>
/// Loads an RFC 1035 master file through ARSoft.Tools.Net's parser and compiles it into a <see cref="Zone"/>.
/// The origin is the file name without ".zone" unless the file sets $ORIGIN before its SOA;
/// $INCLUDE paths are relative to the zones folder.
/// </summary>
public static class MasterFileLoader
{
    public static Zone Load(string path, string? zonesDirectory = null, List<ZoneProblem>? warnings = null)
    {
        string display = DisplayName(path, zonesDirectory);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLoadException([new ZoneProblem(display, 0, $"cannot read the file: {e.Message}")]);
        }
        string folder = zonesDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        string defaultOrigin = OriginFromFileName(path).TrimEnd('.') + ".";
        if (!DnsName.TryParse(defaultOrigin, default, out _, out var originError))
            throw new ZoneLoadException([new ZoneProblem(display, 0, $"the file name does not give a valid zone name ({originError}); set $ORIGIN")]);
        var entries = new List<SourceEntry>();
        var standIns = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        Expand(text, display, folder, defaultOrigin, entries, depth: 0, standIns);

        var parsed = Parse(entries, entries.Count, defaultOrigin, out var parseError);
        if (parsed is null)
        {
            // ARSoft's messages do not say where; find the first entry whose prefix fails to parse.
            int lo = 1, hi = entries.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                if (Parse(entries, mid, defaultOrigin, out _) is null) hi = mid; else lo = mid + 1;
            }
            var bad = entries.Count > 0 ? entries[lo - 1] : null;
            string problem = bad is null ? parseError! : Describe(bad, parseError!);
            throw new ZoneLoadException([new ZoneProblem(bad?.File ?? display, bad?.Line ?? 0, problem)]);
        }

        var records = new List<ZoneRecord>(parsed.Count);
        var lines = new EntryLines(entries);
        byte[]? origin = null;
        // ARSoft returns one record per entry, in order; it reads an explicit TTL of 0 as "none", so the
        // TTL worked out from the source wins when the counts agree.
        var recordEntries = entries.Where(e => e.Owner is not null).ToList();
        bool sameOrder = recordEntries.Count == parsed.Count;
        for (int i = 0; i < parsed.Count; i++)
        {
            var converted = Convert(parsed[i]);
            if (sameOrder && recordEntries[i].Ttl is long sourceTtl)
                converted = converted with { Ttl = (uint)sourceTtl };
            if (standIns.Count > 0 && standIns.TryGetValue(DnsName.ToText(converted.Owner), out var realOwner))
                converted = converted with { Owner = realOwner };
            records.Add(converted with { Line = lines.Find(converted.Owner, converted.Type) });
            if (converted.Type == (ushort)RecordType.SOA && origin is null)
                origin = converted.Owner;
        }
        origin ??= DnsName.Parse(defaultOrigin);
        return ZoneBuilder.Build(origin, records, display, warnings);
    }

    /// <summary>One logical entry of a master file after $INCLUDE expansion, with an absolute owner.</summary>
    private sealed record SourceEntry(string File, int Line, string Text, IReadOnlyList<string> Tokens, string? Owner, long? Ttl = null);

    /// <summary>
    /// Inlines $INCLUDE files and writes every explicit owner as an absolute name. Both matter: the
    /// include keeps (file, line) for messages, and ARSoft's parser otherwise reads an owner such as
    /// "1" (reverse zones) as a TTL or "A" as a type, where RFC 1035 5.1 says a name in column 0 is the owner.
    /// </summary>
    /// <summary>TTL state while expanding: $TTL (RFC 2308 4) and the last explicit TTL (RFC 1035 5.1).</summary>
    private sealed class TtlState
    {
        public long? Default;
        public long? LastExplicit;
    }

    private static void Expand(string text, string display, string folder, string origin, List<SourceEntry> output, int depth, Dictionary<string, byte[]> standIns, TtlState? ttl = null)
    {
        ttl ??= new TtlState();
        string? previousOwner = null;
        foreach (var e in MasterFileScanner.Scan(text))
        {
            var t = e.Tokens;
            if (t[0].StartsWith('$'))
            {
                if (t[0].Equals("$ORIGIN", StringComparison.OrdinalIgnoreCase) && t.Count >= 2)
                {
                    origin = Absolute(t[1], origin);
                    output.Add(new SourceEntry(display, e.Line, "$ORIGIN " + origin, t, null));
                }
                else if (t[0].Equals("$INCLUDE", StringComparison.OrdinalIgnoreCase) && t.Count >= 2)
                {
                    if (depth >= 8)
                        throw new ZoneLoadException([new ZoneProblem(display, e.Line, "$INCLUDE nested more than 8 deep (a loop?)")]);
                    string includePath = Path.Combine(folder, t[1].Trim('"'));
                    string includeOrigin = t.Count >= 3 ? Absolute(t[2], origin) : origin;
                    string includeText;
                    try
                    {
                        includeText = File.ReadAllText(includePath);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        throw new ZoneLoadException([new ZoneProblem(display, e.Line, $"$INCLUDE cannot read {t[1]}: {ex.Message}")]);
                    }
                    output.Add(new SourceEntry(display, e.Line, "$ORIGIN " + includeOrigin, t, null));
                    Expand(includeText, Path.Combine(Path.GetDirectoryName(display) ?? "", t[1].Trim('"')), folder, includeOrigin, output, depth + 1, standIns, ttl);
                    // RFC 1035 5.1: the origin (and owner) in effect before the $INCLUDE come back after it.
                    output.Add(new SourceEntry(display, e.Line, "$ORIGIN " + origin, t, null));
                }
                else if (t[0].Equals("$TTL", StringComparison.OrdinalIgnoreCase) && t.Count >= 2 && TryParseTtl(t[1], out long defaultTtl))
                {
                    ttl.Default = defaultTtl;
                    output.Add(new SourceEntry(display, e.Line, "$TTL " + defaultTtl, t, null));
                }
                else
                {
                    output.Add(new SourceEntry(display, e.Line, string.Join(' ', t), t, null));
                }
                continue;
            }
            if (e.StartsWithBlank)
            {
                string owner = previousOwner ?? origin;
                // Make the owner explicit too: after an $INCLUDE the parser's idea of "previous" may differ.
                string rest = WithExplicitTtl(t, 0, ttl, out var effectiveTtl);
                output.Add(new SourceEntry(display, e.Line, StandIn(owner, standIns) + " " + rest, t, owner, effectiveTtl));
            }
            else
            {
                string owner = Absolute(t[0], origin);
                previousOwner = owner;
                // One line from the tokens: ARSoft mishandles parentheses that open and close on one line.
                string rest = WithExplicitTtl(t, 1, ttl, out var effectiveTtl);
                output.Add(new SourceEntry(display, e.Line, StandIn(owner, standIns) + " " + rest, t, owner, effectiveTtl));
            }
        }
    }

    /// <summary>
    /// Writes the TTL of a record out in seconds, before the class and type. ARSoft reads neither
    /// unit suffixes ("1h", RFC 1035 leaves them to implementations, all major servers accept them)
    /// nor $TTL as the default for later records; it carries the last explicit TTL forward instead.
    /// </summary>
    private static string WithExplicitTtl(IReadOnlyList<string> tokens, int start, TtlState state) => WithExplicitTtl(tokens, start, state, out _);

    private static string WithExplicitTtl(IReadOnlyList<string> tokens, int start, TtlState state, out long? effectiveTtl)
    {
        long? ttl = null;
        string? cls = null;
        int i = start;
        for (; i < tokens.Count && i < start + 2; i++)
        {
            if (cls is null && IsClass(tokens[i]))
                cls = tokens[i];
            else if (ttl is null && TryParseTtl(tokens[i], out long value))
                ttl = value;
            else
                break;
        }
        if (ttl is long explicitTtl)
            state.LastExplicit = explicitTtl;
        long? effective = ttl ?? state.Default ?? state.LastExplicit;
        effectiveTtl = effective;
        var sb = new StringBuilder();
        if (effective is long e)
            sb.Append(e).Append(' ');
        if (cls is not null)
            sb.Append(cls).Append(' ');
        sb.AppendJoin(' ', tokens.Skip(i));
        return sb.ToString();
    }

    private static bool IsClass(string token) =>
        token.Equals("IN", StringComparison.OrdinalIgnoreCase) || token.Equals("CH", StringComparison.OrdinalIgnoreCase) ||
        token.Equals("HS", StringComparison.OrdinalIgnoreCase) || token.Equals("CS", StringComparison.OrdinalIgnoreCase) ||
        (token.StartsWith("CLASS", StringComparison.OrdinalIgnoreCase) && token.Length > 5 && token[5..].All(char.IsAsciiDigit));

    /// <summary>A TTL in seconds, or with the w/d/h/m/s units BIND, Knot and NSD accept ("1h30m").</summary>
    public static bool TryParseTtl(string token, out long seconds)
    {
        seconds = 0;
        if (token.Length == 0 || !char.IsAsciiDigit(token[0]))
            return false;
        long number = 0;
        bool pendingNumber = false;
        foreach (char c in token)
        {
            if (char.IsAsciiDigit(c))
            {
                number = number * 10 + (c - '0');
                if (number > uint.MaxValue) return false;
                pendingNumber = true;
                continue;
            }
            long unit = char.ToLowerInvariant(c) switch { 'w' => 604800, 'd' => 86400, 'h' => 3600, 'm' => 60, 's' => 1, _ => 0 };
            if (unit == 0 || !pendingNumber) return false;
            seconds += number * unit;
            number = 0;
            pendingNumber = false;
        }
        seconds += number;
        return seconds <= int.MaxValue;
    }

    /// <summary>
    /// ARSoft splits labels at an escaped dot ("a\.b" becomes two labels), so owners holding one are
    /// handed to it under a stand-in name and put back, parsed by our own <see cref="DnsName"/>, afterwards.
    /// </summary>
    private static string StandIn(string owner, Dictionary<string, byte[]> standIns)
    {
        if (!owner.Contains("\\.", StringComparison.Ordinal) && !owner.Contains("\\046", StringComparison.Ordinal))
            return owner;
        if (!DnsName.TryParse(owner, default, out var wire, out _))
            return owner;
        string name = $"dnshost-escaped-owner-{standIns.Count}.invalid.";
        standIns[name] = wire;
        return name;
    }

    private static string Absolute(string name, string origin)
    {
        if (name == "@")
            return origin;
        if (name.EndsWith('.') && !name.EndsWith("\\.", StringComparison.Ordinal))
            return name;
        return origin == "." ? name + "." : name + "." + origin;
    }

    public static string OriginFromFileName(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".zone", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name;
    }

    /// <summary>How errors name a zone file: relative to the zones folder's parent when inside it, else as given.</summary>
    internal static string DisplayName(string path, string? zonesDirectory)
    {
        if (zonesDirectory is null)
            return path;
        string relative = Path.GetRelativePath(zonesDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : Path.Combine(Path.GetFileName(Path.TrimEndingDirectorySeparator(zonesDirectory)), relative);
    }

    /// <summary>Parses the first <paramref name="count"/> entries; null (with the reason) when ARSoft rejects them.</summary>
    private static List<DnsRecordBase>? Parse(List<SourceEntry> entries, int count, string origin, out string? error)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
            sb.Append(entries[i].Text).Append('\n');
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(sb.ToString()));
            var zone = ARSoft.Tools.Net.Dns.Zone.ParseMasterFile(DomainName.Parse(origin.TrimEnd('.')), stream);
            error = null;
            return zone.ToList();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Parses one value in presentation format into RDATA with ARSoft (the types without a parser of our own).</summary>
    internal static bool TryParseRData(string type, string value, out byte[] rdata, out string error)
    {
        rdata = [];
        string line = $"value.invalid. 300 IN {type} {value}";
        var entries = new List<SourceEntry> { new("value", 1, line, line.Split(' '), null) };
        var records = Parse(entries, 1, "invalid.", out var parserError);
        if (records is null || records.Count != 1)
        {
            error = ExpectedFormat.TryGetValue(type, out var expected) ? $"{type} needs {expected}" : parserError ?? $"cannot parse the {type} value";
            return false;
        }
        rdata = Convert(records[0]).RData;
        error = "";
        return true;
    }

    private static string Describe(SourceEntry entry, string parserError)
    {
        var tokens = entry.Tokens;
        if (tokens[0].StartsWith('$'))
            return $"bad {tokens[0].ToUpperInvariant()} directive: {parserError}";
        // Name the type when one of the leading tokens is a known type, as named-checkzone does.
        foreach (var t in tokens.Take(5))
        {
            if (Enum.TryParse<ARSoft.Tools.Net.Dns.RecordType>(t, ignoreCase: true, out var type) && !int.TryParse(t, out _)
                && !t.Equals("IN", StringComparison.OrdinalIgnoreCase))
            {
                string typeName = type.ToString().ToUpperInvariant();
                string reason = ExpectedFormat.TryGetValue(typeName, out var expected) ? $"{typeName} needs {expected}" : parserError;
                return $"{reason} (got '{string.Join(' ', tokens)}')";
            }
        }
        return $"cannot parse '{string.Join(' ', tokens)}': {parserError}";
    }

    private static readonly Dictionary<string, string> ExpectedFormat = new(StringComparer.Ordinal)
    {
        ["A"] = "an IPv4 address",
        ["AAAA"] = "an IPv6 address",
        ["NS"] = "a host name",
        ["CNAME"] = "a target name",
        ["PTR"] = "a target name",
        ["MX"] = "a preference and a host name",
        ["SRV"] = "priority, weight, port and a target name",
        ["SOA"] = "mname, rname, serial, refresh, retry, expire and minimum",
        ["TXT"] = "one or more character strings",
        ["CAA"] = "flags, a tag and a value",
        ["DS"] = "key tag, algorithm, digest type and a hex digest",
        ["TLSA"] = "usage, selector, matching type and hex data",
        ["SSHFP"] = "algorithm, fingerprint type and a hex fingerprint",
        ["NAPTR"] = "order, preference, flags, service, regexp and replacement",
    };

    /// <summary>Turns an ARSoft record into owner and RDATA wire bytes by encoding it and reading it back.</summary>
    internal static ZoneRecord Convert(DnsRecordBase record)
    {
        var bytes = ArsoftEncoding.EncodeAsAnswer(record);
        var reader = new DnsMessageReader(bytes);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Span<byte> rdata = stackalloc byte[ushort.MaxValue];
        if (!reader.TryReadHeader(out _) || !reader.TryReadRecord(name, out var view))
            throw new InvalidDataException($"cannot encode {record}: {reader.Error}");
        int length = RecordData.CopyUncompressed(view.Type, bytes, view.RDataOffset, view.RDataLength, rdata);
        if (length < 0)
            throw new InvalidDataException($"cannot encode {record}");
        return new ZoneRecord(name[..view.NameLength].ToArray(), view.Type, view.Class, view.Ttl, rdata[..length].ToArray());
    }

    /// <summary>Maps (owner, type) back to the line of the entry that defined it.</summary>
    private sealed class EntryLines
    {
        private readonly Dictionary<(string Owner, string Type), int> _first = new();
        private readonly Dictionary<string, int> _firstOwner = new();

        public EntryLines(List<SourceEntry> entries)
        {
            foreach (var e in entries)
            {
                if (e.Owner is null)
                    continue;
                string owner = e.Owner.ToLowerInvariant();
                string? type = e.Tokens.Take(4).FirstOrDefault(x => !int.TryParse(x, out _) && !x.Equals("IN", StringComparison.OrdinalIgnoreCase)
                    && (Enum.TryParse<ARSoft.Tools.Net.Dns.RecordType>(x, true, out _) || x.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase))
                    && !ReferenceEquals(x, e.Tokens[0]));
                _first.TryAdd((owner, (type ?? "").ToUpperInvariant()), e.Line);
                _firstOwner.TryAdd(owner, e.Line);
            }
        }

        public int Find(byte[] owner, ushort type)
        {
            string ownerText = DnsName.ToText(owner).ToLowerInvariant();
            if (_first.TryGetValue((ownerText, RecordData.TypeToText(type)), out int line))
                return line;
            return _firstOwner.TryGetValue(ownerText, out line) ? line : 0;
        }
    }
}
