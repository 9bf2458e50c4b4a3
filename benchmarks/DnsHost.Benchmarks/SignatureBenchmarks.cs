using BenchmarkDotNet.Attributes;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;

namespace DnsHost.Benchmarks;

/// <summary>
/// The cost of online signing per RRset: a signature-cache miss (a fresh RRSIG: the signed data,
/// the signature, the cache entry) with ECDSA P-256/SHA-256 and with Ed25519, beside a cache hit.
/// A typical RRset: www.example.test A with two addresses, TTL 300. Each miss uses a TTL not used
/// before, so the cache never answers it (it clears itself at 200,000 entries, as in the server).
/// Reference, same run: <c>openssl speed -seconds 3 ecdsap256 ed25519</c> (signs/s of the bare primitive).
/// </summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    private static readonly byte[] Owner = DnsName.Parse("www.example.test.");
    private static readonly IReadOnlyList<byte[]> RData = [[192, 0, 2, 1], [192, 0, 2, 2]];
    private ZoneSigner _ecdsa = null!;
    private ZoneSigner _ed25519 = null!;
    private uint _ttl;

    [GlobalSetup]
    public void Setup()
    {
        var origin = DnsName.Parse("example.test.");
        _ecdsa = new ZoneSigner(origin, SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256));
        _ed25519 = new ZoneSigner(origin, SigningKey.Generate(DnssecAlgorithm.Ed25519));
        _ecdsa.Sign(Owner, (ushort)RecordType.A, 300, RData);
        _ed25519.Sign(Owner, (ushort)RecordType.A, 300, RData);
    }

    [Benchmark(Baseline = true)]
    public byte[] CacheHit() => _ecdsa.Sign(Owner, (ushort)RecordType.A, 300, RData);

    [Benchmark]
    public byte[] CacheMissEcdsaP256() => _ecdsa.Sign(Owner, (ushort)RecordType.A, 1000 + _ttl++ % 1_000_000, RData);

    [Benchmark]
    public byte[] CacheMissEd25519() => _ed25519.Sign(Owner, (ushort)RecordType.A, 1000 + _ttl++ % 1_000_000, RData);
}
