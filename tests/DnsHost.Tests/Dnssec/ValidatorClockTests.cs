using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Resolver.Dnssec;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// The validator against a zone signed by ldns-signzone (Vectors/, signatures valid 2020-01-01 to
/// 2037-01-01) with its DS as an island-of-trust anchor, the clock moved with a FakeTimeProvider:
/// secure inside the window, bogus with the right extended error outside it (beyond the allowed
/// skew), and the TTL capped by the time the signature has left.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class ValidatorClockTests
{
    private static readonly DateTimeOffset Expiration = new(2037, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<ZoneLine> _zone = ZoneLine.Read(Path.Combine(AppContext.BaseDirectory, "Dnssec", "Vectors", "ldns-ECDSAP256SHA256.zone"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 6, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ResolverOptions _options = new() { DnssecClockSkewSeconds = 60 };
    private int _fetches;

    private DnssecValidator Validator(TimeProvider? clock = null)
    {
        var ds = ZoneLine.Read(Path.Combine(AppContext.BaseDirectory, "Dnssec", "Vectors", "ds.txt")).First(d => d.RData[2] == 13 && d.RData[3] == 2);
        var anchors = new TrustAnchors([new TrustAnchor(DnsName.Parse("example.test."), [ds.RData], [])], []);
        return new DnssecValidator(_options, anchors, FetchAsync, clock ?? _clock);
    }

    private Task<CachedAnswer?> FetchAsync(byte[] name, ushort type, CancellationToken cancel)
    {
        Interlocked.Increment(ref _fetches);
        return Task.FromResult<CachedAnswer?>(Answer(name, type));
    }

    /// <summary>The zone's RRset and its RRSIG as an authoritative server would answer them.</summary>
    private CachedAnswer Answer(byte[] name, ushort type)
    {
        var builder = new CachedAnswerBuilder();
        foreach (var r in _zone.Where(r => DnsName.EqualsIgnoreCase(r.Owner, name)
            && (r.Type == type || (r.Type == (ushort)RecordType.RRSIG && ((r.RData[0] << 8) | r.RData[1]) == type))))
            builder.Add(DnsSection.Answer, r.Owner, r.Type, RecordClass.IN, r.Ttl, r.RData);
        if (builder.AnswerCount == 0)
        {
            // NODATA: the SOA and the NSEC at the name, with their signatures (RFC 4035 3.1.3.1).
            foreach (var r in _zone.Where(r => (r.Type is (ushort)RecordType.SOA or (ushort)RecordType.NSEC || r.Type == (ushort)RecordType.RRSIG
                && ((r.RData[0] << 8) | r.RData[1]) is (int)RecordType.SOA or (int)RecordType.NSEC)
                && (DnsName.EqualsIgnoreCase(r.Owner, name) || (r.Type != (ushort)RecordType.NSEC && ((r.RData[0] << 8) | r.RData[1]) != (int)RecordType.NSEC
                    && DnsName.EqualsIgnoreCase(r.Owner, DnsName.Parse("example.test."))))))
                builder.Add(DnsSection.Authority, r.Owner, r.Type, RecordClass.IN, r.Ttl, r.RData);
        }
        return builder.Build(ResponseCode.NoError, new ResolverCacheOptions(), Environment.TickCount64);
    }

    private Task<CachedAnswer> ValidateWww(DnssecValidator validator) =>
        validator.ValidateAsync(DnsName.Parse("www.example.test."), (ushort)RecordType.A, Answer(DnsName.Parse("www.example.test."), (ushort)RecordType.A), CancellationToken.None);

    [Fact]
    public async Task Inside_the_window_the_answer_is_secure()
    {
        var result = await ValidateWww(Validator());
        Assert.Equal(DnssecStatus.Secure, result.Security);
        Assert.Equal(3600u, result.Ttl);
    }

    [Fact]
    public async Task After_expiration_and_the_skew_it_is_bogus_with_signature_expired()
    {
        var validator = Validator();
        _clock.SetUtcNow(Expiration.AddSeconds(30));
        Assert.Equal(DnssecStatus.Secure, (await ValidateWww(validator)).Security); // within the 60 s skew
        validator.Flush();
        _clock.SetUtcNow(Expiration.AddSeconds(61));
        var result = await ValidateWww(validator);
        Assert.Equal(DnssecStatus.Bogus, result.Security);
        Assert.Equal(ExtendedDnsError.SignatureExpired, result.ExtendedError);
        // A bogus answer is kept only Resolver:DnssecBogusTtl seconds.
        Assert.Equal((uint)_options.DnssecBogusTtl, result.Ttl);
    }

    [Fact]
    public async Task Before_inception_it_is_bogus_with_signature_not_yet_valid()
    {
        var result = await ValidateWww(Validator(new FakeTimeProvider(new DateTimeOffset(2019, 12, 31, 0, 0, 0, TimeSpan.Zero))));
        Assert.Equal(DnssecStatus.Bogus, result.Security);
        Assert.Equal(ExtendedDnsError.SignatureNotYetValid, result.ExtendedError);
    }

    [Fact]
    public async Task The_ttl_is_capped_by_the_time_the_signature_has_left()
    {
        _clock.SetUtcNow(Expiration.AddSeconds(-100));
        var result = await ValidateWww(Validator());
        Assert.Equal(DnssecStatus.Secure, result.Security);
        Assert.InRange(result.Ttl, 1u, 100u);
        Assert.All(result.Records, r => Assert.InRange(r.Ttl, 0u, 100u));
    }

    [Fact]
    public async Task The_chain_of_trust_is_cached_between_answers()
    {
        var validator = Validator();
        await ValidateWww(validator);
        int first = _fetches;
        await ValidateWww(validator);
        Assert.Equal(1, first); // the DNSKEY set, once
        Assert.Equal(first, _fetches);
    }

    [Fact]
    public async Task An_answer_without_signatures_in_a_secure_zone_is_bogus()
    {
        var builder = new CachedAnswerBuilder();
        builder.Add(DnsSection.Answer, DnsName.Parse("www.example.test."), (ushort)RecordType.A, RecordClass.IN, 300, [192, 0, 2, 66]);
        var answer = builder.Build(ResponseCode.NoError, new ResolverCacheOptions(), Environment.TickCount64);
        var result = await Validator().ValidateAsync(DnsName.Parse("www.example.test."), (ushort)RecordType.A, answer, CancellationToken.None);
        Assert.Equal(DnssecStatus.Bogus, result.Security);
        Assert.Equal(ExtendedDnsError.RrsigsMissing, result.ExtendedError);
    }

    [Fact]
    public async Task Names_outside_every_anchor_are_insecure()
    {
        var builder = new CachedAnswerBuilder();
        builder.Add(DnsSection.Answer, DnsName.Parse("www.example.org."), (ushort)RecordType.A, RecordClass.IN, 300, [192, 0, 2, 66]);
        var answer = builder.Build(ResponseCode.NoError, new ResolverCacheOptions(), Environment.TickCount64);
        var result = await Validator().ValidateAsync(DnsName.Parse("www.example.org."), (ushort)RecordType.A, answer, CancellationToken.None);
        Assert.Equal(DnssecStatus.Insecure, result.Security);
        Assert.Equal(0, _fetches);
    }
}
