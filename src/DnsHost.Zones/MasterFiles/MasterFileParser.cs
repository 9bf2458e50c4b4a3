using System.Text;
using DnsHost.Protocol;

namespace DnsHost.Zones.MasterFiles;

/// <summary>
/// Reads RFC 1035 master files (section 5) into <see cref="ZoneRecord"/>s, lazily: records come out
/// one at a time as the file is read through a fixed buffer, so a zone of millions of records is never
/// held as text or as a list. Handles $ORIGIN, $TTL (RFC 2308 4), $INCLUDE (relative to the include
/// folder), $GENERATE (BIND's syntax), owner inheritance, TTL and class in either order, TTL units,
/// "@" wherever a name may stand, escapes, and RFC 3597 unknown types and generic RDATA.
/// Bad entries are skipped and reported in <see cref="Problems"/> with file, line and column.
/// One instance reads one file (and its includes) at a time; it is not thread-safe.
/// </summary>
public sealed partial class MasterFileParser
{
    /// <summary>
    /// The TTL of a record that gives none when no $TTL is in effect: Knot DNS's default-ttl. Knot
    /// neither carries the last explicit TTL forward (RFC 1035's rule, BIND's fallback) nor uses the SOA minimum.
    /// </summary>
    public const uint DefaultTtl = 3600;

    /// <summary>At most this many records from one $GENERATE, so a typo in a range cannot exhaust memory.</summary>
    public const int MaxGenerated = 65536;

    private readonly string? _includeDirectory;
    private readonly int _maxProblems;
    private readonly ZoneSourceLimits _limits;
    private ZoneReadBudget _budget = new(0);
    private int _includes;
    private int _records;
    private bool _stopped;
    private readonly List<ZoneProblem> _problems = [];
    private readonly RDataTextParser _rdata = new();
    private readonly byte[] _nameBuffer = new byte[DnsName.MaxLength + 1];

    /// <param name="includeDirectory">Where $INCLUDE paths are resolved; null for the including file's folder.</param>
    /// <param name="maxProblems">Problems kept in <see cref="Problems"/>; the rest are only counted.</param>
    /// <param name="limits">What one read may cost (<see cref="ZoneSourceLimits.Default"/> when null); a limit reached stops the read with a problem.</param>
    public MasterFileParser(string? includeDirectory = null, int maxProblems = 100, ZoneSourceLimits? limits = null)
    {
        _includeDirectory = includeDirectory;
        _maxProblems = maxProblems;
        _limits = limits ?? ZoneSourceLimits.Default;
    }

    /// <summary>The first problems found (up to the limit given to the constructor).</summary>
    public IReadOnlyList<ZoneProblem> Problems => _problems;

    /// <summary>How many problems were found in all, kept or not.</summary>
    public int ProblemCount { get; private set; }

    /// <summary>State of one file being read: $INCLUDE pushes a new one, so the includer's origin, $TTL and owner come back after it (RFC 1035 5.1).</summary>
    private sealed class Frame(MasterFileTokenizer tokenizer, string display, string folder, byte[] origin, uint? defaultTtl, int depth)
    {
        public MasterFileTokenizer Tokenizer { get; } = tokenizer;
        public string Display { get; } = display;
        public string Folder { get; } = folder;
        public byte[] Origin { get; set; } = origin;
        public uint? DefaultTtl { get; set; } = defaultTtl;
        public byte[]? LastOwner { get; set; }
        public int Depth { get; } = depth;
    }

