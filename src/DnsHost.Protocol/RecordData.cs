using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace DnsHost.Protocol;

/// <summary>
/// Knowledge of RDATA layouts: which types carry domain names (and may be compressed, RFC 3597 4),
/// structural checks for received records, and presentation format for tools and logs.
/// </summary>
public static class RecordData
{
    /// <summary>Types whose RDATA names may be compressed on the wire (RFC 1035 types only, RFC 3597 4).</summary>
    public static bool HasCompressibleNames(ushort type) => type is
        (ushort)RecordType.NS or (ushort)RecordType.CNAME or (ushort)RecordType.SOA or
        (ushort)RecordType.PTR or (ushort)RecordType.MX;

    /// <summary>
    /// Checks that RDATA is structurally valid for its type and that its names consume exactly RDLENGTH.
    /// Unknown types are opaque (RFC 3597) and always pass.
    /// </summary>
    public static bool IsWellFormed(ushort type, ReadOnlySpan<byte> message, int offset, int length)
    {
        int end = offset + length;
        int pos = offset;
        switch ((RecordType)type)
        {
            case RecordType.A: return length == 4;
            case RecordType.AAAA: return length == 16;
            case RecordType.NS:
            case RecordType.CNAME:
            case RecordType.PTR:
            case RecordType.DNAME:
                return SkipName(message, ref pos, end) && pos == end;
            case RecordType.MX:
                pos += 2;
                return pos <= end && SkipName(message, ref pos, end) && pos == end;
            case RecordType.SRV:
                pos += 6;
                return pos <= end && SkipName(message, ref pos, end) && pos == end;
            case RecordType.SOA:
                return SkipName(message, ref pos, end) && SkipName(message, ref pos, end) && end - pos == 20;
            case RecordType.TXT:
            case RecordType.SPF:
                if (length == 0)
                    return false;
                while (pos < end)
                    pos += message[pos] + 1;
                return pos == end;
            default:
                return true;
        }
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
        int end = offset + length;
        int pos = offset, written = 0;
        int fixedBefore, namesCount, fixedAfter;
        switch ((RecordType)type)
        {
            case RecordType.NS: case RecordType.CNAME: case RecordType.PTR: case RecordType.DNAME:
                (fixedBefore, namesCount, fixedAfter) = (0, 1, 0); break;
            case RecordType.MX: (fixedBefore, namesCount, fixedAfter) = (2, 1, 0); break;
            case RecordType.SRV: (fixedBefore, namesCount, fixedAfter) = (6, 1, 0); break;
            case RecordType.SOA: (fixedBefore, namesCount, fixedAfter) = (0, 2, 20); break;
            default:
                if (length > destination.Length)
                    return -1;
                message.Slice(offset, length).CopyTo(destination);
                return length;
        }
        if (end - pos < fixedBefore || destination.Length < fixedBefore)
            return -1;
        message.Slice(pos, fixedBefore).CopyTo(destination);
        pos += fixedBefore;
        written += fixedBefore;
        for (int i = 0; i < namesCount; i++)
        {
            if (DnsMessageReader.ReadName(message[..end], ref pos, destination[written..], out int nameLength) != DnsReadError.None)
                return -1;
            written += nameLength;
        }
        if (end - pos != fixedAfter || destination.Length - written < fixedAfter)
            return -1;
        message.Slice(pos, fixedAfter).CopyTo(destination[written..]);
        return written + fixedAfter;
    }

    public static string TypeToText(ushort type) =>
        Enum.IsDefined((RecordType)type) ? ((RecordType)type).ToString() : "TYPE" + type;

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
    public static string ToText(ushort type, ReadOnlySpan<byte> rdata)
    {
        try
        {
            var sb = new StringBuilder();
            if (AppendKnown(sb, type, rdata))
                return sb.ToString();
        }
        catch (ArgumentOutOfRangeException)
        {
            // Malformed RDATA for a known type falls back to the generic form below.
        }
        return GenericText(rdata);
    }

    /// <summary>RFC 3597 5: \# length hex.</summary>
    public static string GenericText(ReadOnlySpan<byte> rdata) =>
        rdata.Length == 0 ? "\\# 0" : $"\\# {rdata.Length} {Convert.ToHexString(rdata)}";

