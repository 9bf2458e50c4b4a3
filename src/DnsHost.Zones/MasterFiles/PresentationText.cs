using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;

namespace DnsHost.Zones.MasterFiles;

/// <summary>Reads the pieces of presentation format (RFC 1035 5.1) from UTF-8 bytes: names, numbers, TTLs, escaped text.</summary>
public static class PresentationText
{
    /// <summary>
    /// Parses a domain name: "@" is the origin, a name without a final dot is relative to it,
    /// "\DDD" and "\X" stand for one octet each. Writes at most 255 octets to <paramref name="destination"/>.
    /// </summary>
    public static bool TryParseName(ReadOnlySpan<byte> text, ReadOnlySpan<byte> origin, Span<byte> destination, out int length, out string error)
    {
        length = 0;
        error = "";
        if (text.Length == 1 && text[0] == (byte)'@')
        {
            if (origin.IsEmpty) { error = "'@' needs an origin"; return false; }
            origin.CopyTo(destination);
            length = origin.Length;
            return true;
        }
        if (text.Length == 1 && text[0] == (byte)'.')
        {
            destination[0] = 0;
            length = 1;
            return true;
        }
        if (text.IsEmpty) { error = "empty name"; return false; }
        int pos = 0;
        int labelStart = pos++;
        int labelLength = 0;
        bool absolute = false;
        for (int i = 0; i < text.Length; i++)
        {
            byte b = text[i];
            if (b == (byte)'.')
            {
                if (labelLength == 0) { error = "empty label"; return false; }
                destination[labelStart] = (byte)labelLength;
                if (i == text.Length - 1) { absolute = true; break; }
                labelStart = pos++;
                labelLength = 0;
                continue;
            }
            if (b == (byte)'\\')
            {
                if (!TryReadEscape(text, ref i, out b, out error))
                    return false;
            }
            else if (b > 0x7E)
            {
                error = "non-ASCII character in a name (use Punycode, or \\DDD for raw octets)";
                return false;
            }
            if (++labelLength > DnsName.MaxLabelLength) { error = "label longer than 63 octets"; return false; }
            if (pos >= DnsName.MaxLength) { error = "name longer than 255 octets"; return false; }
            destination[pos++] = b;
        }
        if (absolute)
        {
            if (pos + 1 > DnsName.MaxLength) { error = "name longer than 255 octets"; return false; }
            destination[pos++] = 0;
        }
        else
        {
            destination[labelStart] = (byte)labelLength;
            if (origin.IsEmpty) { error = "relative name without an origin"; return false; }
            if (pos + origin.Length > DnsName.MaxLength) { error = "name longer than 255 octets"; return false; }
            origin.CopyTo(destination[pos..]);
            pos += origin.Length;
        }
        length = pos;
        return true;
    }

