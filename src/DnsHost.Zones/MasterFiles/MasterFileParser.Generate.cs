namespace DnsHost.Zones.MasterFiles;

public sealed partial class MasterFileParser
{
    /// <summary>
    /// BIND's $GENERATE start-stop[/step] lhs [ttl] [class] type rhs: one record per value, with "$" in
    /// lhs and rhs replaced by the value and "${offset[,width[,base]]}" by a formatted one (base d, o, x,
    /// X, n or N; n and N write nibbles in reverse order, dot-separated, as in ip6.arpa). "\$" is a literal "$".
    /// </summary>
    private sealed class Generator
    {
        private readonly Frame _frame;
        private readonly byte[] _template;
        private readonly MasterFileToken[] _tokens; // lhs, [ttl], [class], type, rhs...
        private readonly int _typeIndex;
        private readonly long _stop;
        private readonly long _step;
        private readonly int _line;
        private long _current;
        private byte[] _text = new byte[256];
        private readonly MasterFileToken[] _generated;

        private Generator(Frame frame, byte[] template, MasterFileToken[] tokens, int typeIndex, long start, long stop, long step, int line)
        {
            _frame = frame;
            _template = template;
            _tokens = tokens;
            _typeIndex = typeIndex;
            _current = start;
            _stop = stop;
            _step = step;
            _line = line;
            _generated = new MasterFileToken[tokens.Length];
        }

        public static Generator? Create(MasterFileParser parser, Frame frame, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens)
        {
            if (tokens.Length < 5)
            {
                parser.Fail(frame, tokens, -1, "$GENERATE needs a range, an owner, a type and RDATA: $GENERATE 1-10 host$ A 192.0.2.$");
                return null;
            }
            var range = RDataTextParser.Slice(text, tokens[1]);
            if (!TryParseRange(range, out long start, out long stop, out long step))
            {
                parser.Fail(frame, tokens, 1, $"$GENERATE range '{PresentationText.Show(range)}' is not start-stop or start-stop/step with start <= stop");
                return null;
            }
            if ((stop - start) / step + 1 > MaxGenerated)
            {
                parser.Fail(frame, tokens, 1, $"$GENERATE range '{PresentationText.Show(range)}' makes more than {MaxGenerated} records");
                return null;
            }
            // Find the type: after lhs, at most a TTL and a class.
            int typeIndex = 3;
            for (int k = 0; k < 2 && typeIndex < tokens.Length - 1; k++)
            {
                var t = RDataTextParser.Slice(text, tokens[typeIndex]);
                if (PresentationText.TryParseClass(t, out _) || (t.Length > 0 && char.IsAsciiDigit((char)t[0])))
                    typeIndex++;
                else
                    break;
            }
            var template = text.ToArray();
            var kept = tokens[2..].ToArray();
            var generator = new Generator(frame, template, kept, typeIndex - 2, start, stop, step, tokens[0].Line);
            // Check the modifiers once, so a bad one is one problem and not one per value.
            foreach (var token in kept)
            {
                if (!generator.TrySubstitute(RDataTextParser.Slice(template, token), start, out string error))
                {
                    parser.Report(frame, token.Line, token.Column, $"$GENERATE: {error}");
                    return null;
                }
            }
            return generator;
        }

        private static bool TryParseRange(ReadOnlySpan<byte> text, out long start, out long stop, out long step)
        {
            start = stop = 0;
            step = 1;
            int dash = text.IndexOf((byte)'-');
            if (dash <= 0)
                return false;
            int slash = text.IndexOf((byte)'/');
            var stopText = slash > dash ? text[(dash + 1)..slash] : text[(dash + 1)..];
            if (!PresentationText.TryParseNumber(text[..dash], uint.MaxValue, out ulong a) || !PresentationText.TryParseNumber(stopText, uint.MaxValue, out ulong b))
                return false;
            if (slash > dash && (!PresentationText.TryParseNumber(text[(slash + 1)..], uint.MaxValue, out ulong s) || (step = (long)s) == 0))
                return false;
            (start, stop) = ((long)a, (long)b);
            return start <= stop;
        }

