using System.Net;
using System.Text;

namespace DnsHost.Protocol;

/// <summary>Presentation format of SVCB and HTTPS RDATA (RFC 9460 2.1 and 7).</summary>
internal static class SvcbText
{
    /// <summary>Appends the SvcParams (RFC 9460 2.1), separated by spaces; false when they are malformed.</summary>
    public static bool AppendParams(StringBuilder sb, ReadOnlySpan<byte> r)
    {
        int pos = 0;
        while (pos < r.Length)
        {
            if (r.Length - pos < 4) return false;
            ushort key = RecordData.U16(r, pos);
            ushort len = RecordData.U16(r, pos + 2);
            pos += 4;
            if (r.Length - pos < len) return false;
            var value = r.Slice(pos, len);
            pos += len;
            if (pos > len + 4) sb.Append(' ');
            switch (key)
            {
                case 0: // mandatory
                    sb.Append("mandatory=");
                    for (int i = 0; i + 1 < value.Length; i += 2)
                        sb.Append(i > 0 ? "," : "").Append(KeyName(RecordData.U16(value, i)));
                    break;
                case 1: // alpn
                    sb.Append("alpn=\"");
                    for (int i = 0; i < value.Length;)
                    {
                        int l = value[i];
                        if (i > 0) sb.Append(',');
                        sb.Append(Encoding.ASCII.GetString(value.Slice(i + 1, Math.Min(l, value.Length - i - 1))));
                        i += l + 1;
                    }
                    sb.Append('"');
                    break;
                case 2:
                    sb.Append("no-default-alpn");
                    break;
                case 3 when len == 2:
                    sb.Append("port=").Append(RecordData.U16(value, 0));
                    break;
                case 4:
                    sb.Append("ipv4hint=");
                    for (int i = 0; i + 4 <= value.Length; i += 4)
                        sb.Append(i > 0 ? "," : "").Append(new IPAddress(value.Slice(i, 4)));
                    break;
                case 6:
                    sb.Append("ipv6hint=");
                    for (int i = 0; i + 16 <= value.Length; i += 16)
                        sb.Append(i > 0 ? "," : "").Append(new IPAddress(value.Slice(i, 16)));
                    break;
                case 5:
                    sb.Append("ech=").Append(Convert.ToBase64String(value));
                    break;
                default:
                    sb.Append(KeyName(key));
                    if (len > 0)
                    {
                        sb.Append('=');
                        RecordData.AppendCharacterString(sb, value);
                    }
                    break;
            }
        }
        return true;
    }

    internal static string KeyName(ushort key) => key switch
    {
        0 => "mandatory", 1 => "alpn", 2 => "no-default-alpn", 3 => "port",
        4 => "ipv4hint", 5 => "ech", 6 => "ipv6hint", _ => "key" + key,
    };
}
