using System.Net;
using DnsHost.Protocol.Tsig;

namespace DnsHost.Server;

/// <summary>A secondary to NOTIFY (RFC 1996): its address and port, and the TSIG key to sign with, if any.</summary>
public sealed record NotifyTarget(IPEndPoint EndPoint, TsigKey? Key)
{
    /// <summary>Reads <c>address[:port] [key:name]</c> (IPv6 as <c>[::1]:5300</c>); port 53 when left out.</summary>
    public static NotifyTarget Parse(string zone, string text, TsigKeyring keys)
    {
        TsigKey? key = null;
        IPEndPoint? endPoint = null;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("key:", StringComparison.OrdinalIgnoreCase))
                key = keys.Find(part[4..]) ?? throw new FormatException($"Transfers:Zones ({zone}): Notify entry '{text}' names key {part[4..]}, which is not in Tsig:Keys or Tsig:KeyFiles");
            // With a port first: IPAddress.TryParse also accepts "[::1]:5300" and drops the port.
            else if (IPEndPoint.TryParse(part, out var withPort) && withPort.Port != 0)
                endPoint = withPort;
            else if (IPAddress.TryParse(part, out var address))
                endPoint = new IPEndPoint(address, 53);
            else
                throw new FormatException($"Transfers:Zones ({zone}): Notify entry '{text}': '{part}' is not an address, address:port or key:name");
        }
        return new NotifyTarget(endPoint ?? throw new FormatException($"Transfers:Zones ({zone}): Notify entry '{text}' has no address"), key);
    }

    public override string ToString() => Key is null ? EndPoint.ToString() : $"{EndPoint} (key {Key.NameText})";
}