    /// <summary>Reads the escape starting at text[i] (a backslash), leaving i on its last character.</summary>
    private static bool TryReadEscape(ReadOnlySpan<byte> text, ref int i, out byte value, out string error)
    {
        value = 0;
        error = "";
        if (i + 1 >= text.Length) { error = "a backslash with nothing after it"; return false; }
        byte next = text[i + 1];
        if (next is >= (byte)'0' and <= (byte)'9')
        {
            if (i + 3 >= text.Length || !char.IsAsciiDigit((char)text[i + 2]) || !char.IsAsciiDigit((char)text[i + 3]))
            { error = "a \\DDD escape needs three decimal digits"; return false; }
            int v = (next - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
            if (v > 255) { error = "a \\DDD escape above 255"; return false; }
            value = (byte)v;
            i += 3;
            return true;
        }
        value = next;
        i += 1;
        return true;
    }

    /// <summary>Decodes a character-string's text (quotes already removed) with its escapes; raw octets, UTF-8 or not, are kept as they are.</summary>
    public static bool TryDecodeText(ReadOnlySpan<byte> text, Span<byte> destination, out int length, out string error)
    {
        length = 0;
        error = "";
        for (int i = 0; i < text.Length; i++)
        {
            byte b = text[i];
            if (b == (byte)'\\' && !TryReadEscape(text, ref i, out b, out error))
                return false;
            if (length >= destination.Length) { error = $"longer than {destination.Length} octets"; return false; }
            destination[length++] = b;
        }
        return true;
    }

    /// <summary>A decimal number without sign, at most <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> text, ulong max, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
            return false;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
            value = value * 10 + (ulong)(b - '0');
            if (value > max)
                return false;
        }
        return true;
    }

    /// <summary>A TTL in seconds, or with the w/d/h/m/s units BIND, Knot and NSD accept ("1h30m", any case).</summary>
    public static bool TryParseTtl(ReadOnlySpan<byte> text, out uint seconds)
    {
        seconds = 0;
        if (text.IsEmpty || !char.IsAsciiDigit((char)text[0]))
            return false;
        ulong total = 0, number = 0;
        bool pendingNumber = false, sawUnit = false;
        foreach (byte c in text)
        {
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                number = number * 10 + (ulong)(c - '0');
                if (number > uint.MaxValue) return false;
                pendingNumber = true;
                continue;
            }
            ulong unit = DnsName.ToLowerAscii(c) switch { (byte)'w' => 604800, (byte)'d' => 86400, (byte)'h' => 3600, (byte)'m' => 60, (byte)'s' => 1, _ => 0 };
            if (unit == 0 || !pendingNumber) return false;
            total += number * unit;
            number = 0;
            pendingNumber = false;
            sawUnit = true;
        }
        total += number;
        // RFC 2181 8: a TTL is at most 2^31 - 1; a plain number up to 2^32 - 1 is still read (and clamped later if needed).
        if (total > (sawUnit ? int.MaxValue : uint.MaxValue))
            return false;
        seconds = (uint)total;
        return true;
    }

    /// <summary>A class mnemonic (IN, CH, CS, HS) or CLASSnnn (RFC 3597 5).</summary>
    public static bool TryParseClass(ReadOnlySpan<byte> text, out ushort value)
    {
        value = 0;
        if (text.Length == 2)
        {
            int a = DnsName.ToLowerAscii(text[0]), b = DnsName.ToLowerAscii(text[1]);
            value = (a, b) switch { ('i', 'n') => RecordClass.IN, ('c', 'h') => RecordClass.CH, ('c', 's') => 2, ('h', 's') => RecordClass.HS, _ => 0 };
            return value != 0;
        }
        if (text.Length > 5 && AsciiBytes.StartsWithIgnoreCase(text, "CLASS"u8) && TryParseNumber(text[5..], ushort.MaxValue, out ulong n))
        {
            value = (ushort)n;
            return true;
        }
        return false;
    }

    /// <summary>A type mnemonic the server knows, or TYPEnnn (RFC 3597 5).</summary>
    public static bool TryParseType(ReadOnlySpan<byte> text, out ushort type)
    {
        type = 0;
        if (text.Length > 4 && AsciiBytes.StartsWithIgnoreCase(text, "TYPE"u8) && TryParseNumber(text[4..], ushort.MaxValue, out ulong n))
        {
            type = (ushort)n;
            return true;
        }
        if (text.IsEmpty || text.Length > 16)
            return false;
        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > 0x7E)
                return false;
            chars[i] = (char)text[i];
        }
        if (RecordTypeInfo.TryGet(chars, out var info))
        {
            type = info.Type;
            return true;
        }
        // Mnemonics outside the descriptor table (OPT, ANY, ...) are not RR types a zone may hold.
        return false;
    }

    public static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Strict dotted quad: four decimal numbers 0-255 (no "10" or "1.2" short forms).</summary>
    public static bool TryParseIPv4(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        int part = 0, digits = 0, value = 0;
        foreach (byte b in text)
        {
            if (b == (byte)'.')
            {
                if (digits == 0 || part == 3) return false;
                destination[part++] = (byte)value;
                digits = value = 0;
                continue;
            }
            if (b is < (byte)'0' or > (byte)'9' || ++digits > 3) return false;
            value = value * 10 + (b - '0');
            if (value > 255) return false;
        }
        if (digits == 0 || part != 3) return false;
        destination[3] = (byte)value;
        return true;
    }

    public static bool TryParseIPv6(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        if (text.Length is < 2 or > 45 || text.IndexOf((byte)':') < 0)
            return false;
        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            byte b = text[i];
            // Hex digits, colons and an embedded dotted quad only: no scope ("%eth0"), no brackets.
            if (!(char.IsAsciiHexDigit((char)b) || b is (byte)':' or (byte)'.'))
                return false;
            chars[i] = (char)b;
        }
        if (!IPAddress.TryParse(chars, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        return address.TryWriteBytes(destination, out _);
    }

    public static bool TryParseTime(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        // RFC 4034 3.2: YYYYMMDDHHmmSS, or an unsigned decimal number of seconds.
        if (text.Length == 14 && TryParseNumber(text, ulong.MaxValue, out _))
        {
            int year = Digits(text, 0, 4), month = Digits(text, 4, 2), day = Digits(text, 6, 2);
            int hour = Digits(text, 8, 2), minute = Digits(text, 10, 2), second = Digits(text, 12, 2);
            if (year < 1970 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
                return false;
            long seconds = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeSeconds();
            value = (uint)seconds; // serial-number arithmetic (RFC 1982) wraps past 2106
            return true;
        }
        if (TryParseNumber(text, uint.MaxValue, out ulong n))
        {
            value = (uint)n;
            return true;
        }
        return false;
    }

    private static int Digits(ReadOnlySpan<byte> text, int at, int count)
    {
        int v = 0;
        for (int i = at; i < at + count; i++)
            v = v * 10 + (text[i] - '0');
        return v;
    }

    public static string Show(ReadOnlySpan<byte> text) =>
        text.Length > 60 ? System.Text.Encoding.UTF8.GetString(text[..60]) + "..." : System.Text.Encoding.UTF8.GetString(text);
}

/// <summary>ASCII helpers over bytes.</summary>
internal static class AsciiBytes
{
    public static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix)
    {
        if (text.Length < prefix.Length)
            return false;
        for (int i = 0; i < prefix.Length; i++)
        {
            if (DnsName.ToLowerAscii(text[i]) != DnsName.ToLowerAscii(prefix[i]))
                return false;
        }
        return true;
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> other) =>
        text.Length == other.Length && StartsWithIgnoreCase(text, other);
}
