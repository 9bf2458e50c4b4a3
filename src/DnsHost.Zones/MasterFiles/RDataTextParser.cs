using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using DnsHost.Protocol;
using K = DnsHost.Protocol.RDataFieldKind;

namespace DnsHost.Zones.MasterFiles;

/// <summary>Why RDATA text was refused: the detail, and the token it is about (or -1 when something is missing at the end).</summary>
public readonly record struct RDataTextError(string Detail, int TokenIndex);

/// <summary>
/// Turns the RDATA tokens of one record into uncompressed wire RDATA, one field at a time as
/// <see cref="RecordTypeInfo"/> lays the type out, or from the generic form "\# length hex" (RFC 3597 5).
/// One instance reuses its buffers from record to record; it is not thread-safe.
/// </summary>
public sealed class RDataTextParser
{
    private readonly byte[] _rdata = new byte[ushort.MaxValue];
    private readonly byte[] _scratch = new byte[ushort.MaxValue];
    private readonly byte[] _bitmap = new byte[8192];
    private int _length;

    /// <summary>The RDATA of the last successful parse.</summary>
    public ReadOnlySpan<byte> RData => _rdata.AsSpan(0, _length);

    public static bool IsGenericMarker(ReadOnlySpan<byte> text, in MasterFileToken token) =>
        !token.Quoted && token.Length == 2 && text[token.Start] == (byte)'\\' && text[token.Start + 1] == (byte)'#';

    /// <summary>Parses <paramref name="tokens"/> (the RDATA part of an entry) for <paramref name="type"/>.</summary>
    public bool TryParse(ushort type, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, ReadOnlySpan<byte> origin, out RDataTextError error)
    {
        _length = 0;
        if (tokens.Length > 0 && IsGenericMarker(text, tokens[0]))
            return TryParseGeneric(type, text, tokens, out error);
        var info = RecordTypeInfo.Get(type);
        if (info is null)
        {
            error = new("a type the server does not know takes its RDATA in the generic form \\# length hex (RFC 3597 5)", tokens.Length > 0 ? 0 : -1);
            return false;
        }
        int index = 0;
        var fields = info.Fields;
        for (int f = 0; f < fields.Length; f++)
        {
            var field = fields[f];
            bool optional = field.Kind is K.TypeBitmap or K.SvcParams;
            if (index >= tokens.Length && !optional)
            {
                error = new($"the {field.Name} is missing", -1);
                return false;
            }
            if (!TryParseField(field, info.LowercasesNames, text, tokens, ref index, origin, out string detail, out int badToken))
            {
                error = new(detail, badToken);
                return false;
            }
        }
        if (index < tokens.Length)
        {
            error = new($"unexpected '{Show(text, tokens[index])}' after the {fields[^1].Name}", index);
            return false;
        }
        error = default;
        return true;
    }

    private bool TryParseGeneric(ushort type, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, out RDataTextError error)
    {
        if (tokens.Length < 2 || tokens[1].Quoted || !PresentationText.TryParseNumber(Slice(text, tokens[1]), ushort.MaxValue, out ulong declared))
        {
            error = new("\\# needs the RDATA length in octets, then the RDATA in hex", tokens.Length < 2 ? -1 : 1);
            return false;
        }
        for (int i = 2; i < tokens.Length; i++)
        {
            if (!TryAppendHex(Slice(text, tokens[i]), out string detail))
            {
                error = new(detail, i);
                return false;
            }
        }
        if ((ulong)_length != declared)
        {
            error = new($"\\# says {declared} octets but the hex holds {_length}", tokens.Length > 2 ? 2 : 1);
            return false;
        }
        // A known type in the generic form must still have that type's layout (RFC 3597 5).
        var info = RecordTypeInfo.Get(type);
        if (info is not null && !IsWellFormed(info, RData))
        {
            error = new($"the \\# RDATA is not a valid {info.Mnemonic} ({info.Expected})", 1);
            return false;
        }
        error = default;
        return true;
    }

    private static bool IsWellFormed(RecordTypeInfo info, ReadOnlySpan<byte> rdata)
    {
        int pos = 0;
        foreach (var field in info.Fields)
        {
            pos = RecordTypeInfo.FieldEnd(field.Kind, rdata, pos);
            if (pos < 0)
                return false;
        }
        return pos == rdata.Length;
    }

