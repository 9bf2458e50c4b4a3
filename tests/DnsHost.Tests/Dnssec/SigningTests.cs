using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

using Signer = DnsHost.Dnssec.Signing.ZoneSigner;

namespace DnsHost.Tests.Dnssec;

/// <summary>A signed zone served by the real host: every RRSIG is checked with the DNSSEC primitives, not with the signer.</summary>
[Trait("Kind", "Integration")]
public sealed class SigningTests : IAsyncLifetime
{
    internal const string Zone = """
        $ORIGIN sign.test.
        $TTL 300
        @        SOA   ns1 hostmaster 1 3600 600 86400 300
        @        NS    ns1
        @        MX    10 mail
        ns1      A     192.0.2.1
        mail     A     192.0.2.2
        www      A     192.0.2.3
        www      AAAA  2001:db8::3
        alias    CNAME www
        dangling CNAME gone
        *.wild   A     192.0.2.4
        sub      NS    ns.sub
        ns.sub   A     192.0.2.5
        secure   NS    ns.secure
        secure   DS    12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
        ns.secure A    192.0.2.6
        dn       DNAME www.sign.test.
        txt      TXT   "hello"
        """;

    private static readonly string Kek = SignedZoneFolder.Kek;

    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;
    private string KeyDirectory => _folder.KeyDirectory;

    public async Task InitializeAsync()
    {
        _folder.Zones.Write("sign.test.zone", Zone);
        _folder.Zones.Write("plain.test.zone", "$ORIGIN plain.test.\n@ 300 SOA ns1 h 1 2 3 4 5\n@ 300 NS ns1\nns1 300 A 192.0.2.9\n");
        _server = await StartAsync();
    }

