using System.Buffers.Binary;
using System.Text;
using DnsHost.Zones.Routing;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// Writes a small MaxMind DB (format 2.0) with GeoLite2-City style records, so tests can give the
/// server a real geolocation database. IPv6 tree with 24-bit records; IPv4 networks live under ::/96.
/// Networks must not overlap.
/// </summary>
public sealed class MmdbFile
{
    private readonly List<(IpPrefix Network, byte[] Data)> _networks = [];

    public MmdbFile Add(string cidr, string continent, string country, string? subdivision = null, double? latitude = null, double? longitude = null)
    {
        var record = new List<(string, object)> { ("continent", Map(("code", continent))), ("country", Map(("iso_code", country))) };
        if (subdivision is not null)
            record.Add(("subdivisions", new object[] { Map(("iso_code", subdivision)) }));
        if (latitude is not null && longitude is not null)
            record.Add(("location", Map(("latitude", latitude.Value), ("longitude", longitude.Value))));
        _networks.Add((IpPrefix.Parse(cidr), Encode(Map([.. record]))));
        return this;
    }

    private static (string, object)[] Map(params (string, object)[] pairs) => pairs;

    public void Write(string path)
    {
        // Search tree: a node is (left, right); >= 0 another node, -1 empty, <= -2 data item -(value + 2).
        var nodes = new List<long[]> { new long[] { -1, -1 } };
        var data = new List<byte>();
        var offsets = new List<int>();
        foreach (var (network, bytes) in _networks)
        {
            offsets.Add(data.Count);
            data.AddRange(bytes);
            int length = network.IsV6 ? network.Length : 96 + network.Length;
            UInt128 bits = network.IsV6 ? network.Bits : network.Bits; // IPv4 sits in the low 32 bits: ::a.b.c.d
            int node = 0;
            for (int i = 0; i < length; i++)
            {
                int bit = (int)((bits >> (127 - i)) & 1);
                if (i == length - 1)
                {
                    if (nodes[node][bit] != -1)
                        throw new InvalidOperationException($"{network} overlaps another network");
                    nodes[node][bit] = -(offsets.Count - 1) - 2;
                    break;
                }
                if (nodes[node][bit] == -1)
                {
                    nodes.Add([-1, -1]);
                    nodes[node][bit] = nodes.Count - 1;
                }
                else if (nodes[node][bit] < -1)
                    throw new InvalidOperationException($"{network} overlaps another network");
                node = (int)nodes[node][bit];
            }
        }
        int count = nodes.Count;
        var output = new List<byte>();
        foreach (var n in nodes)
        {
            foreach (long r in n)
            {
                long value = r >= 0 ? r : r == -1 ? count : count + 16 + offsets[(int)(-r - 2)];
                output.Add((byte)(value >> 16));
                output.Add((byte)(value >> 8));
                output.Add((byte)value);
            }
        }
        output.AddRange(new byte[16]);
        output.AddRange(data);
        output.AddRange([0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8.ToArray()]);
        output.AddRange(Encode(Map(
            ("node_count", (uint)count), ("record_size", (ushort)24), ("ip_version", (ushort)6),
            ("database_type", "DnsHost-Test-City"), ("languages", new object[] { "en" }),
            ("binary_format_major_version", (ushort)2), ("binary_format_minor_version", (ushort)0),
            ("build_epoch", (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds()), ("description", Map(("en", "DnsHost test database"))))));
        File.WriteAllBytes(path, output.ToArray());
    }

    private static byte[] Encode(object value)
    {
        var output = new List<byte>();
        EncodeTo(output, value);
        return output.ToArray();
    }

    private static void EncodeTo(List<byte> output, object value)
    {
        switch (value)
        {
            case string s:
                var text = Encoding.UTF8.GetBytes(s);
                Control(output, 2, text.Length);
                output.AddRange(text);
                break;
            case double d:
                Control(output, 3, 8);
                var buffer = new byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(buffer, d);
                output.AddRange(buffer);
                break;
            case ushort u16:
                Unsigned(output, 5, u16);
                break;
            case uint u32:
                Unsigned(output, 6, u32);
                break;
            case ulong u64:
                Unsigned(output, 9, u64);
                break;
            case (string, object)[] map:
                Control(output, 7, map.Length);
                foreach (var (key, item) in map)
                {
                    EncodeTo(output, key);
                    EncodeTo(output, item);
                }
                break;
            case object[] array:
                Control(output, 11, array.Length);
                foreach (var item in array)
                    EncodeTo(output, item);
                break;
            default:
                throw new ArgumentException($"cannot encode {value.GetType()}");
        }
    }

    private static void Unsigned(List<byte> output, int type, ulong value)
    {
        var bytes = new List<byte>();
        for (ulong v = value; v != 0; v >>= 8)
            bytes.Insert(0, (byte)v);
        Control(output, type, bytes.Count);
        output.AddRange(bytes);
    }

    /// <summary>Control byte: type in the top three bits (0 = extended, next byte type - 7), size in the low five.</summary>
    private static void Control(List<byte> output, int type, int size)
    {
        int sizeBits = size < 29 ? size : size < 285 ? 29 : 30;
        output.Add((byte)(((type > 7 ? 0 : type) << 5) | sizeBits));
        if (type > 7)
            output.Add((byte)(type - 7));
        if (sizeBits == 29)
            output.Add((byte)(size - 29));
        else if (sizeBits == 30)
        {
            output.Add((byte)((size - 285) >> 8));
            output.Add((byte)(size - 285));
        }
    }
}
