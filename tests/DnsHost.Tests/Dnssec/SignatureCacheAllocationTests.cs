using DnsHost.Tests.Infrastructure;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using Microsoft.Extensions.Time.Testing;

using Signer = DnsHost.Dnssec.Signing.ZoneSigner;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// The zero-allocation rule for the signature cache: a hit (an RRset signed before, still fresh) returns the
/// cached RRSIG without allocating, for a small RRset (key on the stack) and a large one (key in a pooled array).
/// </summary>
[Trait("Kind", "Unit")]
public sealed class SignatureCacheAllocationTests
{
    [Fact]
    public void A_signature_cache_hit_allocates_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 13, 25, 0, TimeSpan.Zero));
        using var key = SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256);
        var signer = new Signer(DnsName.Parse("sign.test."), key, time);
        var owner = DnsName.Parse("WWW.Sign.Test.");
        IReadOnlyList<byte[]> small = [[192, 0, 2, 1], [192, 0, 2, 2]];
        // Over the stack's 512 octets: three TXT strings of 255.
        IReadOnlyList<byte[]> large = [.. Enumerable.Range(0, 3).Select(i => Enumerable.Repeat((byte)(i + 1), 256).ToArray())];
        var a = signer.Sign(owner, (ushort)RecordType.A, 300, small);
        var txt = signer.Sign(owner, (ushort)RecordType.TXT, 300, large);
        var keys = signer.SignKeySet((ushort)RecordType.DNSKEY, 3600, signer.DnskeyRDatas);
        long signatures = signer.SignatureCount;

        void Hits()
        {
            if (!ReferenceEquals(a, signer.Sign(owner, (ushort)RecordType.A, 300, small))
                || !ReferenceEquals(txt, signer.Sign(owner, (ushort)RecordType.TXT, 300, large)))
                throw new InvalidOperationException("expected the cached signatures");
        }
        for (int i = 0; i < 200; i++)
            Hits();
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
                Hits();
        }));
        Assert.Equal(signatures, signer.SignatureCount);
        Assert.Same(keys[0], signer.SignKeySet((ushort)RecordType.DNSKEY, 3600, signer.DnskeyRDatas)[0]);
        // The owner's case does not matter to the cache (RFC 4034 6.2: signed in canonical form).
        Assert.Same(a, signer.Sign(DnsName.Parse("www.sign.test."), (ushort)RecordType.A, 300, small));
    }
}
