using DnsHost.Protocol;
using DnsHost.Zones.MasterFiles;

namespace DnsHost.Tests.Dnssec;

/// <summary>One record of a signed zone file in the one-record-a-line form ldns-read-zone prints.</summary>
internal sealed record ZoneLine(byte[] Owner, uint Ttl, ushort Type, byte[] RData)
{
    public static List<ZoneLine> Read(string path) => Parse(File.ReadAllLines(path));

    public static List<ZoneLine> Parse(IEnumerable<string> lines)
    {
        var records = new List<ZoneLine>();
        foreach (var raw in lines)
        {
            var line = raw.Split(';')[0].Trim();
            if (line.Length == 0)
                continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            // owner [TTL] [IN] TYPE RDATA...
            int i = 1;
            uint ttl = 0;
            if (uint.TryParse(parts[i], out var t)) { ttl = t; i++; }
            if (parts[i] == "IN") i++;
            var type = parts[i];
            var value = string.Join(' ', parts.Skip(i + 1));
            if (!MasterFileParser.TryParseRData(type, value, out var rdata, out var error))
                throw new FormatException($"{line}: {error}");
            if (!PresentationText.TryParseType(System.Text.Encoding.ASCII.GetBytes(type), out ushort code))
                throw new FormatException($"{line}: unknown type {type}");
            records.Add(new ZoneLine(DnsName.Parse(parts[0]), ttl, code, rdata));
        }
        return records;
    }
}
