using System.Text;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Benchmarks;

/// <summary>The zones and queries the benchmarks share: the sample zone and a generated zone of 100,000 records.</summary>
public static class BenchmarkZones
{
    public const int GeneratedRecords = 100_000;

    public static ZoneRegistry Load()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dnshost-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "example.test.zone"), SampleZone);
        File.WriteAllText(Path.Combine(directory, "load.test.zone"), GenerateZone());
        var registry = new ZoneRegistry();
        registry.Replace(ZoneCatalog.Create(Directory.GetFiles(directory, "*.zone").Select(f => MasterFileLoader.Load(f, directory))));
        Directory.Delete(directory, recursive: true);
        return registry;
    }

    /// <summary>host{i}.load.test with A records, every tenth with AAAA and MX as well.</summary>
    private static string GenerateZone()
    {
        var sb = new StringBuilder();
        sb.AppendLine("$TTL 3600");
        sb.AppendLine("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300");
        sb.AppendLine("  IN NS ns1");
        sb.AppendLine("ns1 IN A 192.0.2.53");
        int records = 0;
        for (int i = 0; records < GeneratedRecords; i++)
        {
            sb.Append("host").Append(i).Append(" IN A 10.").Append((i >> 16) & 255).Append('.').Append((i >> 8) & 255).Append('.').Append(i & 255).AppendLine();
            records++;
            if (i % 10 == 0)
            {
                sb.Append("host").Append(i).Append(" IN AAAA 2001:db8::").Append((i >> 16).ToString("x")).Append(':').Append((i & 0xFFFF).ToString("x")).AppendLine();
                sb.Append("host").Append(i).Append(" IN MX 10 host").Append(i + 1).AppendLine();
                records += 2;
            }
        }
        return sb.ToString();
    }

    public static byte[] Query(string name, RecordType type, byte[] ednsOptions)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0x4242;
        writer.TryWriteQuestion(DnsName.Parse(name + "."), (ushort)type, RecordClass.IN);
        writer.TryWriteOpt(1232, 0, 0, 0, ednsOptions);
        return buffer[..writer.Finish()];
    }

    public static byte[] Query(string name, RecordType type, bool edns = true, bool clientSubnet = false)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0x4242;
        writer.TryWriteQuestion(DnsName.Parse(name + "."), (ushort)type, RecordClass.IN);
        if (edns)
        {
            // ECS option (RFC 7871): family 1, source /24, scope 0, 198.51.100.0.
            byte[] options = clientSubnet ? [0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100] : [];
            writer.TryWriteOpt(1232, 0, 0, 0, options);
        }
        return buffer[..writer.Finish()];
    }

    private const string SampleZone = """
        $TTL 3600
        @ IN SOA ns1 hostmaster 1 7200 900 1209600 300
          IN NS ns1
          IN NS ns2
          IN MX 10 mail
        ns1 IN A 192.0.2.53
        ns1 IN AAAA 2001:db8::53
        ns2 IN A 198.51.100.53
        www IN A 192.0.2.10
        www IN A 192.0.2.11
        www IN AAAA 2001:db8::10
        mail IN A 192.0.2.25
        ftp IN CNAME www
        alias IN CNAME ftp
        *.apps IN A 192.0.2.80
        dev IN NS ns1.dev
        ns1.dev IN A 192.0.2.153
        """;
}
