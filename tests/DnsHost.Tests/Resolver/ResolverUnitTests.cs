using System.Buffers.Binary;
using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Resolver;

/// <summary>The resolver's pieces on their own: hints, settings, TTL rules, suffix matching, and hostile upstream bytes.</summary>
[Trait("Kind", "Unit")]
public sealed class ResolverUnitTests
{
    [Fact]
    public void Root_hints_read_named_root_lines()
    {
        var hints = RootHints.Parse("""
            ; formerly NS.INTERNIC.NET
            .                        3600000      NS    A.ROOT-SERVERS.NET.
            A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
            A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
            .                        3600000 IN   NS    B.ROOT-SERVERS.NET.
            B.ROOT-SERVERS.NET.      3600000 IN   A     170.247.170.2
            """, "named.root");
        Assert.Equal(2, hints.NameServers.Count);
        Assert.Equal(["198.41.0.4", "2001:503:ba3e::2:30", "170.247.170.2"], hints.Addresses.Select(a => a.ToString()));
        Assert.Equal(13, RootHints.BuiltIn.NameServers.Count);
    }

    [Fact]
    public void Bad_root_hints_name_the_file_and_line()
    {
        var bad = Assert.Throws<FormatException>(() => RootHints.Parse(". NS a.root.\na.root. A 999.1.1.1\n", "hints.txt"));
        Assert.Equal("hints.txt:2: '999.1.1.1' is not an address", bad.Message);
        var empty = Assert.Throws<FormatException>(() => RootHints.Parse(". NS a.root.\n", "hints.txt"));
        Assert.StartsWith("hints.txt: no root name server with an address", empty.Message);
    }

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("127.0.0.1:8600", "127.0.0.1:8600")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    public void Servers_are_ip_and_optional_port(string text, string expected) =>
        Assert.Equal(expected, ResolverOptions.ParseServer(text, "Resolver:Forwarders").ToString());

    [Fact]
    public void A_bad_server_names_the_setting()
    {
        var e = Assert.Throws<FormatException>(() => ResolverOptions.ParseServer("dns.example", "Resolver:Forwarders"));
        Assert.StartsWith("Resolver:Forwarders: 'dns.example' is not IP[:PORT]", e.Message);
    }

    [Fact]
    public void Longest_suffix_wins_among_conditional_forwarders()
    {
        var metrics = new ResolverMetrics();
        var table = new ForwarderTable(new Dictionary<string, List<string>>
        {
            ["example"] = ["192.0.2.1"],
            ["corp.example."] = ["192.0.2.2"],
            ["consul"] = ["127.0.0.1:8600"],
        }, metrics);
        static byte[] Name(string n) => DnsName.Parse(n);
        Assert.Equal("192.0.2.2:53", table.Find(Name("a.b.corp.example."))![0].EndPoint.ToString());
        Assert.Equal("192.0.2.1:53", table.Find(Name("www.example."))![0].EndPoint.ToString());
        Assert.Equal("127.0.0.1:8600", table.Find(Name("web.service.consul."))![0].EndPoint.ToString());
        Assert.Null(table.Find(Name("notcorp.example.org.")));
        Assert.Null(table.Find(Name("xcorp.example.com.")));
    }

    [Fact]
    public void Negative_ttl_is_the_smaller_of_soa_ttl_and_minimum_capped()
    {
        var options = new ResolverCacheOptions { MaxNegativeTtl = 600 };
        CachedAnswer Negative(uint soaTtl, uint minimum)
        {
            var builder = new CachedAnswerBuilder();
            builder.Add(DnsSection.Authority, DnsName.Parse("lab."), (ushort)RecordType.SOA, RecordClass.IN, soaTtl, Soa(minimum));
            return builder.Build(ResponseCode.NXDomain, options, 0);
        }
        Assert.Equal(30u, Negative(30, 900).Ttl);
        Assert.Equal(45u, Negative(3600, 45).Ttl);
        Assert.Equal(600u, Negative(86400, 86400).Ttl);
        // RFC 2308 5: no SOA, no negative caching.
        Assert.Equal(0u, new CachedAnswerBuilder().Build(ResponseCode.NXDomain, options, 0).Ttl);
    }

    [Fact]
    public void Hostile_upstream_bytes_never_throw()
    {
        var valid = ValidResponse();
        var random = new Random(8);
        for (int i = 0; i < 20000; i++)
        {
            var message = (byte[])valid.Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++)
                message[random.Next(message.Length)] = (byte)random.Next(256);
            var cut = message.AsSpan(0, random.Next(i % 3 == 0 ? message.Length : 1, message.Length + 1));
            UpstreamMessage.Parse(cut);
            new CachedAnswerBuilder().AddFromMessage(cut, DnsName.Root);
            UpstreamClient.Matches(cut, 0x1234, DnsName.Parse("www.lab."), 1, 1);
        }
    }

    [Fact]
    public void Queries_upstream_carry_do_and_a_1232_byte_buffer()
    {
        var query = UpstreamClient.BuildQuery(0xABCD, DnsName.Parse("www.lab."), (ushort)RecordType.A, RecordClass.IN, recursionDesired: true);
        var parsed = TestResponse.Parse(query);
        Assert.Equal(0xABCD, parsed.Id);
        Assert.True(parsed.RD);
        Assert.Equal("www.lab.", parsed.QuestionName);
        Assert.Equal(1232, parsed.OptPayload);
        Assert.Equal(EdnsInfo.DoBit, parsed.OptFlags);
    }

    private static byte[] Soa(uint minimum)
    {
        var rdata = new List<byte>();
        rdata.AddRange(DnsName.Parse("ns.lab."));
        rdata.AddRange(DnsName.Parse("hostmaster.lab."));
        var numbers = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(16), minimum);
        rdata.AddRange(numbers);
        return [.. rdata];
    }

    private static byte[] ValidResponse()
    {
        var buffer = new byte[1024];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = 0x1234;
        writer.Flags = DnsHeader.QrBit | DnsHeader.RdBit | DnsHeader.RaBit;
        var www = DnsName.Parse("www.lab.");
        writer.TryWriteQuestion(www, 1, 1);
        writer.TryWriteRecord(DnsSection.Answer, www, (ushort)RecordType.CNAME, 1, 300, DnsName.Parse("web.lab."));
        writer.TryWriteRecord(DnsSection.Answer, DnsName.Parse("web.lab."), (ushort)RecordType.A, 1, 300, [192, 0, 2, 1]);
        writer.TryWriteRecord(DnsSection.Authority, DnsName.Parse("lab."), (ushort)RecordType.NS, 1, 300, DnsName.Parse("ns.lab."));
        writer.TryWriteRecord(DnsSection.Authority, DnsName.Parse("lab."), (ushort)RecordType.SOA, 1, 300, Soa(60));
        writer.TryWriteRecord(DnsSection.Additional, DnsName.Parse("ns.lab."), (ushort)RecordType.A, 1, 300, [192, 0, 2, 53]);
        writer.TryWriteOpt(1232, 0, 0, 0);
        return buffer[..writer.Finish()];
    }
}