    private static bool AppendKnown(StringBuilder sb, ushort type, ReadOnlySpan<byte> r)
    {
        int pos = 0;
        switch ((RecordType)type)
        {
            case RecordType.A when r.Length == 4:
                sb.Append(new IPAddress(r).ToString());
                return true;
            case RecordType.AAAA when r.Length == 16:
                sb.Append(new IPAddress(r).ToString());
                return true;
            case RecordType.NS: case RecordType.CNAME: case RecordType.PTR: case RecordType.DNAME:
                return AppendName(sb, r, ref pos) && pos == r.Length;
            case RecordType.MX:
                sb.Append(U16(r, 0)).Append(' ');
                pos = 2;
                return AppendName(sb, r, ref pos) && pos == r.Length;
            case RecordType.SRV:
                sb.Append(U16(r, 0)).Append(' ').Append(U16(r, 2)).Append(' ').Append(U16(r, 4)).Append(' ');
                pos = 6;
                return AppendName(sb, r, ref pos) && pos == r.Length;
            case RecordType.SOA:
                if (!AppendName(sb, r, ref pos)) return false;
                sb.Append(' ');
                if (!AppendName(sb, r, ref pos) || r.Length - pos != 20) return false;
                for (int i = 0; i < 5; i++)
                    sb.Append(' ').Append(BinaryPrimitives.ReadUInt32BigEndian(r[(pos + 4 * i)..]));
                return true;
            case RecordType.TXT: case RecordType.SPF:
                while (pos < r.Length)
                {
                    if (pos > 0) sb.Append(' ');
                    int len = r[pos];
                    if (pos + 1 + len > r.Length) return false;
                    AppendCharacterString(sb, r.Slice(pos + 1, len));
                    pos += len + 1;
                }
                return r.Length > 0;
            case RecordType.NAPTR when r.Length >= 4:
                sb.Append(U16(r, 0)).Append(' ').Append(U16(r, 2));
                pos = 4;
                for (int i = 0; i < 3; i++)
                {
                    // FLAGS, SERVICES and REGEXP: indexing past a short RDATA would throw, not fall back.
                    if (pos >= r.Length || pos + 1 + r[pos] > r.Length) return false;
                    int len = r[pos];
                    sb.Append(' ');
                    AppendCharacterString(sb, r.Slice(pos + 1, len));
                    pos += len + 1;
                }
                sb.Append(' ');
                return AppendName(sb, r, ref pos) && pos == r.Length;
            case RecordType.DS when r.Length >= 4:
                sb.Append(U16(r, 0)).Append(' ').Append(r[2]).Append(' ').Append(r[3]).Append(' ').Append(Convert.ToHexString(r[4..]));
                return true;
            case RecordType.SSHFP when r.Length >= 2:
                sb.Append(r[0]).Append(' ').Append(r[1]).Append(' ').Append(Convert.ToHexString(r[2..]));
                return true;
            case RecordType.TLSA when r.Length >= 3:
                sb.Append(r[0]).Append(' ').Append(r[1]).Append(' ').Append(r[2]).Append(' ').Append(Convert.ToHexString(r[3..]));
                return true;
            case RecordType.CAA when r.Length >= 2:
                int tagLength = r[1];
                sb.Append(r[0]).Append(' ').Append(Encoding.ASCII.GetString(r.Slice(2, tagLength))).Append(' ');
                AppendCharacterString(sb, r[(2 + tagLength)..]);
                return true;
            case RecordType.SVCB: case RecordType.HTTPS:
                return SvcbText.Append(sb, r);
            default:
                return false;
        }
    }

    internal static ushort U16(ReadOnlySpan<byte> r, int offset) => BinaryPrimitives.ReadUInt16BigEndian(r[offset..]);

    internal static bool AppendName(StringBuilder sb, ReadOnlySpan<byte> r, ref int pos)
    {
        int start = pos;
        while (true)
        {
            if (pos >= r.Length) return false;
            int len = r[pos];
            if (len == 0) { pos++; break; }
            if (len > 63) return false;
            pos += len + 1;
        }
        DnsName.AppendText(sb, r[start..pos]);
        return true;
    }

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
