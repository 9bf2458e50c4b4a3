using System.Net;
using DnsHost.Protocol.Tsig;

namespace DnsHost.Server;

/// <summary>A primary a secondary zone is transferred from: its address and port, and the TSIG key to sign with, if any.</summary>
public sealed record PrimaryServer(IPEndPoint EndPoint, TsigKey? Key)
{
    /// <summary>
    /// Reads <c>address[:port]</c> or <c>address@port</c> (IPv6 as <c>[::1]:5300</c> or <c>::1@5300</c>), optionally followed by
    /// <c>key:name</c>; port 53 when left out, <paramref name="defaultKey"/> when no key is named.
    /// </summary>
    public static PrimaryServer Parse(string zone, string text, TsigKeyring keys, TsigKey? defaultKey)
    {
        TsigKey? key = defaultKey;
        IPEndPoint? endPoint = null;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("key:", StringComparison.OrdinalIgnoreCase))
                key = keys.Find(part[4..]) ?? throw new FormatException($"Transfers:Secondary:Zones ({zone}): primary '{text}' names key {part[4..]}, which is not in Tsig:Keys or Tsig:KeyFiles");
            else if (TryParseEndPoint(part, out var parsed))
                endPoint = parsed;
            else
                throw new FormatException($"Transfers:Secondary:Zones ({zone}): primary '{text}': '{part}' is not an address, address:port, address@port or key:name");
        }
        return new PrimaryServer(endPoint ?? throw new FormatException($"Transfers:Secondary:Zones ({zone}): primary '{text}' has no address"), key);
    }

    private static bool TryParseEndPoint(string text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        int at = text.LastIndexOf('@');
        if (at > 0)
        {
            if (!IPAddress.TryParse(text[..at], out var address) || !ushort.TryParse(text[(at + 1)..], out ushort port) || port == 0)
                return false;
            endPoint = new IPEndPoint(address, port);
            return true;
        }
        // "[::1]:5300" first: IPAddress.TryParse accepts it too, and drops the port.
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(text[1..close], out var v6))
                return false;
            if (close == text.Length - 1)
            {
                endPoint = new IPEndPoint(v6, 53);
                return true;
            }
            if (text[close + 1] != ':' || !ushort.TryParse(text[(close + 2)..], out ushort v6Port) || v6Port == 0)
                return false;
            endPoint = new IPEndPoint(v6, v6Port);
            return true;
        }
        if (IPAddress.TryParse(text, out var plain))
        {
            endPoint = new IPEndPoint(plain, 53);
            return true;
        }
        if (IPEndPoint.TryParse(text, out var withPort) && withPort.Port != 0)
        {
            endPoint = withPort;
            return true;
        }
        return false;
    }

    public override string ToString() => Key is null ? EndPoint.ToString() : $"{EndPoint} (key {Key.NameText})";
}
