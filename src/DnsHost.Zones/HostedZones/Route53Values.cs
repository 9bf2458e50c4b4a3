using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsHost.Protocol;

namespace DnsHost.Zones.HostedZones;

/// <summary>
/// Turns a Route 53 <c>Value</c> (presentation format, one record) into RDATA. The common types are
/// parsed here; the rest go through the master-file parser.
/// </summary>
public static class Route53Values
{
    public static bool TryEncode(ushort type, string value, out byte[] rdata, out string error)
    {
        rdata = [];
        error = "";
        value = value.Trim();
        switch ((RecordType)type)
        {
            case RecordType.A:
            case RecordType.AAAA:
                var family = type == (ushort)RecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                // IPAddress.TryParse accepts "1.2" and "10"; Route 53 wants a dotted quad.
                if (!IPAddress.TryParse(value, out var address) || address.AddressFamily != family || (family == AddressFamily.InterNetwork && value.Count(c => c == '.') != 3))
                {
                    error = type == (ushort)RecordType.A ? $"'{value}' is not a valid IPv4 address" : $"'{value}' is not a valid IPv6 address";
                    return false;
                }
                rdata = address.GetAddressBytes();
                return true;
            case RecordType.CNAME:
            case RecordType.NS:
            case RecordType.PTR:
                return TryName(value, out rdata, out error);
            case RecordType.MX:
            {
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2 || !ushort.TryParse(parts[0], out var preference) || !TryName(parts[1], out var host, out _))
                {
                    error = $"MX needs a preference and a host name (got '{value}')";
                    return false;
                }
                rdata = [(byte)(preference >> 8), (byte)preference, .. host];
                return true;
            }
            case RecordType.SRV:
            {
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 4 || !ushort.TryParse(parts[0], out var priority) || !ushort.TryParse(parts[1], out var weight)
                    || !ushort.TryParse(parts[2], out var port) || !TryName(parts[3], out var target, out _))
                {
                    error = $"SRV needs priority, weight, port and a target name (got '{value}')";
                    return false;
                }
                rdata = new byte[6 + target.Length];
                BinaryPrimitives.WriteUInt16BigEndian(rdata, priority);
                BinaryPrimitives.WriteUInt16BigEndian(rdata.AsSpan(2), weight);
                BinaryPrimitives.WriteUInt16BigEndian(rdata.AsSpan(4), port);
                target.CopyTo(rdata, 6);
                return true;
            }
            case RecordType.TXT:
            case RecordType.SPF:
                return TryText(value, out rdata, out error);
            default:
                return MasterFileLoader.TryParseRData(RecordData.TypeToText(type), value, out rdata, out error);
        }
    }

    private static bool TryName(string text, out byte[] wire, out string error)
    {
        if (!text.EndsWith('.'))
            text += ".";
        return DnsName.TryParse(text, DnsName.Root, out wire, out error);
    }

    /// <summary>
    /// TXT and SPF: one or more character strings, each quoted; Route 53 writes bytes outside 0x21-0x7E as
    /// <c>\ooo</c> (octal). A string longer than 255 bytes is refused, as Route 53 refuses it.
    /// </summary>
    private static bool TryText(string value, out byte[] rdata, out string error)
    {
        rdata = [];
        error = "";
        var output = new List<byte>(value.Length);
        int i = 0;
        while (i < value.Length)
        {
            if (value[i] == ' ' || value[i] == '\t')
            {
                i++;
                continue;
            }
            bool quoted = value[i] == '"';
            if (quoted)
                i++;
            var text = new List<byte>();
            while (i < value.Length && (quoted ? value[i] != '"' : value[i] is not (' ' or '\t')))
            {
                char c = value[i];
                if (c == '\\' && i + 1 < value.Length)
                {
                    if (i + 3 < value.Length && IsOctal(value[i + 1]) && IsOctal(value[i + 2]) && IsOctal(value[i + 3]))
                    {
                        text.Add((byte)((value[i + 1] - '0') * 64 + (value[i + 2] - '0') * 8 + (value[i + 3] - '0')));
                        i += 4;
                        continue;
                    }
                    text.Add((byte)value[i + 1]);
                    i += 2;
                    continue;
                }
                if (c > 0x7F)
                    text.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                else
                    text.Add((byte)c);
                i++;
            }
            if (quoted)
            {
                if (i >= value.Length)
                {
                    error = $"a TXT string is missing its closing quote (got '{value}')";
                    return false;
                }
                i++;
            }
            if (text.Count > 255)
            {
                error = "a TXT character string is longer than 255 characters; split it into several quoted strings";
                return false;
            }
            output.Add((byte)text.Count);
            output.AddRange(text);
        }
        if (output.Count == 0)
            output.Add(0);
        rdata = output.ToArray();
        return true;
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