    private bool TryParseField(RDataField field, bool lowercase, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, ref int index, ReadOnlySpan<byte> origin, out string detail, out int badToken)
    {
        detail = "";
        badToken = index;
        var kind = field.Kind;
        switch (kind)
        {
            case K.CompressibleName:
            case K.Name:
            {
                var token = Slice(text, tokens[index]);
                Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
                if (!PresentationText.TryParseName(token, origin, name, out int nameLength, out string nameError))
                {
                    detail = $"'{Show(text, tokens[index])}' is not a valid {field.Name} ({nameError})";
                    return false;
                }
                index++;
                if (lowercase)
                    DnsName.ToLower(name[..nameLength], name);
                return TryWrite(name[..nameLength], ref detail);
            }
            case K.UInt8:
            case K.UInt16:
            case K.UInt32:
            {
                ulong max = kind switch { K.UInt8 => byte.MaxValue, K.UInt16 => ushort.MaxValue, _ => uint.MaxValue };
                if (tokens[index].Quoted || !PresentationText.TryParseNumber(Slice(text, tokens[index]), max, out ulong value))
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' is not a number from 0 to {max}";
                    return false;
                }
                index++;
                return kind switch { K.UInt8 => TryWriteU8((byte)value, ref detail), K.UInt16 => TryWriteU16((ushort)value, ref detail), _ => TryWriteU32((uint)value, ref detail) };
            }
            case K.Period:
                if (tokens[index].Quoted || !PresentationText.TryParseTtl(Slice(text, tokens[index]), out uint seconds))
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' is not a number of seconds (units w, d, h, m, s allowed)";
                    return false;
                }
                index++;
                return TryWriteU32(seconds, ref detail);
            case K.Type:
                if (!PresentationText.TryParseType(Slice(text, tokens[index]), out ushort covered))
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' is not a record type";
                    return false;
                }
                index++;
                return TryWriteU16(covered, ref detail);
            case K.Time:
                if (!PresentationText.TryParseTime(Slice(text, tokens[index]), out uint time))
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' is not a time (YYYYMMDDHHmmSS or seconds since 1970)";
                    return false;
                }
                index++;
                return TryWriteU32(time, ref detail);
            case K.IPv4:
            case K.IPv6:
            {
                Span<byte> address = stackalloc byte[16];
                bool ok = kind == K.IPv4 ? PresentationText.TryParseIPv4(Slice(text, tokens[index]), address) : PresentationText.TryParseIPv6(Slice(text, tokens[index]), address);
                if (!ok)
                {
                    detail = $"'{Show(text, tokens[index])}' is not an {(kind == K.IPv4 ? "IPv4" : "IPv6")} address";
                    return false;
                }
                index++;
                return TryWrite(address[..(kind == K.IPv4 ? 4 : 16)], ref detail);
            }
            case K.CharacterString:
                return TryWriteCharacterString(field, text, tokens, ref index, out detail);
            case K.CharacterStrings:
                while (index < tokens.Length)
                {
                    badToken = index;
                    if (!TryWriteCharacterString(field, text, tokens, ref index, out detail))
                        return false;
                }
                return true;
            case K.Text:
            {
                if (!PresentationText.TryDecodeText(Slice(text, tokens[index]), _scratch.AsSpan(0, _rdata.Length - _length), out int length, out string textError))
                {
                    detail = $"the {field.Name} is not valid text ({textError})";
                    return false;
                }
                index++;
                return TryWrite(_scratch.AsSpan(0, length), ref detail);
            }
            case K.Tag:
            {
                var tag = Slice(text, tokens[index]);
                if (tag.IsEmpty || tag.Length > 255 || tag.IndexOfAnyExcept(AlphaNumeric) >= 0)
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' must be 1 to 255 letters and digits";
                    return false;
                }
                index++;
                return TryWriteU8((byte)tag.Length, ref detail) && TryWrite(tag, ref detail);
            }
            case K.Hex:
            case K.Base64:
            {
                int start = _length;
                if (kind == K.Hex)
                {
                    for (; index < tokens.Length; index++)
                    {
                        badToken = index;
                        if (!TryAppendHex(Slice(text, tokens[index]), out detail))
                            return false;
                    }
                    return true;
                }
                // Base64 may be split across tokens (RFC 4034 2.2); the pieces are joined before decoding.
                int joined = 0;
                for (; index < tokens.Length; index++)
                {
                    var piece = Slice(text, tokens[index]);
                    if (joined + piece.Length > _scratch.Length)
                    {
                        detail = $"the {field.Name} is too long";
                        return false;
                    }
                    piece.CopyTo(_scratch.AsSpan(joined));
                    joined += piece.Length;
                }
                var status = Base64.DecodeFromUtf8(_scratch.AsSpan(0, joined), _rdata.AsSpan(start), out _, out int decoded);
                if (status != System.Buffers.OperationStatus.Done)
                {
                    badToken = -1;
                    detail = $"the {field.Name} is not valid base64";
                    return false;
                }
                _length += decoded;
                return true;
            }
            case K.Salt:
            {
                var salt = Slice(text, tokens[index]);
                int lengthAt = _length;
                if (!TryWriteU8(0, ref detail))
                    return false;
                if (!(salt.Length == 1 && salt[0] == (byte)'-'))
                {
                    if (!TryAppendHex(salt, out detail))
                        return false;
                    if (_length - lengthAt - 1 > 255)
                    {
                        detail = $"the {field.Name} is longer than 255 octets";
                        return false;
                    }
                }
                _rdata[lengthAt] = (byte)(_length - lengthAt - 1);
                index++;
                return true;
            }
            case K.Base32Hex:
            {
                Span<byte> hash = stackalloc byte[255];
                if (!Base32Hex.TryDecode(Slice(text, tokens[index]), hash, out int hashLength) || hashLength == 0)
                {
                    detail = $"the {field.Name} '{Show(text, tokens[index])}' is not base32hex";
                    return false;
                }
                index++;
                return TryWriteU8((byte)hashLength, ref detail) && TryWrite(hash[..hashLength], ref detail);
            }
            case K.TypeBitmap:
            {
                Array.Clear(_bitmap);
                for (; index < tokens.Length; index++)
                {
                    if (!PresentationText.TryParseType(Slice(text, tokens[index]), out ushort listed))
                    {
                        badToken = index;
                        detail = $"'{Show(text, tokens[index])}' is not a record type";
                        return false;
                    }
                    _bitmap[listed >> 3] |= (byte)(0x80 >> (listed & 7));
                }
                int written = TypeBitmap.Write(_bitmap, _rdata.AsSpan(_length));
                if (written < 0)
                {
                    detail = "the RDATA is longer than 65535 octets";
                    return false;
                }
                _length += written;
                return true;
            }
            case K.SvcParams:
            {
                int written = SvcParamsText.TryParse(text, tokens, ref index, _rdata.AsSpan(_length), _scratch, out detail, out badToken);
                if (written < 0)
                    return false;
                _length += written;
                return true;
            }
            default:
                detail = $"the {field.Name} cannot be read";
                return false;
        }
    }

    private static readonly SearchValues<byte> AlphaNumeric = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"u8);

    private bool TryWriteCharacterString(RDataField field, ReadOnlySpan<byte> text, ReadOnlySpan<MasterFileToken> tokens, ref int index, out string detail)
    {
        detail = "";
        Span<byte> value = stackalloc byte[255];
        if (!PresentationText.TryDecodeText(Slice(text, tokens[index]), value, out int length, out string textError))
        {
            detail = $"the {field.Name} \"{Show(text, tokens[index])}\" is not a valid character string ({textError})";
            return false;
        }
        index++;
        return TryWriteU8((byte)length, ref detail) && TryWrite(value[..length], ref detail);
    }

    private bool TryAppendHex(ReadOnlySpan<byte> hex, out string detail)
    {
        detail = "";
        if (hex.Length % 2 != 0)
        {
            detail = $"'{PresentationText.Show(hex)}' has an odd number of hex digits";
            return false;
        }
        if (_rdata.Length - _length < hex.Length / 2)
        {
            detail = "the RDATA is longer than 65535 octets";
            return false;
        }
        for (int i = 0; i < hex.Length; i += 2)
        {
            int hi = PresentationText.HexValue(hex[i]), lo = PresentationText.HexValue(hex[i + 1]);
            if (hi < 0 || lo < 0)
            {
                detail = $"'{PresentationText.Show(hex)}' is not hexadecimal";
                return false;
            }
            _rdata[_length++] = (byte)(hi << 4 | lo);
        }
        return true;
    }

    private bool TryWrite(ReadOnlySpan<byte> bytes, ref string detail)
    {
        if (_rdata.Length - _length < bytes.Length)
        {
            detail = "the RDATA is longer than 65535 octets";
            return false;
        }
        bytes.CopyTo(_rdata.AsSpan(_length));
        _length += bytes.Length;
        return true;
    }

    private bool TryWriteU8(byte value, ref string detail) => TryWrite([value], ref detail);

    private bool TryWriteU16(ushort value, ref string detail)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        return TryWrite(b, ref detail);
    }

    private bool TryWriteU32(uint value, ref string detail)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return TryWrite(b, ref detail);
    }

    internal static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> text, in MasterFileToken token) => text.Slice(token.Start, token.Length);

    internal static string Show(ReadOnlySpan<byte> text, in MasterFileToken token) => PresentationText.Show(Slice(text, token));
}
