using System.Text;

namespace DnsHost.Zones.HostedZones;

/// <summary>
/// Route 53's name format (route53-behaviour.md 1.3): a trailing dot is optional, letters are stored
/// lower case, and bytes outside a-z 0-9 - _ may be written as <c>\ooo</c> in octal (so a wildcard
/// comes back as <c>\052.example.com.</c>).
/// </summary>
public static class Route53Names
{
    public static bool TryParse(string text, out byte[] wire, out string error)
    {
        wire = [];
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "the name is empty";
            return false;
        }
        // Every character gives at most one byte, and each label one length byte in place of its dot:
        // the wire form fits in the text's length plus two. Written in place, without lists (record
        // sets are parsed on every zone compile, so this is on the API's change path).
        Span<byte> output = text.Length <= 512 ? stackalloc byte[text.Length + 2] : new byte[text.Length + 2];
        int length = 0, labelStart = -1;
        bool sawAny = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (labelStart < 0)
                {
                    if (i == text.Length - 1 && sawAny)
                        break;
                    if (text == ".")
                        break;
                    error = "the name has an empty label";
                    return false;
                }
                if (!CloseLabel(output, ref labelStart, length, out error))
                    return false;
                continue;
            }
            sawAny = true;
            if (labelStart < 0)
                labelStart = length++;
            if (c == '\\')
            {
                if (i + 3 < text.Length && IsOctal(text[i + 1]) && IsOctal(text[i + 2]) && IsOctal(text[i + 3]))
                {
                    int value = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
                    if (value > 255)
                    {
                        error = $"'\\{text.AsSpan(i + 1, 3)}' is not an octal byte";
                        return false;
                    }
                    output[length++] = (byte)value;
                    i += 3;
                    continue;
                }
                if (i + 1 < text.Length)
                {
                    output[length++] = (byte)text[++i];
                    continue;
                }
                error = "the name ends with a lone backslash";
                return false;
            }
            if (c > 0x7E || c <= 0x20)
            {
                error = $"the character '{c}' must be written as an octal escape (\\ooo), or the name as Punycode";
                return false;
            }
            output[length++] = (byte)c;
        }
        if (labelStart >= 0 && !CloseLabel(output, ref labelStart, length, out error))
            return false;
        output[length++] = 0;
        if (length > Protocol.DnsName.MaxLength)
        {
            error = "the name is longer than 255 bytes";
            return false;
        }
        wire = output[..length].ToArray();
        Protocol.DnsName.ToLower(wire, wire);
        return true;
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    /// <summary>Writes the length byte of the label that starts at <paramref name="labelStart"/>.</summary>
    private static bool CloseLabel(Span<byte> output, ref int labelStart, int length, out string error)
    {
        error = "";
        int labelLength = length - labelStart - 1;
        if (labelLength > Protocol.DnsName.MaxLabelLength)
        {
            error = "a label is longer than 63 bytes";
            return false;
        }
        output[labelStart] = (byte)labelLength;
        labelStart = -1;
        return true;
    }

    /// <summary>The name as Route 53 prints it: lower case, trailing dot, octal escapes for anything but a-z 0-9 - _.</summary>
    public static string ToText(ReadOnlySpan<byte> wire)
    {
        if (wire.Length <= 1)
            return ".";
        var sb = new StringBuilder();
        int pos = 0;
        while (wire[pos] != 0)
        {
            int len = wire[pos];
            foreach (byte b in wire.Slice(pos + 1, len))
            {
                char c = (char)Protocol.DnsName.ToLowerAscii(b);
                if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
                    sb.Append(c);
                else
                    sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            }
            sb.Append('.');
            pos += len + 1;
        }
        return sb.ToString();
    }
}