    /// <summary>Reads the file at <paramref name="path"/>; it is opened when enumeration starts and closed when it ends.</summary>
    /// <param name="displayName">How problems name the file ("zones/example.test.zone").</param>
    /// <param name="origin">The origin in wire form until $ORIGIN changes it.</param>
    public IEnumerable<ZoneRecord> ReadFile(string path, string displayName, byte[] origin)
    {
        var stream = ZoneSourceFile.TryOpen(path, _limits.MaxFileBytes, out string error) ?? throw new IOException($"{displayName}: {error}");
        return Read(stream, displayName, origin, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <summary>Reads master-file text from <paramref name="stream"/> (UTF-8 or any ASCII-compatible bytes), disposing it at the end.</summary>
    public IEnumerable<ZoneRecord> Read(Stream stream, string displayName, byte[] origin, string? folder = null)
    {
        var stack = new Stack<Frame>();
        (_budget, _includes, _records, _stopped) = (new ZoneReadBudget(_limits.MaxZoneBytes), 0, 0, false);
        stack.Push(new Frame(Tokenizer(stream), displayName, _includeDirectory ?? folder ?? ".", origin, null, 0));
        try
        {
            while (stack.Count > 0)
            {
                var frame = stack.Peek();
                bool more;
                try
                {
                    more = frame.Tokenizer.TryReadEntry();
                }
                catch (IOException e)
                {
                    Report(frame, 0, 0, $"cannot read the file: {e.Message}");
                    more = false;
                }
                if (!more)
                {
                    frame.Tokenizer.Dispose();
                    stack.Pop();
                    continue;
                }
                var outcome = ReadEntry(frame, out var record, out var generator, out var included);
                // A limit reached: the zone fails, and nothing after that point is read.
                if (frame.Tokenizer.Fatal || _stopped)
                    break;
                if (outcome == EntryOutcome.Record)
                {
                    if (!CountRecord(frame, record!.Line))
                        break;
                    yield return record;
                }
                else if (outcome == EntryOutcome.Include)
                {
                    stack.Push(included!);
                }
                else if (outcome == EntryOutcome.Generate)
                {
                    while (generator!.TryNext(this, out var generated))
                    {
                        if (generated is null)
                            continue;
                        if (!CountRecord(frame, generated.Line))
                            break;
                        yield return generated;
                    }
                    if (_stopped)
                        break;
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
                stack.Pop().Tokenizer.Dispose();
        }
    }

    private enum EntryOutcome { Nothing, Record, Include, Generate }

    private MasterFileTokenizer Tokenizer(Stream stream) => new(stream, 64 * 1024, _limits, _budget);

    private bool CountRecord(Frame frame, int line)
    {
        if (++_records <= _limits.MaxRecords)
            return true;
        Report(frame, line, 0, $"the zone has more than {_limits.MaxRecords} records (Zones:MaxRecords)");
        _stopped = true;
        return false;
    }

    private EntryOutcome ReadEntry(Frame frame, out ZoneRecord? record, out Generator? generator, out Frame? included)
    {
        record = null;
        generator = null;
        included = null;
        var tokenizer = frame.Tokenizer;
        if (tokenizer.Error is not null)
        {
            Report(frame, tokenizer.ErrorLine, tokenizer.ErrorColumn, tokenizer.Error);
            return EntryOutcome.Nothing;
        }
        var text = tokenizer.Text;
        var tokens = tokenizer.Tokens;
        var first = tokens[0];
        if (!first.Quoted && text[first.Start] == (byte)'$')
            return ReadDirective(frame, text, tokens, out generator, out included);
        record = BuildRecord(frame, text, tokens, tokenizer.StartsWithBlank, tokenizer.Line);
        return record is null ? EntryOutcome.Nothing : EntryOutcome.Record;
    }

    private EntryOutcome ReadDirective(Frame frame, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, out Generator? generator, out Frame? included)
    {
        generator = null;
        included = null;
        var directive = RDataTextParser.Slice(text, tokens[0]);
        int line = tokens[0].Line;
        if (AsciiBytes.EqualsIgnoreCase(directive, "$ORIGIN"u8))
        {
            if (tokens.Length != 2)
                return Fail(frame, tokens, tokens.Length < 2 ? -1 : 2, "$ORIGIN needs one domain name");
            if (!PresentationText.TryParseName(RDataTextParser.Slice(text, tokens[1]), frame.Origin, _nameBuffer, out int length, out string error))
                return Fail(frame, tokens, 1, $"$ORIGIN '{RDataTextParser.Show(text, tokens[1])}' is not a valid domain name ({error})");
            frame.Origin = _nameBuffer.AsSpan(0, length).ToArray();
            return EntryOutcome.Nothing;
        }
        if (AsciiBytes.EqualsIgnoreCase(directive, "$TTL"u8))
        {
            if (tokens.Length != 2)
                return Fail(frame, tokens, tokens.Length < 2 ? -1 : 2, "$TTL needs one TTL");
            if (!PresentationText.TryParseTtl(RDataTextParser.Slice(text, tokens[1]), out uint ttl))
                return Fail(frame, tokens, 1, $"$TTL '{RDataTextParser.Show(text, tokens[1])}' is not a TTL (seconds, or units such as 1h30m)");
            frame.DefaultTtl = ttl;
            return EntryOutcome.Nothing;
        }
        if (AsciiBytes.EqualsIgnoreCase(directive, "$INCLUDE"u8))
            return ReadInclude(frame, text, tokens, out included);
        if (AsciiBytes.EqualsIgnoreCase(directive, "$GENERATE"u8))
        {
            generator = Generator.Create(this, frame, text, tokens);
            return generator is null ? EntryOutcome.Nothing : EntryOutcome.Generate;
        }
        _ = line;
        return Fail(frame, tokens, 0, $"unknown directive '{RDataTextParser.Show(text, tokens[0])}' ($ORIGIN, $TTL, $INCLUDE and $GENERATE are known)");
    }

    private EntryOutcome ReadInclude(Frame frame, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, out Frame? included)
    {
        included = null;
        if (tokens.Length is < 2 or > 3)
            return Fail(frame, tokens, tokens.Length < 2 ? -1 : 3, "$INCLUDE needs a file name and optionally an origin");
        if (frame.Depth >= _limits.MaxIncludeDepth)
        {
            Fail(frame, tokens, 1, $"$INCLUDE nested more than {_limits.MaxIncludeDepth} deep, a loop? (Zones:MaxIncludeDepth)");
            _stopped = true;
            return EntryOutcome.Nothing;
        }
        if (++_includes > _limits.MaxIncludes)
        {
            Fail(frame, tokens, 0, $"more than {_limits.MaxIncludes} $INCLUDE directives for one zone (Zones:MaxIncludes)");
            _stopped = true;
            return EntryOutcome.Nothing;
        }
        string file = Encoding.UTF8.GetString(RDataTextParser.Slice(text, tokens[1]));
        byte[] origin = frame.Origin;
        if (tokens.Length == 3)
        {
            if (!PresentationText.TryParseName(RDataTextParser.Slice(text, tokens[2]), frame.Origin, _nameBuffer, out int length, out string error))
                return Fail(frame, tokens, 2, $"$INCLUDE origin '{RDataTextParser.Show(text, tokens[2])}' is not a valid domain name ({error})");
            origin = _nameBuffer.AsSpan(0, length).ToArray();
        }
        if (!IncludePath.TryResolve(frame.Folder, file, _limits.IncludeOutsideFolder, out string path, out string refused))
            return Fail(frame, tokens, 1, $"$INCLUDE '{RDataTextParser.Show(text, tokens[1])}': {refused}");
        var stream = ZoneSourceFile.TryOpen(path, _limits.MaxFileBytes, out string openError);
        if (stream is null)
            return Fail(frame, tokens, 1, $"$INCLUDE '{RDataTextParser.Show(text, tokens[1])}': {openError}");
        // Named by where it is, so an error in an include of an include names the right file.
        string display = MasterFileLoader.DisplayName(path, _includeDirectory ?? frame.Folder);
        // The included file starts with the includer's $TTL; its own $TTL and $ORIGIN stay inside it (as in Knot).
        included = new Frame(Tokenizer(stream), display, frame.Folder, origin, frame.DefaultTtl, frame.Depth + 1);
        return EntryOutcome.Include;
    }

    /// <summary>Builds one record from an entry's tokens: [owner] [TTL] [class] type RDATA, TTL and class in either order.</summary>
    private ZoneRecord? BuildRecord(Frame frame, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, bool startsWithBlank, int line)
    {
        int i = 0;
        byte[] owner;
        if (!startsWithBlank)
        {
            var ownerText = RDataTextParser.Slice(text, tokens[0]);
            if (!PresentationText.TryParseName(ownerText, frame.Origin, _nameBuffer, out int length, out string error))
            {
                Fail(frame, tokens, 0, $"'{RDataTextParser.Show(text, tokens[0])}' is not a valid owner name ({error})");
                return null;
            }
            var name = _nameBuffer.AsSpan(0, length);
            // Records of one owner share its array; nothing changes a ZoneRecord's bytes.
            owner = frame.LastOwner is { } last && name.SequenceEqual(last) ? last : name.ToArray();
            frame.LastOwner = owner;
            i = 1;
        }
        else
        {
            owner = frame.LastOwner ?? frame.Origin;
        }

        uint? ttl = null;
        ushort? cls = null;
        for (int k = 0; k < 2 && i < tokens.Length && !tokens[i].Quoted; k++)
        {
            var t = RDataTextParser.Slice(text, tokens[i]);
            if (cls is null && PresentationText.TryParseClass(t, out ushort c))
            {
                cls = c;
                i++;
            }
            else if (ttl is null && char.IsAsciiDigit((char)t[0]))
            {
                if (!PresentationText.TryParseTtl(t, out uint value))
                {
                    Fail(frame, tokens, i, $"'{RDataTextParser.Show(text, tokens[i])}' is not a TTL (seconds, or units such as 1h30m)");
                    return null;
                }
                ttl = value;
                i++;
            }
            else
            {
                break;
            }
        }
        if (i >= tokens.Length)
        {
            Fail(frame, tokens, -1, "the record has no type");
            return null;
        }
        if (tokens[i].Quoted || !PresentationText.TryParseType(RDataTextParser.Slice(text, tokens[i]), out ushort type))
        {
            Fail(frame, tokens, i, $"'{RDataTextParser.Show(text, tokens[i])}' is not a record type, TTL or class");
            return null;
        }
        int typeIndex = i++;
        var rdataTokens = tokens[i..];
        if (!_rdata.TryParse(type, text, rdataTokens, frame.Origin, out var rdataError))
        {
            var info = RecordTypeInfo.Get(type);
            string message = info is null ? $"{RecordData.TypeToText(type)}: {rdataError.Detail}" : $"{info.Mnemonic} needs {info.Expected}: {rdataError.Detail}";
            Fail(frame, tokens, rdataError.TokenIndex < 0 ? -1 : typeIndex + 1 + rdataError.TokenIndex, message);
            return null;
        }
        return new ZoneRecord(owner, type, cls ?? RecordClass.IN, ttl ?? frame.DefaultTtl ?? DefaultTtl, _rdata.RData.ToArray(), line);
    }

    /// <summary>Reports a problem at token <paramref name="tokenIndex"/>, or just after the last token when it is -1 (something missing).</summary>
    private EntryOutcome Fail(Frame frame, ReadOnlySpan<MasterFileToken> tokens, int tokenIndex, string message)
    {
        int line, column;
        if (tokenIndex >= 0 && tokenIndex < tokens.Length)
        {
            (line, column) = (tokens[tokenIndex].Line, tokens[tokenIndex].Column);
        }
        else
        {
            var last = tokens[^1];
            (line, column) = (last.Line, last.Column + last.Length + (last.Quoted ? 2 : 0) + 1);
        }
        Report(frame, line, column, message);
        return EntryOutcome.Nothing;
    }

    /// <summary>
    /// A problem in an included file never quotes what it read there (issue 16: an $INCLUDE of /etc/shadow
    /// logged its first line); the file, line and column say where to look.
    /// </summary>
    private void Report(Frame frame, int line, int column, string message) =>
        Report(frame.Display, line, column, frame.Depth > 0 ? IncludePath.Redact(message) : message);

    private void Report(string file, int line, int column, string message)
    {
        ProblemCount++;
        if (_problems.Count < _maxProblems)
            _problems.Add(new ZoneProblem(file, line, message, Column: column));
    }

    /// <summary>
    /// Parses one record's RDATA in presentation format (a Route 53 Value, for example); names are
    /// absolute even without a final dot. The error reads like the master-file one: "MX needs a preference and a host name: ...".
    /// </summary>
    public static bool TryParseRData(string type, string value, out byte[] rdata, out string error)
    {
        rdata = [];
        if (!PresentationText.TryParseType(Encoding.UTF8.GetBytes(type), out ushort code))
        {
            error = $"'{type}' is not a record type";
            return false;
        }
        using var tokenizer = new MasterFileTokenizer(new MemoryStream(Encoding.UTF8.GetBytes(value)), 4096);
        var parser = new RDataTextParser();
        string expected = RecordTypeInfo.Get(code) is { } info ? $"{info.Mnemonic} needs {info.Expected}" : RecordData.TypeToText(code);
        bool any = tokenizer.TryReadEntry();
        if (any && tokenizer.Error is not null)
        {
            error = $"{expected}: {tokenizer.Error}";
            return false;
        }
        var tokens = any ? tokenizer.Tokens : default;
        if (!parser.TryParse(code, tokenizer.Text, tokens, DnsName.Root, out var problem))
        {
            error = $"{expected}: {problem.Detail}";
            return false;
        }
        rdata = parser.RData.ToArray();
        if (tokenizer.TryReadEntry())
        {
            error = $"{expected}: one value per line";
            return false;
        }
        error = "";
        return true;
    }
}
