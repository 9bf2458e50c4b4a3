using BenchmarkDotNet.Attributes;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Benchmarks;

/// <summary>
/// The compact zone store at scale: building a zone of <see cref="Records"/> A records (names in the
/// shape of benchmarks/load/gen-zone.py, a third under departments, so with empty non-terminals), and
/// applying a one-record change to it as a diff (what a change batch or an edit costs until answered).
/// </summary>
[MemoryDiagnoser]
public class ZoneStoreBenchmarks
{
    [Params(100_000, 1_000_000)]
    public int Records { get; set; }

    private Zone _zone = null!;
    private ZoneChanges _change = null!;
    private byte[][] _names = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20251125);
        string[] depts = ["eng", "ops", "corp", "dev", "qa", "prod", "stage", "eu", "us", "ap"];
        _names = new byte[Records][];
        for (int i = 0; i < Records; i++)
        {
            string label = $"h{random.Next():x}{i}";
            _names[i] = DnsName.Parse(i % 3 == 0 ? $"{label}.{depts[i % depts.Length]}.load.test." : $"{label}.load.test.");
        }
        _zone = Build();
        _change = new ZoneChanges();
        _change.Replace(DnsName.Parse("new-host.eng.load.test."), (ushort)RecordType.A, 300, [[192, 0, 2, 77]]);
    }

    private Zone Build()
    {
        var builder = new ZoneBuilder(DnsName.Parse("load.test."), "load.test.zone");
        builder.Add(DnsName.Parse("load.test."), (ushort)RecordType.SOA, RecordClass.IN, 3600, [.. DnsName.Parse("ns1.load.test."), .. DnsName.Parse("h.load.test."), .. new byte[20]]);
        builder.Add(DnsName.Parse("load.test."), (ushort)RecordType.NS, RecordClass.IN, 3600, DnsName.Parse("ns1.load.test."));
        Span<byte> address = stackalloc byte[4];
        for (int i = 0; i < _names.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(address, i);
            builder.Add(_names[i], (ushort)RecordType.A, RecordClass.IN, 300, address);
        }
        return builder.Build();
    }

    /// <summary>The whole zone compiled from records already parsed (the store's share of a load).</summary>
    [Benchmark(Baseline = true)]
    public Zone FullBuild() => Build();

    /// <summary>One new record at a new name under an existing empty non-terminal.</summary>
    [Benchmark]
    public Zone ApplyOneRecord() => _zone.Apply(_change);
}
