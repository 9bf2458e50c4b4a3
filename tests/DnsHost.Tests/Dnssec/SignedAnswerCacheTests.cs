using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using Microsoft.Extensions.Time.Testing;

using Signer = DnsHost.Dnssec.Signing.ZoneSigner;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// The signed-answer cache (whole signed answers reused for a repeated query): what a client sees must be what a
/// fresh signing gives, for the query's own id and case, after a zone change, and after the signatures are renewed.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class SignedAnswerCacheTests : IDisposable
{
    private const string Zone = """
        $ORIGIN cache.test.
        $TTL 300
        @    SOA  ns1 hostmaster 1 3600 600 86400 300
        @    NS   ns1
        @    MX   10 mail
        ns1  A    192.0.2.1
        mail A    192.0.2.2
        www  A    192.0.2.3
        """;

    private readonly SignedZoneFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 13, 25, 0, TimeSpan.Zero));
    private readonly ZoneRegistry _registry;
    private readonly QueryProcessor _processor;
    private readonly byte[] _dnskey;

    public SignedAnswerCacheTests()
    {
        _folder.Zones.Write("cache.test.zone", Zone);
        _registry = _folder.Zones.LoadRegistry();
        var options = new DnssecOptions { SignedZones = ["cache.test"], KeyEncryptionKey = SignedZoneFolder.Kek, KeyDirectory = _folder.KeyDirectory };
        _processor = new QueryProcessor(_registry, new DnsServerOptions()) { Signers = ZoneSigners.FromOptions(options, _folder.Zones.Directory, _time) };
        _dnskey = Assert.Single(Ask("cache.test", RecordType.DNSKEY).In(0), r => r.Type == (ushort)RecordType.DNSKEY).RData;
    }

    public void Dispose() => _folder.Dispose();

    private byte[] AskRaw(byte[] query)
    {
        var response = new byte[65535];
        Assert.Equal(QueryDisposition.Respond, _processor.Process(query, response, false, false, out int length, out _));
        return response[..length];
    }

    private SignedAnswers Ask(string name, RecordType type, ushort id = 1) => SignedAnswers.Read(AskRaw(WithId(TestQuery.Build(name, type, dnssecOk: true), id)));

    private static byte[] WithId(byte[] query, ushort id)
    {
        query[0] = (byte)(id >> 8);
        query[1] = (byte)id;
        return query;
    }

    [Fact]
    public void A_repeated_query_gets_the_same_signed_answer_with_its_own_id_and_case()
    {
        var first = AskRaw(WithId(TestQuery.Build("cache.test", RecordType.MX, dnssecOk: true), 7));
        var again = AskRaw(WithId(TestQuery.Build("cache.test", RecordType.MX, dnssecOk: true), 8));
        Assert.Equal(first[2..], again[2..]);
        Assert.Equal([0, 8], again[..2]);
        var answer = SignedAnswers.Read(again);
        Assert.All(answer.Check(0, _dnskey), c => Assert.True(c.Verified, $"{c.Owner} {c.Type}"));
        Assert.All(answer.Check(2, _dnskey), c => Assert.True(c.Verified, $"additional {c.Owner} {c.Type}"));
        Assert.NotEmpty(answer.In(2));

        // 0x20 case: the question comes back as asked, and the answer still validates.
        var mixed = SignedAnswers.Read(AskRaw(TestQuery.Build("CaChE.TeSt", RecordType.MX, dnssecOk: true)));
        Assert.Equal("CaChE.TeSt.", mixed.In(0).First().OwnerText);
        Assert.All(mixed.Check(0, _dnskey), c => Assert.True(c.Verified));
        // Negative answers come from the cache the same: compact denial's NOERROR and a valid NSEC each time.
        for (int i = 0; i < 2; i++)
        {
            var nx = Ask("nope.cache.test", RecordType.A);
            Assert.Equal((int)ResponseCode.NoError, nx.Rcode);
            Assert.Contains(nx.In(1), r => r.Type == (ushort)RecordType.NSEC);
            Assert.All(nx.Check(1, _dnskey), c => Assert.True(c.Verified));
        }
    }

    [Fact]
    public void A_zone_change_is_signed_and_served_at_once()
    {
        Assert.Equal([192, 0, 2, 3], Assert.Single(Ask("www.cache.test", RecordType.A).In(0), r => r.Type == (ushort)RecordType.A).RData);
        Assert.DoesNotContain((ushort)RecordType.TXT, NodataTypes());
        // The same serial, so the unsigned NODATA answer is the same octets; only the NSEC's types change.
        _folder.Zones.Write("cache.test.zone", Zone.Replace("www  A    192.0.2.3", "www  A    192.0.2.33\nwww TXT \"new\"", StringComparison.Ordinal));
        _registry.Replace(_folder.Zones.LoadRegistry().Current);

        var changed = Ask("www.cache.test", RecordType.A);
        Assert.Equal([192, 0, 2, 33], Assert.Single(changed.In(0), r => r.Type == (ushort)RecordType.A).RData);
        Assert.All(changed.Check(0, _dnskey), c => Assert.True(c.Verified));
        Assert.Contains((ushort)RecordType.TXT, NodataTypes());

        ushort[] NodataTypes()
        {
            var nodata = Ask("www.cache.test", RecordType.MX);
            var nsec = Assert.Single(nodata.In(1), r => r.Type == (ushort)RecordType.NSEC).RData;
            Assert.All(nodata.Check(1, _dnskey), c => Assert.True(c.Verified));
            return SignedAnswers.BitmapTypes(nsec.AsSpan(RecordTypeInfo.NameEnd(nsec, 0)));
        }
    }

    [Fact]
    public void Renewed_signatures_replace_the_cached_answer_before_the_old_ones_near_expiry()
    {
        static uint Expiration(SignedAnswers answer)
        {
            Assert.True(RrsigRecord.TryRead(Assert.Single(answer.In(0), r => r.Type == (ushort)RecordType.RRSIG).RData, out var rrsig));
            return rrsig.Expiration;
        }

        uint first = Expiration(Ask("www.cache.test", RecordType.A));
        _time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(first, Expiration(Ask("www.cache.test", RecordType.A)));
        // Past ZoneSigner.RefreshBefore: the RRset is signed again, and the answer carries the new signature.
        _time.Advance(TimeSpan.FromDays(1.5));
        var renewed = Ask("www.cache.test", RecordType.A);
        Assert.True(Expiration(renewed) > first);
        Assert.True(Expiration(renewed) - (ulong)_time.GetUtcNow().ToUnixTimeSeconds() > (ulong)Signer.RefreshBefore.TotalSeconds);
        Assert.All(renewed.Check(0, _dnskey), c => Assert.True(c.Verified));
    }
}
