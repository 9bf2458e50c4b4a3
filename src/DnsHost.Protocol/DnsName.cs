using System.Text;

namespace DnsHost.Protocol;

/// <summary>
/// Operations on uncompressed wire-format names (length-prefixed labels ending in the root label).
/// Names on the query path stay in this form; strings are made only for tools, logs and the API.
/// </summary>
public static class DnsName
{
    public const int MaxLength = 255;
    public const int MaxLabelLength = 63;

    /// <summary>The root name: a single zero-length label.</summary>
    public static ReadOnlySpan<byte> Root => [0];

    public static byte ToLowerAscii(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Compares two wire names ASCII case-insensitively (RFC 4343).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLowerAscii(a[i]) != ToLowerAscii(b[i]))
                return false;
        }
        return true;
    }

    /// <summary>Copies a wire name into <paramref name="destination"/> with ASCII letters lower-cased.</summary>
    public static void ToLower(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        // Length octets are at most 63, below 'A', so lower-casing every byte leaves them alone.
        for (int i = 0; i < name.Length; i++)
            destination[i] = ToLowerAscii(name[i]);
    }

    public static int LabelCount(ReadOnlySpan<byte> name)
    {
        int count = 0, pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            count++;
            pos += name[pos] + 1;
        }
        return count;
    }

    /// <summary>Offset of the suffix of <paramref name="name"/> that has <paramref name="labels"/> labels.</summary>
    public static int SuffixOffset(ReadOnlySpan<byte> name, int labels)
    {
        int total = LabelCount(name);
        int pos = 0;
        for (int i = 0; i < total - labels; i++)
            pos += name[pos] + 1;
        return pos;
    }

    /// <summary>True when <paramref name="name"/> equals <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsSubdomainOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> ancestor)
    {
        if (name.Length < ancestor.Length)
            return false;
        int offset = name.Length - ancestor.Length;
        // The suffix must start on a label boundary.
        int pos = 0;
        while (pos < offset)
            pos += name[pos] + 1;
        return pos == offset && EqualsIgnoreCase(name[offset..], ancestor);
    }

    /// <summary>The name with its first label removed; the root stays the root.</summary>
    public static ReadOnlySpan<byte> Parent(ReadOnlySpan<byte> name) =>
        name.Length <= 1 ? name : name[(name[0] + 1)..];

    public static bool IsWildcard(ReadOnlySpan<byte> name) => name.Length >= 2 && name[0] == 1 && name[1] == (byte)'*';

    /// <summary>Parses presentation format (with \DDD and \X escapes) into wire format.</summary>
    /// <param name="origin">Appended to relative names; null requires the name to be absolute.</param>
    public static byte[] Parse(string text, ReadOnlySpan<byte> origin = default)
    {
        if (!TryParse(text, origin, out var wire, out var error))
            throw new FormatException($"'{text}' is not a valid domain name: {error}");
        return wire;
    }

    public static bool TryParse(string text, ReadOnlySpan<byte> origin, out byte[] wire, out string error)
    {
        Span<byte> buffer = stackalloc byte[MaxLength + 64];
        int pos = 0;
        wire = [];
        error = "";
        if (text == "." )
        {
            wire = [0];
            return true;
        }
        if (text == "@")
        {
            if (origin.IsEmpty) { error = "'@' needs an origin"; return false; }
            wire = origin.ToArray();
            return true;
        }
        int labelStart = pos++;
        int labelLength = 0;
        bool absolute = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            byte b;
            if (c == '.')
            {
                if (labelLength == 0) { error = "empty label"; return false; }
                buffer[labelStart] = (byte)labelLength;
                if (i == text.Length - 1) { absolute = true; labelLength = -1; break; }
                labelStart = pos++;
                labelLength = 0;
                continue;
            }
            if (c == '\\')
            {
                if (i + 1 >= text.Length) { error = "dangling escape"; return false; }
                if (char.IsAsciiDigit(text[i + 1]))
                {
                    if (i + 3 >= text.Length || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3]))
                    { error = "bad \\DDD escape"; return false; }
                    int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                    if (value > 255) { error = "\\DDD escape above 255"; return false; }
                    b = (byte)value;
                    i += 3;
                }
                else
                {
                    // "\X" stands for the octet X; a character beyond ASCII is not one octet.
                    if (text[++i] > 0x7E) { error = "non-ASCII character (use Punycode)"; return false; }
                    b = (byte)text[i];
                }
            }
            else
            {
                if (c > 0x7E) { error = "non-ASCII character (use Punycode)"; return false; }
                b = (byte)c;
            }
            if (++labelLength > MaxLabelLength) { error = "label longer than 63 octets"; return false; }
            if (pos >= MaxLength) { error = "name longer than 255 octets"; return false; }
            buffer[pos++] = b;
        }
        if (!absolute)
        {
            if (labelLength == 0) { error = "empty label"; return false; }
            buffer[labelStart] = (byte)labelLength;
            if (origin.IsEmpty) { error = "relative name without an origin"; return false; }
            if (pos + origin.Length > MaxLength) { error = "name longer than 255 octets"; return false; }
            origin.CopyTo(buffer[pos..]);
            pos += origin.Length;
        }
        else
        {
            if (pos + 1 > MaxLength) { error = "name longer than 255 octets"; return false; }
            buffer[pos++] = 0;
        }
        wire = buffer[..pos].ToArray();
        return true;
    }

    /// <summary>Presentation format of a wire name, always absolute (trailing dot), escaping per RFC 1035 5.1.</summary>
    public static string ToText(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 1)
            return ".";
        var sb = new StringBuilder(name.Length + 4);
        AppendText(sb, name);
        return sb.ToString();
    }

    /// <summary>Bytes a master-file name writes as <c>\X</c> (the rest outside printable ASCII as <c>\DDD</c>).</summary>
    private static bool NeedsBackslash(byte b) => b is (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'@' or (byte)'$';

    /// <summary>
    /// The name's text as <see cref="AppendText"/> writes it, in ASCII into <paramref name="destination"/>
    /// (at least 4 bytes per name byte), without the root's dot ("." for the root itself); returns its length.
    /// Allocation-free, for writers of text logs.
    /// </summary>
    public static int WriteTextWithoutRootDot(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        int n = 0, pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            if (n > 0)
                destination[n++] = (byte)'.';
            int end = pos + 1 + name[pos];
            for (int i = pos + 1; i < end; i++)
            {
                byte b = name[i];
                if (NeedsBackslash(b))
                {
                    destination[n++] = (byte)'\\';
                    destination[n++] = b;
                }
                else if (b <= 0x20 || b >= 0x7F)
                {
                    destination[n++] = (byte)'\\';
                    destination[n++] = (byte)('0' + b / 100);
                    destination[n++] = (byte)('0' + b / 10 % 10);
                    destination[n++] = (byte)('0' + b % 10);
                }
                else
                {
                    destination[n++] = b;
                }
            }
            pos = end;
        }
        if (n == 0)
            destination[n++] = (byte)'.';
        return n;
    }

    public static void AppendText(StringBuilder sb, ReadOnlySpan<byte> name)
    {
        if (name.Length <= 1)
        {
            sb.Append('.');
            return;
        }
        int pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            int len = name[pos];
            foreach (byte b in name.Slice(pos + 1, len))
            {
                if (NeedsBackslash(b))
                    sb.Append('\\').Append((char)b);
                else if (b <= 0x20 || b >= 0x7F)
                    sb.Append('\\').Append(b.ToString("D3"));
                else
                    sb.Append((char)b);
            }
            sb.Append('.');
            pos += len + 1;
        }
    }
}
