using System.Text;

namespace DnsHost.Health;

/// <summary>The status line and the headers a probe needs, parsed strictly (RFC 9112 4 and 5; RFC 9110 5.6.2).</summary>
public readonly record struct HttpResponseHead(int StatusCode, string Reason, long? ContentLength, bool Chunked, string? ContentEncoding)
{
    /// <summary>Parses the head: everything up to, not including, the blank line's final CRLF.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpResponseHead result, out string problem)
    {
        result = default;
        int lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !IsDigit(statusLine[9]) || !IsDigit(statusLine[10]) || !IsDigit(statusLine[11])
            || (statusLine.Length > 12 && statusLine[12] != (byte)' '))
        {
            problem = "the status line is not 'HTTP/1.x NNN reason'";
            return false;
        }
        int status = (statusLine[9] - '0') * 100 + (statusLine[10] - '0') * 10 + (statusLine[11] - '0');
        string reason = statusLine.Length > 13 ? Encoding.Latin1.GetString(statusLine[13..]) : "";

        long? length = null;
        bool chunked = false;
        string? encoding = null;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            if (line.IsEmpty)
                continue;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                problem = $"the header line '{Encoding.Latin1.GetString(line)}' is not 'name: value'";
                return false;
            }
            var value = Encoding.Latin1.GetString(line[(colon + 1)..]).Trim(' ', '\t');
            var name = Encoding.ASCII.GetString(line[..colon]);
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out long n))
                {
                    problem = $"Content-Length '{value}' is not a number";
                    return false;
                }
                length = n;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                chunked = value.Split(',').Last().Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
                encoding = value.ToLowerInvariant();
        }
        result = new HttpResponseHead(status, reason.Length > 0 ? reason : "(no reason phrase)", chunked ? null : length, chunked, encoding);
        problem = "";
        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    // token = 1*tchar (RFC 9110 5.6.2)
    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            bool ok = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                || "!#$%&'*+-.^_`|~"u8.Contains(b);
            if (!ok)
                return false;
        }
        return true;
    }
}
