using System.Text;
using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// The three answers DnsHost got wrong before TSIG and the journal (issue 21), each asked of DnsHost and of
/// Knot with the same zone and key over the wire with kdig: an unknown TSIG key, an IXFR at or above the
/// current serial, an AXFR for a zone not served; and a signed AXFR over several messages, which kdig
/// verifies message by message and which must carry the same records as Knot's.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class TransferAgreementTests : IAsyncLifetime
{
    public static readonly KnotPeer.Key Key = new("xfr", "hmac-sha256", "ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=");
    private const string UnknownKey = "hmac-sha256:bogus:ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=";
    private const string WrongSecret = "hmac-sha256:xfr:AAAAaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=";

    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;
    private PeerProcess _knot = null!;

    public async Task InitializeAsync()
    {
        var big = new StringBuilder("$TTL 300\n@ SOA ns hostmaster 7 7200 900 1209600 60\n@ NS ns\nns A 192.0.2.1\n");
        for (int i = 0; i < 3000; i++)
            big.Append($"host{i} A 198.51.{i / 250}.{i % 250}\nhost{i} TXT \"record number {i} of a zone that needs several messages\"\n");
        _zones.Write("big.test.zone", big.ToString());
        _server = await RunningServer.StartAsync(_zones.Directory, "--Tsig:Keys:0=" + Key.Kdig);
        _knot = await KnotPeer.StartPrimaryAsync([("example.test", Path.Combine(_zones.Directory, "example.test.zone")), ("big.test", Path.Combine(_zones.Directory, "big.test.zone"))], Key);
    }

    public async Task DisposeAsync()
    {
        await _knot.DisposeAsync();
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<(DnsTool.Result Ours, DnsTool.Result Knot)> Both(string? key, params string[] arguments) =>
        (await DnsTool.KdigAsync(_server.EndPoint, key, arguments), await DnsTool.KdigAsync(_knot.EndPoint, key, arguments));

    [Fact]
    public async Task A_query_signed_with_an_unknown_key_is_notauth_badkey_with_an_unsigned_tsig_as_knot_answers()
    {
        var (ours, knot) = await Both(UnknownKey, "example.test", "SOA", "+norec");
        // RFC 8945 5.2.1: RCODE NOTAUTH, TSIG error BADKEY, the request's key name, MAC size 0.
        var unsigned = new Regex(@"bogus\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.\s+\d+\s+300\s+0\s+\d+\s+BADKEY\s+0");
        foreach (var result in new[] { ours, knot })
        {
            Assert.Contains("status: BADKEY", result.Output);
            Assert.Matches(unsigned, result.Output);
            Assert.Empty(result.Records);
        }
    }

    [Fact]
    public async Task An_axfr_signed_with_an_unknown_key_gets_notauth_and_no_records_as_from_knot()
    {
        var (ours, knot) = await Both(UnknownKey, "example.test", "AXFR");
        foreach (var result in new[] { ours, knot })
        {
            // kdig names the TSIG error of a transfer answer: NOTAUTH with BADKEY.
            Assert.Contains("server replied with error 'BADKEY'", result.All);
            Assert.Empty(result.Records);
        }
    }

    [Fact]
    public async Task A_wrong_secret_is_notauth_badsig_as_knot_answers()
    {
        var (ours, knot) = await Both(WrongSecret, "example.test", "SOA", "+norec");
        foreach (var result in new[] { ours, knot })
        {
            Assert.Contains("status: BADSIG", result.Output);
            Assert.Matches(new Regex(@"xfr\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.\s+\d+\s+300\s+0\s+\d+\s+BADSIG"), result.Output);
        }
    }

    [Theory]
    [InlineData("IXFR=2026112501")] // the current serial
    [InlineData("IXFR=2026112600")] // ahead of it
    public async Task An_ixfr_at_or_above_the_current_serial_gets_the_single_soa_as_from_knot(string ixfr)
    {
        var (ours, knot) = await Both(Key.Kdig, "example.test", ixfr);
        foreach (var result in new[] { ours, knot })
        {
            Assert.Equal(0, result.ExitCode);
            Assert.DoesNotContain("WARNING", result.All);
            var soa = Assert.Single(result.Records);
            Assert.Contains("SOA", soa);
            Assert.Contains(" 2026112501 ", soa);
        }
    }

    [Fact]
    public async Task An_axfr_for_a_zone_not_served_is_notauth_as_knot_answers()
    {
        var (ours, knot) = await Both(Key.Kdig, "elsewhere.test", "AXFR");
        foreach (var result in new[] { ours, knot })
        {
            Assert.Contains("server replied with error 'NOTAUTH'", result.All);
            Assert.Empty(result.Records);
        }
        // Unsigned too.
        var plain = await DnsTool.KdigAsync(_server.EndPoint, null, "elsewhere.test", "AXFR");
        Assert.Contains("NOTAUTH", plain.All);
    }

    [Fact]
    public async Task A_signed_axfr_over_several_messages_verifies_in_kdig_and_carries_knots_records()
    {
        var (ours, knot) = await Both(Key.Kdig, "big.test", "AXFR");
        Assert.Equal(0, ours.ExitCode);
        Assert.DoesNotContain("WARNING", ours.All);
        Assert.DoesNotContain(";; ERROR", ours.All);
        int messages = int.Parse(Regex.Match(ours.Output, @"\((\d+) messages").Groups[1].Value);
        Assert.True(messages > 5, $"{messages} messages");
        Assert.Equal(6000 + 3 + 1, ours.Records.Count); // every record once, the SOA twice
        Assert.Equal(Normalize(knot.Records), Normalize(ours.Records));
        // Every message signed: kdig prints one TSIG record per message.
        Assert.Equal(messages, Regex.Count(ours.Output, @"\sTSIG\s"));
    }

    private static List<string> Normalize(IEnumerable<string> records) =>
        records.Select(r => Regex.Replace(r, @"\s+", " ").Trim()).Order(StringComparer.Ordinal).ToList();
}
