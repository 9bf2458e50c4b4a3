using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Online signing with NSEC3 denial (Dnssec:Denial = Nsec3; RFC 5155 with RFC 9276's parameters):
/// delv, trusting the zone's key, must fully validate positive, NXDOMAIN, NODATA, wildcard,
/// wildcard-NODATA, empty-non-terminal and no-DS answers, all proved by NSEC3 records computed online.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Nsec3SigningTests : IAsyncLifetime
{
    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _folder.Zones.Write("sign.test.zone", SigningTests.Zone + "\nhost.deep.ent A 192.0.2.8\n");
        _server = await RunningServer.StartAsync(_folder.Zones.Directory, "--Dnssec:SignedZones:0=sign.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}",
            $"--Dnssec:KeyDirectory={_folder.KeyDirectory}", "--Dnssec:Denial=Nsec3");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<SignedAnswers> AskAsync(string name, RecordType type)
    {
        var raw = await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: true));
        return SignedAnswers.Read(raw!);
    }

    private async Task<string> DelvAsync(string name, string type)
    {
        var key = (await AskAsync("sign.test", RecordType.DNSKEY)).In(0).Single(r => r.Type == (ushort)RecordType.DNSKEY).RData;
        var anchor = Path.Combine(_folder.Zones.Directory, "anchor.conf");
        await File.WriteAllTextAsync(anchor, $"trust-anchors {{ \"sign.test.\" static-key 257 3 {key[3]} \"{Convert.ToBase64String(key.AsSpan(4))}\"; }};\n");
        return await Delv.RunAsync(_server.Port, anchor, "sign.test", name, type);
    }

    [Theory]
    [InlineData("www.sign.test", "A", "; fully validated")]
    [InlineData("alias.sign.test", "A", "; fully validated")]
    [InlineData("x.wild.sign.test", "A", "; fully validated")]
    [InlineData("a.b.wild.sign.test", "A", "; fully validated")]
    [InlineData("a.dn.sign.test", "A", "; fully validated")]
    [InlineData("sign.test", "NSEC3PARAM", "; fully validated")]
    [InlineData("nope.sign.test", "A", "; negative response, fully validated")]
    [InlineData("a.b.nope.sign.test", "AAAA", "; negative response, fully validated")]
    [InlineData("www.sign.test", "TXT", "; negative response, fully validated")]
    [InlineData("x.wild.sign.test", "MX", "; negative response, fully validated")]
    [InlineData("deep.ent.sign.test", "A", "; negative response, fully validated")]
    [InlineData("sub.sign.test", "DS", "; negative response, fully validated")]
    [InlineData("dangling.sign.test", "A", "; fully validated")]
    public async Task Delv_validates_the_answer_and_its_nsec3_proof(string name, string type, string expected)
    {
        var output = await DelvAsync(name, type);
        Assert.True(output.Contains(expected, StringComparison.Ordinal), output);
        Assert.DoesNotContain("resolution failed: failure", output);
        Assert.DoesNotContain("no valid signature", output);
        Assert.DoesNotContain("insecurity proof failed", output);
    }

    [Fact]
    public async Task A_missing_name_is_nxdomain_with_three_nsec3_records_of_rfc_9276s_parameters()
    {
        var response = await AskAsync("nope.sign.test", RecordType.A);
        Assert.Equal(3, response.Rcode);
        var nsec3 = response.In(1).Where(r => r.Type == (ushort)RecordType.NSEC3).ToList();
        // Closest encloser (the apex), next closer (nope) covered, wildcard *.sign.test covered: three distinct records.
        Assert.Equal(3, nsec3.Count);
        // SHA-1, no opt-out, 0 iterations, no salt (RFC 9276 3.1).
        Assert.All(nsec3, r => Assert.Equal(new byte[] { 1, 0, 0, 0, 0 }, r.RData[..5]));
        Assert.Contains(response.In(1), r => r.Type == (ushort)RecordType.RRSIG);
    }
}
