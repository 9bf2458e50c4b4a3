using System.Buffers.Binary;
using System.Buffers.Text;

namespace DnsHost.Zones.MasterFiles;

/// <summary>Reads SVCB/HTTPS SvcParams in presentation format (RFC 9460 2.1 and 7, Appendix A) into wire form, keys in increasing order.</summary>
internal static class SvcParamsText
{
    private static readonly string[] Names = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"];

    /// <summary>Returns the octets written to <paramref name="destination"/>, or -1 with the reason.</summary>
    public static int TryParse(ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, ref int index, Span<byte> destination, byte[] scratch,
        out string detail, out int badToken)
    {
        detail = "";
        badToken = index;
        var items = new List<(ushort Key, int Start, int Length, int Token)>();
        int used = 0;
        while (index < tokens.Length)
        {
            badToken = index;
            var token = tokens[index];
            var raw = RDataTextParser.Slice(text, token);
            if (token.Quoted)
            {
                detail = $"a parameter must start with its key, not \"{PresentationText.Show(raw)}\"";
                return -1;
            }
            int eq = raw.IndexOf((byte)'=');
            var keyText = eq < 0 ? raw : raw[..eq];
            ReadOnlySpan<byte> value = eq < 0 ? default : raw[(eq + 1)..];
            bool hasValue = eq >= 0;
            index++;
            // key="quoted value": the tokenizer splits at the quote, so the value is the next token.
            if (hasValue && value.IsEmpty && index < tokens.Length && tokens[index].Quoted
                && tokens[index].Line == token.Line && tokens[index].Column == token.Column + token.Length)
            {
                value = RDataTextParser.Slice(text, tokens[index]);
                index++;
            }
            if (!TryParseKey(keyText, out ushort key))
            {
                detail = $"'{PresentationText.Show(keyText)}' is not a parameter key (mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint or keyNNNNN)";
                return -1;
            }
            int start = used;
            if (!TryEncodeValue(key, hasValue, value, scratch.AsSpan(used), out int length, out detail))
                return -1;
            used += length;
            foreach (var item in items)
            {
                if (item.Key == key)
                {
                    detail = $"the parameter {KeyText(key)} appears twice";
                    return -1;
                }
            }
            items.Add((key, start, length, badToken));
        }
        items.Sort((a, b) => a.Key.CompareTo(b.Key));
        int written = 0;
        foreach (var item in items)
        {
            if (destination.Length - written < 4 + item.Length)
            {
                detail = "the RDATA is longer than 65535 octets";
                return -1;
            }
            BinaryPrimitives.WriteUInt16BigEndian(destination[written..], item.Key);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(written + 2)..], (ushort)item.Length);
            scratch.AsSpan(item.Start, item.Length).CopyTo(destination[(written + 4)..]);
            written += 4 + item.Length;
        }
        return written;
    }

    private static string KeyText(ushort key) => key < Names.Length ? Names[key] : "key" + key;

    private static bool TryParseKey(ReadOnlySpan<byte> text, out ushort key)
    {
        key = 0;
        for (int i = 0; i < Names.Length; i++)
        {
            if (text.Length == Names[i].Length && EqualsIgnoreCase(text, Names[i]))
            {
                key = (ushort)i;
                return true;
            }
        }
        // RFC 9460 14.3.2: key65535 is reserved.
        if (text.Length > 3 && AsciiBytes.StartsWithIgnoreCase(text, "key"u8) && PresentationText.TryParseNumber(text[3..], 65534, out ulong n))
        {
            key = (ushort)n;
            return true;
        }
        return false;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            if (DnsHost.Protocol.DnsName.ToLowerAscii(text[i]) != name[i])
                return false;
        }
        return true;
    }

    private static bool TryEncodeValue(ushort key, bool hasValue, ReadOnlySpan<byte> value, Span<byte> output, out int length, out string detail)
    {
        length = 0;
        detail = "";
        string name = KeyText(key);
        if (key == 2)
        {
            if (hasValue) { detail = "no-default-alpn takes no value"; return false; }
            return true;
        }
        if (!hasValue || (value.IsEmpty && key <= 6))
        {
            if (key > 6) return true; // keyNNNNN with an empty value
            detail = $"{name} needs a value";
            return false;
        }
        switch (key)
        {
            case 0: // mandatory: a list of keys
            {
                var keys = new List<ushort>();
                foreach (var item in SplitList(value))
                {
                    if (!TryParseKey(item, out ushort listed) || listed == 0) { detail = $"mandatory lists '{PresentationText.Show(item)}', which is not a key it may list"; return false; }
                    if (keys.Contains(listed)) { detail = "mandatory lists a key twice"; return false; }
                    keys.Add(listed);
                }
                keys.Sort();
                foreach (var k in keys)
                {
                    if (output.Length - length < 2) { detail = "mandatory is too long"; return false; }
                    BinaryPrimitives.WriteUInt16BigEndian(output[length..], k);
                    length += 2;
                }
                return true;
            }
            case 1: // alpn: comma-separated ids, "\," for a comma inside one (Appendix A.1)
            {
                Span<byte> id = stackalloc byte[255];
                int idLength = 0;
                for (int i = 0; i <= value.Length; i++)
                {
                    if (i == value.Length || value[i] == (byte)',')
                    {
                        if (idLength == 0) { detail = "alpn holds an empty protocol id"; return false; }
                        if (output.Length - length < idLength + 1) { detail = "alpn is too long"; return false; }
                        output[length++] = (byte)idLength;
                        id[..idLength].CopyTo(output[length..]);
                        length += idLength;
                        idLength = 0;
                        continue;
                    }
                    byte b = value[i];
                    if (b == (byte)'\\')
                    {
                        if (!PresentationText.TryDecodeText(value.Slice(i, EscapeLength(value, i)), id[idLength..], out int n, out detail)) return false;
                        i += EscapeLength(value, i) - 1;
                        idLength += n;
                        continue;
                    }
                    if (idLength == 255) { detail = "an alpn id is longer than 255 octets"; return false; }
                    id[idLength++] = b;
                }
                return true;
            }
            case 3:
                if (!PresentationText.TryParseNumber(value, ushort.MaxValue, out ulong port)) { detail = $"port '{PresentationText.Show(value)}' is not a number from 0 to 65535"; return false; }
                if (output.Length < 2) { detail = "the parameters are too long"; return false; }
                BinaryPrimitives.WriteUInt16BigEndian(output, (ushort)port);
                length = 2;
                return true;
            case 4:
            case 6:
                foreach (var item in SplitList(value))
                {
                    int size = key == 4 ? 4 : 16;
                    if (output.Length - length < size) { detail = $"{name} is too long"; return false; }
                    bool ok = key == 4 ? PresentationText.TryParseIPv4(item, output[length..]) : PresentationText.TryParseIPv6(item, output[length..]);
                    if (!ok) { detail = $"{name} holds '{PresentationText.Show(item)}', which is not an {(key == 4 ? "IPv4" : "IPv6")} address"; return false; }
                    length += size;
                }
                return true;
            case 5:
                if (Base64.DecodeFromUtf8(value, output, out _, out length) != System.Buffers.OperationStatus.Done) { detail = "ech is not valid base64"; return false; }
                return true;
            default:
                if (!PresentationText.TryDecodeText(value, output[..Math.Min(output.Length, ushort.MaxValue)], out length, out detail)) { detail = $"{name}: {detail}"; return false; }
                return true;
        }
    }

    private static int EscapeLength(ReadOnlySpan<byte> value, int i) =>
        i + 1 < value.Length && char.IsAsciiDigit((char)value[i + 1]) ? Math.Min(4, value.Length - i) : Math.Min(2, value.Length - i);

    private static List<byte[]> SplitList(ReadOnlySpan<byte> value)
    {
        var items = new List<byte[]>();
        foreach (var range in value.Split((byte)','))
            items.Add(value[range].ToArray());
        return items;
    }
}