        /// <summary>The next record, or null in <paramref name="record"/> when this value gave a problem; false when done.</summary>
        public bool TryNext(MasterFileParser parser, out ZoneRecord? record)
        {
            record = null;
            if (_current > _stop)
                return false;
            long value = _current;
            _current += _step;
            int length = 0;
            for (int i = 0; i < _tokens.Length; i++)
            {
                var token = _tokens[i];
                var source = RDataTextParser.Slice(_template, token);
                int start = length;
                // TTL, class and type are copied as they are; BIND substitutes in lhs and rhs only.
                if (i == 0 || i > _typeIndex)
                {
                    _scratch.Clear();
                    TrySubstitute(source, value, out _);
                    Ensure(length + _scratch.Count);
                    foreach (byte b in _scratch)
                        _text[length++] = b;
                }
                else
                {
                    Ensure(length + source.Length);
                    source.CopyTo(_text.AsSpan(length));
                    length += source.Length;
                }
                _generated[i] = token with { Start = start, Length = length - start };
            }
            record = parser.BuildRecord(_frame, _text.AsSpan(0, length), _generated, startsWithBlank: false, _line);
            return true;
        }

        private readonly List<byte> _scratch = [];

        private void Ensure(int size)
        {
            if (size > _text.Length)
                Array.Resize(ref _text, Math.Max(size, _text.Length * 2));
        }

        /// <summary>Writes <paramref name="source"/> with its "$" replaced into the scratch list.</summary>
        private bool TrySubstitute(ReadOnlySpan<byte> source, long value, out string error)
        {
            error = "";
            _scratch.Clear();
            for (int i = 0; i < source.Length; i++)
            {
                byte b = source[i];
                if (b == (byte)'\\' && i + 1 < source.Length)
                {
                    // "\$" stays an escape: the name or string reader turns it into a literal "$".
                    _scratch.Add(b);
                    _scratch.Add(source[++i]);
                    continue;
                }
                if (b != (byte)'$')
                {
                    _scratch.Add(b);
                    continue;
                }
                long offset = 0;
                int width = 0;
                char format = 'd';
                if (i + 1 < source.Length && source[i + 1] == (byte)'{')
                {
                    int close = source[(i + 2)..].IndexOf((byte)'}');
                    if (close < 0)
                    {
                        error = "'${' without '}'";
                        return false;
                    }
                    var modifier = source.Slice(i + 2, close);
                    if (!TryParseModifier(modifier, out offset, out width, out format))
                    {
                        error = $"'${{{PresentationText.Show(modifier)}}}' is not ${{offset[,width[,base]]}} with base d, o, x, X, n or N";
                        return false;
                    }
                    i += close + 2;
                }
                Format(value + offset, width, format);
            }
            return true;
        }

        private static bool TryParseModifier(ReadOnlySpan<byte> text, out long offset, out int width, out char format)
        {
            offset = 0;
            width = 0;
            format = 'd';
            int part = 0;
            foreach (var range in text.Split((byte)','))
            {
                var piece = text[range];
                switch (part++)
                {
                    case 0:
                        bool negative = piece.Length > 0 && piece[0] == (byte)'-';
                        if (negative || (piece.Length > 0 && piece[0] == (byte)'+'))
                            piece = piece[1..];
                        if (!PresentationText.TryParseNumber(piece, uint.MaxValue, out ulong o))
                            return false;
                        offset = negative ? -(long)o : (long)o;
                        break;
                    case 1:
                        if (!PresentationText.TryParseNumber(piece, 255, out ulong w))
                            return false;
                        width = (int)w;
                        break;
                    case 2:
                        if (piece.Length != 1 || piece[0] is not ((byte)'d' or (byte)'o' or (byte)'x' or (byte)'X' or (byte)'n' or (byte)'N'))
                            return false;
                        format = (char)piece[0];
                        break;
                    default:
                        return false;
                }
            }
            return true;
        }

        private void Format(long value, int width, char format)
        {
            if (format is 'n' or 'N')
            {
                // Nibbles, least significant first: 0x1a2 with width 4 gives "2.a.1.0".
                string hex = Math.Abs(value).ToString(format == 'n' ? "x" : "X").PadLeft(Math.Max(width, 1), '0');
                for (int i = hex.Length - 1; i >= 0; i--)
                {
                    _scratch.Add((byte)hex[i]);
                    if (i > 0)
                        _scratch.Add((byte)'.');
                }
                return;
            }
            string digits = format switch
            {
                'o' => Convert.ToString(Math.Abs(value), 8),
                'x' => Math.Abs(value).ToString("x"),
                'X' => Math.Abs(value).ToString("X"),
                _ => Math.Abs(value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (value < 0)
                _scratch.Add((byte)'-');
            foreach (char c in digits.PadLeft(width, '0'))
                _scratch.Add((byte)c);
        }
    }
}
