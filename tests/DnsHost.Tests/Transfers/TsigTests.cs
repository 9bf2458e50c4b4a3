using System.Buffers.Binary;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// TSIG checks of the query path (RFC 8945 5.2) with the clock a <see cref="FakeTimeProvider"/>: the time
/// window, BADTIME with our time in Other Data, and responses the client can verify. Key files as
/// tsig-keygen and keymgr print them.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class TsigTests : IDisposable
{
    private static readonly TsigKey Key = TsigKey.Parse(TransferAgreementTests.Key.Kdig);
    private readonly TestZones _zones = new TestZones().CopySamples();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _zones.Dispose();

    private QueryProcessor Processor()
    {
        var transfers = new TransferService(new TransferOptions(), new TsigKeyring([Key], _time), ["127.0.0.0/8"], null, NullLogger.Instance);
        return new QueryProcessor(_zones.LoadRegistry(), new DnsServerOptions(), transfers: transfers);
    }

    private static (byte[] Query, byte[] Mac) Signed(string name, RecordType type, ulong timeSigned, TsigKey key)
    {
        var plain = TestQuery.Build(name, type);
        var buffer = new byte[plain.Length + 200];
        plain.CopyTo(buffer, 0);
        int length = TsigSigner.Sign(buffer, plain.Length, key, default, false, timeSigned, 300, TsigError.None, default, out var mac);
        return (buffer[..length], mac);
    }

    private static (byte[] Response, TsigRecord Tsig) Answer(QueryProcessor processor, byte[] query)
    {
        var response = new byte[65535];
        Assert.Equal(QueryDisposition.Respond, processor.Process(query, response, false, false, out int length, out _));
        Assert.True(TsigRecord.TryFind(response.AsSpan(0, length), out var tsig, out bool malformed));
        Assert.False(malformed);
        return (response[..length], tsig!);
    }

    /// <summary>The response's MAC as the client computes it (RFC 8945 4.3: the request's MAC first).</summary>
    private static bool Verifies(byte[] response, TsigRecord tsig, byte[] requestMac) =>
        TsigSigner.ComputeMac(Key, response.AsSpan(0, tsig.RecordStart), tsig.OriginalId, true, requestMac, true, tsig.TimeSigned, tsig.Fudge, tsig.Error, tsig.OtherData)
            .AsSpan().SequenceEqual(tsig.Mac);

    [Theory]
    [InlineData(0)]
    [InlineData(299)]
    [InlineData(-299)]
    public async Task A_query_signed_within_the_fudge_is_answered_and_the_answer_is_signed(int skewSeconds)
    {
        var processor = Processor();
        ulong now = TsigSigner.TimeOf(_time.GetUtcNow());
        var (query, mac) = Signed("www.example.test", RecordType.A, (ulong)((long)now + skewSeconds), Key);
        var (response, tsig) = Answer(processor, query);
        Assert.Equal(0, response[3] & 0x0F);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        Assert.Equal(TsigError.None, tsig.Error);
        Assert.Equal(now, tsig.TimeSigned);
        Assert.True(Verifies(response, tsig, mac));
        await Task.CompletedTask;
    }

    [Fact]
    public void A_query_signed_outside_the_fudge_is_notauth_badtime_signed_with_our_clock_in_other_data()
    {
        var processor = Processor();
        ulong signedAt = TsigSigner.TimeOf(_time.GetUtcNow());
        var (query, mac) = Signed("www.example.test", RecordType.A, signedAt, Key);
        // The same query arrives 301 seconds later: outside the 300-second fudge.
        _time.Advance(TimeSpan.FromSeconds(301));
        var (response, tsig) = Answer(processor, query);
        Assert.Equal((int)ResponseCode.NotAuth, response[3] & 0x0F);
        Assert.Equal(TsigError.BadTime, tsig.Error);
        Assert.Equal(signedAt, tsig.TimeSigned);
        Assert.Equal(6, tsig.OtherData.Length);
        ulong ours = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(tsig.OtherData) << 32) | BinaryPrimitives.ReadUInt32BigEndian(tsig.OtherData.AsSpan(2));
        Assert.Equal(signedAt + 301, ours);
        Assert.True(Verifies(response, tsig, mac));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6))); // no answer records
    }

    [Fact]
    public void Unknown_key_and_wrong_algorithm_are_badkey_unsigned()
    {
        var processor = Processor();
        ulong now = TsigSigner.TimeOf(_time.GetUtcNow());
        var other = new TsigKey("xfr", TsigAlgorithm.HmacSha512, Convert.FromBase64String(TransferAgreementTests.Key.Secret));
        foreach (var key in new[] { new TsigKey("nobody", TsigAlgorithm.HmacSha256, [1, 2, 3]), other })
        {
            var (query, _) = Signed("www.example.test", RecordType.A, now, key);
            var (response, tsig) = Answer(processor, query);
            Assert.Equal((int)ResponseCode.NotAuth, response[3] & 0x0F);
            Assert.Equal(TsigError.BadKey, tsig.Error);
            Assert.Empty(tsig.Mac);
            Assert.Equal(key.Name, tsig.KeyName);
        }
    }

    [Fact]
    public void A_tsig_record_that_is_not_last_is_formerr()
    {
        var processor = Processor();
        var (query, _) = Signed("www.example.test", RecordType.A, TsigSigner.TimeOf(_time.GetUtcNow()), Key);
        // Move the TSIG before the OPT record: TestQuery wrote the OPT (11 octets) right before it.
        var tsigStart = TsigRecord.TryFind(query, out var tsig, out _) ? tsig!.RecordStart : throw new InvalidOperationException();
        var reordered = query[..(tsigStart - 11)].Concat(query[tsigStart..]).Concat(query[(tsigStart - 11)..tsigStart]).ToArray();
        var response = processor.Ask(reordered);
        Assert.Equal((int)ResponseCode.FormErr, response.Rcode);
    }

    [Fact]
    public void Keys_read_from_tsig_keygen_and_keymgr_output_and_never_print_their_secret()
    {
        const string tsigKeygen = """
            key "xfr-key" {
            	algorithm hmac-sha512;
            	secret "bWFueSBzZWNyZXQgYnl0ZXMgZm9yIGEgdGVzdCBrZXk=";
            };
            """;
        const string keymgr = """
            # hmac-sha256:update-key:ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=
            key:
              - id: update-key
                algorithm: hmac-sha256
                secret: ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=
            """;
        var bind = Assert.Single(TsigKeyFile.Parse(tsigKeygen));
        Assert.Equal("xfr-key.", bind.NameText);
        Assert.Equal(TsigAlgorithm.HmacSha512, bind.Algorithm);
        var knot = Assert.Single(TsigKeyFile.Parse(keymgr));
        Assert.Equal("update-key.", knot.NameText);
        Assert.Equal(TsigAlgorithm.HmacSha256, knot.Algorithm);
        Assert.DoesNotContain("ISUxaM7t", knot.ToString());
        Assert.DoesNotContain("bWFueSBz", bind.ToString());
        Assert.Throws<FormatException>(() => TsigKeyFile.Parse("key \"x\" { algorithm hmac-md5; secret \"AAAA\"; };"));
    }

    [Fact]
    public void Sha1_keys_are_refused_unless_allowed()
    {
        var options = new TsigOptions { Keys = ["hmac-sha1:old:ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o="] };
        var e = Assert.Throws<FormatException>(() => TsigKeyring.Load(options, _time));
        Assert.Contains("Tsig:AllowHmacSha1", e.Message);
        Assert.DoesNotContain("ISUxaM7t", e.Message);
        options.AllowHmacSha1 = true;
        Assert.Equal(1, TsigKeyring.Load(options, _time).Count);
    }
}
