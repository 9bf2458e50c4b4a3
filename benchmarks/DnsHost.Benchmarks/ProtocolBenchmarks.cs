using BenchmarkDotNet.Attributes;
using DnsHost.Protocol;

namespace DnsHost.Benchmarks;

/// <summary>Reading a query and writing a response, with the memory diagnoser: both must show 0 B.</summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private readonly byte[] _query = BenchmarkZones.Query("www.example.test", RecordType.A, clientSubnet: true);
    private readonly byte[] _response = new byte[1232];
    private readonly byte[] _name = DnsName.Parse("www.example.test.");
    private readonly byte[] _a1 = [192, 0, 2, 10];
    private readonly byte[] _a2 = [192, 0, 2, 11];
    private readonly byte[] _mx = [0, 10, 4, (byte)'m', (byte)'a', (byte)'i', (byte)'l', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0];

    [Benchmark(Description = "parse: header + question + OPT with client subnet")]
    public int Parse()
    {
        var reader = new DnsMessageReader(_query);
        Span<byte> name = stackalloc byte[256];
        // A parse that starts failing must not be timed as if it worked.
        if (!reader.TryReadHeader(out var header) || !reader.TryReadQuestion(name, out var question)
            || !reader.TryReadRecord(name, out var opt) || !reader.TryReadEdns(opt, out var edns) || !edns.ClientSubnet.Present)
            throw new InvalidOperationException($"benchmark query no longer parses: {reader.Error}");
        return question.NameLength + edns.UdpPayloadSize + header.Id;
    }

    [Benchmark(Description = "write: question + 4 records with compression + OPT")]
    public int Write()
    {
        var writer = new DnsMessageWriter(_response, _response.Length);
        writer.Id = 0x4242;
        writer.Flags = DnsHeader.QrBit | DnsHeader.AaBit;
        writer.TryWriteQuestion(_name, 1, 1);
        writer.TryWriteRecord(DnsSection.Answer, _name, 1, 1, 3600, _a1);
        writer.TryWriteRecord(DnsSection.Answer, _name, 1, 1, 3600, _a2);
        writer.TryWriteRecord(DnsSection.Answer, _name, 15, 1, 3600, _mx);
        writer.TryWriteRecord(DnsSection.Additional, _mx.AsSpan(2), 1, 1, 3600, _a1);
        writer.TryWriteOpt(1232, 0, 0, 0);
        return writer.Finish();
    }
}
