using System.Net;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;

namespace DnsHost.Tests.Transfers;

/// <summary>RFC 2136 UPDATE messages built by hand (zone section, no prerequisites, A records to add), signed when a key is given.</summary>
public static class UpdateMessage
{
    public static byte[] AddA(string zone, ushort id, TsigKey? key, params (string Name, string Address)[] records)
    {
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = id;
        writer.Flags = (int)OpCode.Update << 11;
        writer.TryWriteQuestion(DnsName.Parse(zone + "."), (ushort)RecordType.SOA, RecordClass.IN);
        foreach (var (name, address) in records)
            writer.TryWriteRecord(DnsSection.Authority, DnsName.Parse(name + "."), (ushort)RecordType.A, RecordClass.IN, 300, IPAddress.Parse(address).GetAddressBytes());
        int length = writer.Finish();
        if (key is not null)
            length = TsigSigner.Sign(buffer, length, key, default, false, TsigSigner.TimeOf(DateTimeOffset.UtcNow), 300, TsigError.None, default, out _);
        return buffer[..length];
    }
}