    private Task<RunningServer> StartAsync() => _folder.StartAsync("sign.test");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<SignedAnswers> AskAsync(string name, ushort type, bool dnssecOk = true)
    {
        var raw = await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: dnssecOk));
        Assert.NotNull(raw);
        return SignedAnswers.Read(raw);
    }

    private async Task<byte[]> DnskeyAsync()
    {
        var keys = await AskAsync("sign.test", (ushort)RecordType.DNSKEY);
        return Assert.Single(keys.In(0), r => r.Type == (ushort)RecordType.DNSKEY).RData;
    }

    [Fact]
    public async Task The_apex_serves_its_key_signed_by_itself_and_its_cds_and_cdnskey()
    {
        var response = await AskAsync("sign.test", (ushort)RecordType.DNSKEY);
        var dnskey = Assert.Single(response.In(0), r => r.Type == (ushort)RecordType.DNSKEY).RData;
        Assert.Equal((ushort)257, (ushort)(dnskey[0] << 8 | dnskey[1]));
        Assert.Equal(DnssecAlgorithm.EcdsaP256Sha256, dnskey[3]);
        Assert.Equal([("sign.test.", "DNSKEY", true)], response.Check(0, dnskey));
        Assert.True((response.Flags & DnsHeader.AaBit) != 0);

        var cds = await AskAsync("sign.test", (ushort)RecordType.CDS);
        var cdsRecord = Assert.Single(cds.In(0), r => r.Type == (ushort)RecordType.CDS);
        Assert.True(DsDigest.Matches(cdsRecord.RData, DnsName.Parse("sign.test."), dnskey));
        Assert.All(cds.Check(0, dnskey), c => Assert.True(c.Verified));
        var cdnskey = await AskAsync("sign.test", (ushort)RecordType.CDNSKEY);
        Assert.Equal(dnskey, Assert.Single(cdnskey.In(0), r => r.Type == (ushort)RecordType.CDNSKEY).RData);

        // Without DO the key is there, unsigned.
        var plain = await AskAsync("sign.test", (ushort)RecordType.DNSKEY, dnssecOk: false);
        Assert.Equal([(ushort)RecordType.DNSKEY], plain.In(0).Select(r => r.Type));
    }

    [Theory]
    [InlineData("www.sign.test", RecordType.A)]
    [InlineData("www.sign.test", RecordType.AAAA)]
    [InlineData("sign.test", RecordType.MX)]
    [InlineData("sign.test", RecordType.NS)]
    [InlineData("sign.test", RecordType.SOA)]
    [InlineData("txt.sign.test", RecordType.TXT)]
    [InlineData("alias.sign.test", RecordType.A)]
    public async Task Every_rrset_of_an_answer_carries_a_signature_that_verifies(string name, RecordType type)
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync(name, (ushort)type);
        Assert.Equal(0, response.Rcode);
        Assert.NotEmpty(response.In(0));
        Assert.All(response.Check(0, dnskey), c => Assert.True(c.Verified, $"{c.Owner} {c.Type} unsigned or bad"));
        // The MX's exchange address in the additional section is ours and signed too.
        Assert.All(response.Check(2, dnskey), c => Assert.True(c.Verified, $"additional {c.Owner} {c.Type}"));
    }

    [Fact]
    public async Task Without_do_the_answer_is_as_before_unsigned()
    {
        var response = await AskAsync("www.sign.test", (ushort)RecordType.A, dnssecOk: false);
        Assert.Equal([(ushort)RecordType.A], response.Records.Select(r => r.Type));
        var nx = await AskAsync("nope.sign.test", (ushort)RecordType.A, dnssecOk: false);
        Assert.Equal((int)ResponseCode.NXDomain, nx.Rcode);
        Assert.DoesNotContain(nx.Records, r => r.Type is (ushort)RecordType.NSEC or (ushort)RecordType.RRSIG);
    }

    [Fact]
    public async Task A_name_that_does_not_exist_is_proved_by_compact_denial()
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync("nope.sign.test", (ushort)RecordType.A);
        // RFC 9824 3.1: NOERROR, with an NSEC at the name listing NXNAME.
        Assert.Equal((int)ResponseCode.NoError, response.Rcode);
        var nsec = Assert.Single(response.In(1), r => r.Type == (ushort)RecordType.NSEC);
        Assert.Equal("nope.sign.test.", nsec.OwnerText);
        int nextLength = RecordTypeInfo.NameEnd(nsec.RData, 0);
        Assert.Equal("\\000.nope.sign.test.", DnsName.ToText(nsec.RData.AsSpan(0, nextLength)));
        Assert.Equal([(ushort)RecordType.RRSIG, (ushort)RecordType.NSEC, (ushort)128], SignedAnswers.BitmapTypes(nsec.RData.AsSpan(nextLength)));
        Assert.Equal(300u, nsec.Ttl);
        Assert.All(response.Check(1, dnskey), c => Assert.True(c.Verified, $"{c.Owner} {c.Type}"));
        Assert.Contains(response.Check(1, dnskey), c => c.Type == "SOA");
    }

    [Fact]
    public async Task A_name_without_the_type_lists_the_types_it_has()
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync("www.sign.test", (ushort)RecordType.TXT);
        Assert.Equal(0, response.Rcode);
        var nsec = Assert.Single(response.In(1), r => r.Type == (ushort)RecordType.NSEC);
        int nextLength = RecordTypeInfo.NameEnd(nsec.RData, 0);
        Assert.Equal([(ushort)RecordType.A, (ushort)RecordType.AAAA, (ushort)RecordType.RRSIG, (ushort)RecordType.NSEC],
            SignedAnswers.BitmapTypes(nsec.RData.AsSpan(nextLength)));
        Assert.All(response.Check(1, dnskey), c => Assert.True(c.Verified));

        // At the apex the signer's own types are listed as well.
        var apex = await AskAsync("sign.test", (ushort)RecordType.TXT);
        var apexNsec = Assert.Single(apex.In(1), r => r.Type == (ushort)RecordType.NSEC);
        var types = SignedAnswers.BitmapTypes(apexNsec.RData.AsSpan(RecordTypeInfo.NameEnd(apexNsec.RData, 0)));
        Assert.Contains((ushort)RecordType.DNSKEY, types);
        Assert.Contains((ushort)RecordType.CDS, types);
        Assert.Contains((ushort)RecordType.SOA, types);
    }

    [Fact]
    public async Task A_cname_to_a_missing_name_proves_the_target_missing()
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync("dangling.sign.test", (ushort)RecordType.A);
        Assert.Equal(0, response.Rcode);
        Assert.All(response.Check(0, dnskey), c => Assert.True(c.Verified));
        Assert.Equal("gone.sign.test.", Assert.Single(response.In(1), r => r.Type == (ushort)RecordType.NSEC).OwnerText);
    }

    [Fact]
    public async Task A_wildcard_answer_is_signed_under_the_name_asked()
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync("x.wild.sign.test", (ushort)RecordType.A);
        Assert.All(response.Check(0, dnskey), c => Assert.True(c.Verified));
        var rrsig = Assert.Single(response.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        Assert.True(RrsigRecord.TryRead(rrsig.RData, out var parsed));
        Assert.Equal(4, parsed.Labels);
    }

    [Fact]
    public async Task A_referral_signs_the_ds_or_proves_there_is_none_and_leaves_ns_and_glue_unsigned()
    {
        var dnskey = await DnskeyAsync();
        var insecure = await AskAsync("host.sub.sign.test", (ushort)RecordType.A);
        Assert.True((insecure.Flags & DnsHeader.AaBit) == 0);
        var nsec = Assert.Single(insecure.In(1), r => r.Type == (ushort)RecordType.NSEC);
        Assert.Equal("sub.sign.test.", nsec.OwnerText);
        Assert.Equal([(ushort)RecordType.NS, (ushort)RecordType.RRSIG, (ushort)RecordType.NSEC],
            SignedAnswers.BitmapTypes(nsec.RData.AsSpan(RecordTypeInfo.NameEnd(nsec.RData, 0))));
        var checks = insecure.Check(1, dnskey);
        Assert.Contains(("sub.sign.test.", "NSEC", true), checks);
        Assert.Contains(("sub.sign.test.", "NS", false), checks);
        Assert.DoesNotContain(insecure.In(2), r => r.Type == (ushort)RecordType.RRSIG);

        var secure = await AskAsync("host.secure.sign.test", (ushort)RecordType.A);
        Assert.Contains(("secure.sign.test.", "DS", true), secure.Check(1, dnskey));
        Assert.DoesNotContain(secure.In(1), r => r.Type == (ushort)RecordType.NSEC);
    }

    [Fact]
    public async Task A_dname_is_signed_and_the_cname_made_from_it_is_not()
    {
        var dnskey = await DnskeyAsync();
        var response = await AskAsync("a.dn.sign.test", (ushort)RecordType.A);
        var checks = response.Check(0, dnskey);
        Assert.Contains(("dn.sign.test.", "DNAME", true), checks);
        Assert.Contains(("a.dn.sign.test.", "CNAME", false), checks);
    }

    [Fact]
    public async Task An_unsigned_zone_beside_a_signed_one_stays_unsigned()
    {
        var response = await AskAsync("ns1.plain.test", (ushort)RecordType.A);
        Assert.Equal([(ushort)RecordType.A], response.Records.Select(r => r.Type));
        var keys = await AskAsync("plain.test", (ushort)RecordType.DNSKEY);
        Assert.DoesNotContain(keys.Records, r => r.Type == (ushort)RecordType.DNSKEY);
    }

    [Fact]
    public async Task The_key_survives_a_restart_and_is_stored_encrypted()
    {
        var before = await DnskeyAsync();
        var file = Assert.Single(Directory.GetFiles(KeyDirectory));
        var text = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain("PRIVATE", text, StringComparison.OrdinalIgnoreCase);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        await _server.DisposeAsync();
        _server = await StartAsync();
        Assert.Equal(before, await DnskeyAsync());
    }

    [Fact]
    public async Task Another_key_encryption_key_cannot_open_the_key()
    {
        _ = await DnskeyAsync();
        var store = new KeyStore(KeyDirectory, new byte[32]);
        var error = Assert.Throws<InvalidDataException>(() => store.TryLoad("sign.test."));
        Assert.Contains("does not decrypt", error.Message);
        // A file renamed to another zone does not open either: the zone is bound into the encryption.
        File.Copy(store.PathOf("sign.test."), store.PathOf("other.test."));
        var right = new KeyStore(KeyDirectory, Convert.FromBase64String(Kek));
        Assert.Throws<InvalidDataException>(() => right.TryLoad("other.test."));
        Assert.NotNull(right.TryLoad("sign.test."));
    }

    [Fact]
    public async Task Signatures_are_cached_and_a_hot_name_is_signed_once()
    {
        _ = await AskAsync("www.sign.test", (ushort)RecordType.A);
        var signers = _server.Services.GetRequiredService<DnssecSigning>().Signers!;
        var zone = _server.Services.GetRequiredService<ZoneRegistry>().Current.GetExact(DnsName.Parse("sign.test."))!;
        long before = signers.For(zone)!.SignatureCount;
        for (int i = 0; i < 20; i++)
            _ = await AskAsync("www.sign.test", (ushort)RecordType.A);
        Assert.Equal(before, signers.For(zone)!.SignatureCount);
    }
}

