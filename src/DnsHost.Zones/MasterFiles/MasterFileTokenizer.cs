namespace DnsHost.Zones.MasterFiles;

/// <summary>One token of a master-file entry: where its bytes sit in <see cref="MasterFileTokenizer.Text"/> and where it stood in the file.</summary>
/// <param name="Quoted">Written between double quotes; its bytes exclude the quotes and keep their escapes.</param>
public readonly record struct MasterFileToken(int Start, int Length, int Line, int Column, bool Quoted);

/// <summary>
/// Splits an RFC 1035 master file into entries (a directive or a record; parentheses join lines)
/// and entries into tokens, reading the UTF-8 bytes through a fixed buffer so that a file of any
/// size is never held whole. Escapes are kept as written (a name needs "\." intact); comments,
/// parentheses and quotes are consumed here (RFC 1035 5.1).
/// </summary>
public sealed class MasterFileTokenizer : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _bufferPosition;
    private int _bufferLength;
    private bool _endOfStream;
    private int _line = 1;
    private int _column;

    private byte[] _text = new byte[256];
    private MasterFileToken[] _tokens = new MasterFileToken[16];
    private readonly int _maxLineLength;
    private readonly long _maxFileBytes;
    private readonly ZoneReadBudget? _budget;
    private long _fileBytes;
    private int _lineLength;

    /// <param name="limits">Line length and file size limits; <see cref="ZoneSourceLimits.Default"/> when null.</param>
    /// <param name="budget">Bytes left for the whole zone, shared by a file and its includes.</param>
    public MasterFileTokenizer(Stream stream, int bufferSize = 64 * 1024, ZoneSourceLimits? limits = null, ZoneReadBudget? budget = null)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
        limits ??= ZoneSourceLimits.Default;
        _maxLineLength = limits.MaxLineLength;
        _maxFileBytes = limits.MaxFileBytes;
        _budget = budget;
    }

    /// <summary>
    /// A limit was reached (<see cref="Error"/> says which): reading this input stops here, and a caller
    /// reading a zone gives up on the zone rather than read on from a place it cannot trust.
    /// </summary>
    public bool Fatal { get; private set; }

    /// <summary>The bytes of the current entry's tokens.</summary>
    public ReadOnlySpan<byte> Text => _text;

    public ReadOnlySpan<MasterFileToken> Tokens => _tokens.AsSpan(0, TokenCount);

    public int TokenCount { get; private set; }

    /// <summary>True when the entry's first line starts with a blank: the owner is the previous one (RFC 1035 5.1).</summary>
    public bool StartsWithBlank { get; private set; }

    /// <summary>Line of the entry's first token.</summary>
    public int Line { get; private set; }

    /// <summary>A problem found while splitting the current entry (null when none), with its place.</summary>
    public string? Error { get; private set; }
    public int ErrorLine { get; private set; }
    public int ErrorColumn { get; private set; }

    /// <summary>Reads the next entry with at least one token (or an error); false at the end of the input.</summary>
    public bool TryReadEntry()
    {
        if (Fatal)
            return false;
        TokenCount = 0;
        Error = null;
        _entryStarted = false;
        StartsWithBlank = false;
        int textLength = 0;
        int depth = 0, parenLine = 0, parenColumn = 0;
        bool inToken = false, inQuote = false, inComment = false, escape = false;
        int tokenStart = 0, tokenLine = 0, tokenColumn = 0;

        while (true)
        {
            if (_bufferPosition == _bufferLength && !Fill())
                break;
            if (Fatal)
                return true;
            byte b = _buffer[_bufferPosition++];
            if (b == (byte)'\n')
            {
                _line++;
                _column = 0;
                _lineLength = 0;
            }
            else if (++_lineLength > _maxLineLength)
            {
                // Stop before the line is held: a 1 GiB line would otherwise become a 1 GiB token.
                Stop($"the line is longer than {_maxLineLength} bytes (Zones:MaxLineLength)");
                return true;
            }
            else if ((b & 0xC0) != 0x80 || _previous < 0x80)
            {
                _column++; // columns count characters: a UTF-8 continuation byte after a lead byte does not move it
            }
            _previous = b;

            if (inComment)
            {
                if (b != (byte)'\n')
                    continue;
                inComment = false;
            }
            else if (inQuote)
            {
                if (escape)
                {
                    escape = false;
                    Append(ref textLength, b);
                    continue;
                }
                if (b == (byte)'\\')
                {
                    escape = true;
                    Append(ref textLength, b);
                    continue;
                }
                if (b == (byte)'"')
                {
                    inQuote = false;
                    EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: true);
                    continue;
                }
                if (b != (byte)'\n')
                {
                    Append(ref textLength, b);
                    continue;
                }
                SetError("a quoted string ends at the end of the line; close it with '\"'", tokenLine, tokenColumn);
                inQuote = false;
                EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: true);
            }
            else if (escape)
            {
                escape = false;
                if (b != (byte)'\n')
                {
                    Append(ref textLength, b);
                    continue;
                }
                SetError("a backslash at the end of a line escapes nothing", _line - 1, tokenColumn);
                EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
            }
            else
            {
                switch (b)
                {
                    case (byte)' ' or (byte)'\t' or (byte)'\r':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        continue;
                    case (byte)'\n':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        break;
                    case (byte)';':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        inComment = true;
                        continue;
                    case (byte)'(':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        if (depth++ == 0)
                            (parenLine, parenColumn) = (_line, _column);
                        MarkEntryStart(_line, _column);
                        continue;
                    case (byte)')':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        if (depth == 0)
                            SetError("')' without a '(' before it", _line, _column);
                        else
                            depth--;
                        continue;
                    case (byte)'"':
                        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: false);
                        inQuote = true;
                        inToken = true;
                        (tokenStart, tokenLine, tokenColumn) = (textLength, _line, _column);
                        MarkEntryStart(_line, _column);
                        continue;
                    default:
                        if (!inToken)
                        {
                            inToken = true;
                            (tokenStart, tokenLine, tokenColumn) = (textLength, _line, _column);
                            MarkEntryStart(_line, _column);
                        }
                        if (b == (byte)'\\')
                            escape = true;
                        Append(ref textLength, b);
                        continue;
                }
            }

            // A newline outside quotes and comments: the entry ends unless parentheses are open.
            if (depth == 0 && (TokenCount > 0 || Error is not null))
                return true;
            if (depth == 0)
                _entryStarted = false;
        }

        // End of input.
        if (inQuote)
            SetError("a quoted string is not closed before the end of the file", tokenLine, tokenColumn);
        EndToken(ref inToken, tokenStart, textLength, tokenLine, tokenColumn, quoted: inQuote);
        if (depth > 0)
            SetError("'(' is not closed before the end of the file", parenLine, parenColumn);
        return TokenCount > 0 || Error is not null;
    }

    private bool _entryStarted;
    private bool _started;
    private byte _previous = (byte)'\n';

    private void MarkEntryStart(int line, int column)
    {
        if (_entryStarted)
            return;
        _entryStarted = true;
        Line = line;
        StartsWithBlank = column > 1;
    }

    private void SetError(string message, int line, int column)
    {
        if (Error is not null)
            return;
        Error = message;
        ErrorLine = line;
        ErrorColumn = Math.Max(column, 1);
        if (!_entryStarted)
            Line = line;
    }

    private void Stop(string message)
    {
        Fatal = true;
        Error = message;
        ErrorLine = _line;
        ErrorColumn = 0;
        if (!_entryStarted)
            Line = _line;
    }

    private void Append(ref int length, byte b)
    {
        if (length >= _maxLineLength)
        {
            // Parentheses join lines: one entry may not grow past a line's limit either.
            if (!Fatal)
                Stop($"the entry is longer than {_maxLineLength} bytes (Zones:MaxLineLength)");
            return;
        }
        if (length == _text.Length)
            Array.Resize(ref _text, _text.Length * 2);
        _text[length++] = b;
    }

    private void EndToken(ref bool inToken, int start, int end, int line, int column, bool quoted)
    {
        if (!inToken)
            return;
        inToken = false;
        if (TokenCount == _tokens.Length)
            Array.Resize(ref _tokens, _tokens.Length * 2);
        _tokens[TokenCount++] = new MasterFileToken(start, end - start, line, column, quoted);
    }

    private bool Fill()
    {
        if (_endOfStream)
            return false;
        bool first = !_started;
        _started = true;
        _bufferLength = _stream.Read(_buffer, 0, _buffer.Length);
        _bufferPosition = 0;
        // A UTF-8 byte order mark is not part of the first owner name.
        if (first && _bufferLength >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _bufferPosition = 3;
            if (_bufferLength == 3)
                return Fill();
        }
        if (_bufferLength > 0)
        {
            _fileBytes += _bufferLength;
            if (_fileBytes > _maxFileBytes)
                Stop($"the file is longer than {_maxFileBytes} bytes (Zones:MaxFileBytes)");
            else if (_budget is not null && !_budget.TryUse(_bufferLength))
                Stop($"the zone's files together are longer than {_budget.Limit} bytes (Zones:MaxZoneBytes)");
            return true;
        }
        _endOfStream = true;
        return false;
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>Bytes one zone may still read, shared by its file and the files it includes.</summary>
public sealed class ZoneReadBudget(long limit)
{
    private long _used;

    public long Limit { get; } = limit;

    public bool TryUse(long bytes) => (_used += bytes) <= Limit;
}
