using System.Buffers.Binary;
using System.Text;

namespace DnsHost.Protocol;

/// <summary>
/// Operations on RDATA driven by the layouts in <see cref="RecordTypeInfo"/>: which types carry
/// compressible names (RFC 3597 4), structural checks for received records, decompression, and
/// presentation format for tools and logs.
/// </summary>
public static class RecordData
{
    /// <summary>Types whose RDATA names may be compressed on the wire (RFC 1035 types only, RFC 3597 4).</summary>
    public static bool HasCompressibleNames(ushort type) => RecordTypeInfo.Get(type)?.HasCompressibleNames ?? false;

    /// <summary>
    /// Checks that RDATA is structurally valid for its type and that its fields consume exactly RDLENGTH.
    /// Unknown types are opaque (RFC 3597) and always pass.
    /// </summary>
    public static bool IsWellFormed(ushort type, ReadOnlySpan<byte> message, int offset, int length)
    {
        var info = RecordTypeInfo.Get(type);
        if (info is null)
            return true;
        int end = offset + length;
        int pos = offset;
        foreach (var field in info.Fields)
        {
            if (field.IsName)
            {
                if (!SkipName(message, ref pos, end))
                    return false;
            }
            else
            {
                // Fixed fields are read relative to the RDATA, which ends at 'end'.
                int fieldEnd = RecordTypeInfo.FieldEnd(field.Kind, message[offset..end], pos - offset);
                if (fieldEnd < 0)
                    return false;
                pos = offset + fieldEnd;
            }
        }
        return pos == end;
    }

    private static bool SkipName(ReadOnlySpan<byte> message, ref int pos, int end)
    {
        if (pos >= end)
            return false;
        // Names in RDATA may point anywhere earlier in the message, but the name's own bytes must stay inside RDATA.
        return DnsMessageReader.SkipName(message[..end], ref pos) == DnsReadError.None;
    }

    /// <summary>
    /// Copies RDATA with any compressed names expanded, so it stands alone (for storing in a zone).
    /// Returns the number of bytes written, or -1 when the RDATA is malformed or does not fit.
    /// </summary>
    public static int CopyUncompressed(ushort type, ReadOnlySpan<byte> message, int offset, int length, Span<byte> destination)
    {
        var info = RecordTypeInfo.Get(type);
        if (info is null)
        {
            if (length > destination.Length)
                return -1;
            message.Slice(offset, length).CopyTo(destination);
            return length;
        }
        int end = offset + length;
        int pos = offset, written = 0;
        foreach (var field in info.Fields)
        {
            if (field.IsName)
            {
                // RFC 3597 4: decompress names of every known type, even those that should not have been compressed.
                if (pos >= end || DnsMessageReader.ReadName(message[..end], ref pos, destination[written..], out int nameLength) != DnsReadError.None)
                    return -1;
                written += nameLength;
                continue;
            }
            int fieldEnd = RecordTypeInfo.FieldEnd(field.Kind, message[offset..end], pos - offset);
            if (fieldEnd < 0)
                return -1;
            int size = offset + fieldEnd - pos;
            if (destination.Length - written < size)
                return -1;
            message.Slice(pos, size).CopyTo(destination[written..]);
            written += size;
            pos += size;
        }
        return pos == end ? written : -1;
    }

    public static string TypeToText(ushort type) =>
        RecordTypeInfo.Get(type)?.Mnemonic ?? (Enum.IsDefined((RecordType)type) ? ((RecordType)type).ToString() : "TYPE" + type);

    public static string ClassToText(ushort cls) => cls switch
    {
        RecordClass.IN => "IN",
        RecordClass.CH => "CH",
        RecordClass.HS => "HS",
        RecordClass.None => "NONE",
        RecordClass.Any => "ANY",
        _ => "CLASS" + cls,
    };

    /// <summary>Presentation format of uncompressed RDATA (as stored in a zone). Allocates; not for the query path.</summary>
    /// <remarks>RDATA that does not fit its type's layout is written in the generic form of RFC 3597 5.</remarks>
    public static string ToText(ushort type, ReadOnlySpan<byte> rdata)
    {
        var info = RecordTypeInfo.Get(type);
        if (info is not null)
        {
            var sb = new StringBuilder();
            if (RDataText.TryAppend(sb, info, rdata))
                return sb.ToString();
        }
        return GenericText(rdata);
    }

    /// <summary>RFC 3597 5: \# length hex.</summary>
    public static string GenericText(ReadOnlySpan<byte> rdata) =>
        rdata.Length == 0 ? "\\# 0" : $"\\# {rdata.Length} {Convert.ToHexString(rdata)}";

    internal static ushort U16(ReadOnlySpan<byte> r, int offset) => BinaryPrimitives.ReadUInt16BigEndian(r[offset..]);

    internal static void AppendCharacterString(StringBuilder sb, ReadOnlySpan<byte> s)
    {
        sb.Append('"');
        foreach (byte b in s)
        {
            if (b is (byte)'"' or (byte)'\\')
                sb.Append('\\').Append((char)b);
            else if (b < 0x20 || b >= 0x7F)
                sb.Append('\\').Append(b.ToString("D3"));
            else
                sb.Append((char)b);
        }
        sb.Append('"');
    }
}