/// <summary>The signer's clock: validity windows and re-signing before expiry, on fake time.</summary>
[Trait("Kind", "Integration")]
public sealed class ZoneSignerTests
{
    [Fact]
    public void The_window_starts_an_hour_before_the_hour_and_lasts_a_week_and_is_renewed_before_it_ends()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 13, 25, 0, TimeSpan.Zero));
        using var key = SigningKey.Generate(DnssecAlgorithm.EcdsaP256Sha256);
        var signer = new Signer(DnsName.Parse("sign.test."), key, time);
        var owner = DnsName.Parse("www.sign.test.");
        byte[][] rdata = [[192, 0, 2, 3]];
        var first = signer.Sign(owner, (ushort)RecordType.A, 300, rdata);
        Assert.True(RrsigRecord.TryRead(first, out var rrsig));
        var inception = DateTimeOffset.FromUnixTimeSeconds(rrsig.Inception);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero), inception);
        Assert.Equal(inception + Signer.Validity, DateTimeOffset.FromUnixTimeSeconds(rrsig.Expiration));
        Assert.True(SignedAnswers.Verifies(first, owner, (ushort)RecordType.A, rdata, key.DnskeyRData));

        // The same RRset later in the window: the cached signature.
        time.Advance(TimeSpan.FromDays(3));
        Assert.Same(first, signer.Sign(owner, (ushort)RecordType.A, 300, rdata));
        Assert.Equal(1, signer.SignatureCount);
        // Less than RefreshBefore left: signed again, with a new window.
        time.Advance(TimeSpan.FromDays(1.5));
        var second = signer.Sign(owner, (ushort)RecordType.A, 300, rdata);
        Assert.NotSame(first, second);
        Assert.True(RrsigRecord.TryRead(second, out var renewed));
        Assert.True(renewed.Expiration > rrsig.Expiration);
        // Another TTL is another RRset to sign.
        _ = signer.Sign(owner, (ushort)RecordType.A, 60, rdata);
        Assert.Equal(3, signer.SignatureCount);
    }

    [Fact]
    public void Ed25519_keys_sign_too()
    {
        using var key = SigningKey.Generate(DnssecAlgorithm.Ed25519);
        var signer = new Signer(DnsName.Parse("sign.test."), key);
        var owner = DnsName.Parse("sign.test.");
        byte[][] rdata = [key.DnskeyRData];
        var rrsig = signer.Sign(owner, (ushort)RecordType.DNSKEY, 3600, rdata);
        Assert.True(SignedAnswers.Verifies(rrsig, owner, (ushort)RecordType.DNSKEY, rdata, key.DnskeyRData));
        var copy = SigningKey.Import(key.Algorithm, key.Flags, key.ExportPrivate());
        Assert.Equal(key.DnskeyRData, copy.DnskeyRData);
    }
}
