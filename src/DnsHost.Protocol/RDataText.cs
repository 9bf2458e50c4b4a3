using System.Buffers.Binary;
using System.Net;
using System.Text;
using K = DnsHost.Protocol.RDataFieldKind;

namespace DnsHost.Protocol;

/// <summary>Presentation format of RDATA, one field at a time as <see cref="RecordTypeInfo"/> lays it out.</summary>
internal static class RDataText
{
    public static bool TryAppend(StringBuilder sb, RecordTypeInfo info, ReadOnlySpan<byte> r)
    {
        int pos = 0;
        foreach (var field in info.Fields)
        {
            int end = RecordTypeInfo.FieldEnd(field.Kind, r, pos);
            if (end < 0)
                return false;
            int mark = sb.Length;
            if (sb.Length > 0)
                sb.Append(' ');
            int afterSeparator = sb.Length;
            if (!TryAppendField(sb, field.Kind, r[pos..end]))
                return false;
            if (sb.Length == afterSeparator)
                sb.Length = mark; // an empty field to the end (no SvcParams, no types) leaves no trailing space
            pos = end;
        }
        return pos == r.Length;
    }

    private static bool TryAppendField(StringBuilder sb, K kind, ReadOnlySpan<byte> v)
    {
        switch (kind)
        {
            case K.CompressibleName:
            case K.Name:
                DnsName.AppendText(sb, v);
                return true;
            case K.UInt8: sb.Append(v[0]); return true;
            case K.UInt16: sb.Append(BinaryPrimitives.ReadUInt16BigEndian(v)); return true;
            case K.UInt32: case K.Period: sb.Append(BinaryPrimitives.ReadUInt32BigEndian(v)); return true;
            case K.Type: sb.Append(RecordData.TypeToText(BinaryPrimitives.ReadUInt16BigEndian(v))); return true;
            case K.Time:
                sb.Append(DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(v)).UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture));
                return true;
            case K.IPv4: case K.IPv6: sb.Append(new IPAddress(v).ToString()); return true;
            case K.CharacterString: RecordData.AppendCharacterString(sb, v[1..]); return true;
            case K.CharacterStrings:
                for (int pos = 0; pos < v.Length; pos += 1 + v[pos])
                {
                    if (pos > 0) sb.Append(' ');
                    RecordData.AppendCharacterString(sb, v.Slice(pos + 1, v[pos]));
                }
                return true;
            case K.Text: RecordData.AppendCharacterString(sb, v); return true;
            case K.Tag:
                foreach (byte b in v[1..])
                {
                    if (!char.IsAsciiLetterOrDigit((char)b))
                        return false;
                    sb.Append((char)b);
                }
                return v.Length > 1;
            case K.Hex: sb.Append(Convert.ToHexString(v)); return true;
            case K.Base64: sb.Append(Convert.ToBase64String(v)); return true;
            case K.Salt: sb.Append(v.Length == 1 ? "-" : Convert.ToHexString(v[1..])); return true;
            case K.Base32Hex: Base32Hex.Append(sb, v[1..]); return true;
            case K.TypeBitmap: return TypeBitmap.Append(sb, v);
            case K.SvcParams: return SvcbText.AppendParams(sb, v);
            default: return false;
        }
    }
}

/// <summary>Base32 with the "extended hex" alphabet, without padding (RFC 4648 7, RFC 5155 3.3).</summary>
public static class Base32Hex
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

    public static void Append(StringBuilder sb, ReadOnlySpan<byte> data)
    {
        int buffer = 0, bits = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                sb.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }
        if (bits > 0)
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
    }

    /// <summary>Decodes base32hex text (either case, no padding); false on a bad digit or leftover bits that are not zero.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        written = 0;
        int buffer = 0, bits = 0;
        foreach (byte c in text)
        {
            int value = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'A' and <= (byte)'V' => c - 'A' + 10,
                >= (byte)'a' and <= (byte)'v' => c - 'a' + 10,
                _ => -1,
            };
            if (value < 0)
                return false;
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                if (written >= destination.Length)
                    return false;
                destination[written++] = (byte)(buffer >> bits);
            }
        }
        return (buffer & ((1 << bits) - 1)) == 0;
    }
}

/// <summary>The NSEC/NSEC3 type bitmap (RFC 4034 4.1.2).</summary>
public static class TypeBitmap
{
    public static bool Append(StringBuilder sb, ReadOnlySpan<byte> v)
    {
        int start = sb.Length;
        for (int pos = 0; pos < v.Length;)
        {
            int window = v[pos], len = v[pos + 1];
            for (int i = 0; i < len; i++)
            {
                byte bits = v[pos + 2 + i];
                for (int bit = 0; bit < 8; bit++)
                {
                    if ((bits & (0x80 >> bit)) == 0)
                        continue;
                    if (sb.Length > start) sb.Append(' ');
                    sb.Append(RecordData.TypeToText((ushort)(window * 256 + i * 8 + bit)));
                }
            }
            pos += 2 + len;
        }
        return true;
    }

    /// <summary>The bitmap of <paramref name="types"/> (any order, repeats allowed).</summary>
    public static byte[] Build(ReadOnlySpan<ushort> types)
    {
        var present = new byte[8192];
        foreach (ushort type in types)
            present[type >> 3] |= (byte)(0x80 >> (type & 7));
        var bitmap = new byte[8192 + 512];
        return bitmap[..Write(present, bitmap)];
    }

    /// <summary>Writes the bitmap for the set <paramref name="present"/> (8192 bytes, one bit per type); returns its length.</summary>
    public static int Write(ReadOnlySpan<byte> present, Span<byte> destination)
    {
        int written = 0;
        for (int window = 0; window < 256; window++)
        {
            var bits = present.Slice(window * 32, 32);
            int last = bits.LastIndexOfAnyExcept((byte)0);
            if (last < 0)
                continue;
            if (destination.Length - written < last + 3)
                return -1;
            destination[written] = (byte)window;
            destination[written + 1] = (byte)(last + 1);
            bits[..(last + 1)].CopyTo(destination[(written + 2)..]);
            written += last + 3;
        }
        return written;
    }
}
