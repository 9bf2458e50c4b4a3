using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// BIND's validator (delv, from bind9-dnsutils) checks the signed zone over the wire, with the
/// zone's DNSKEY as its trust anchor: positive, negative (compact denial), wildcard, CNAME and DNAME
/// answers must all come out "fully validated"; with another key as the anchor nothing may.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class DelvValidationTests : IAsyncLifetime
{
    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _folder.Zones.Write("sign.test.zone", SigningTests.Zone);
        _server = await _folder.StartAsync("sign.test");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<string> AnchorAsync(byte[]? key = null)
    {
        if (key is null)
        {
            var raw = await _server.UdpRawAsync(TestQuery.Build("sign.test", RecordType.DNSKEY));
            key = SignedAnswers.Read(raw!).In(0).Single(r => r.Type == (ushort)RecordType.DNSKEY).RData;
        }
        var path = Path.Combine(_folder.Zones.Directory, "anchor.conf");
        await File.WriteAllTextAsync(path, $"trust-anchors {{ \"sign.test.\" static-key 257 3 {key[3]} \"{Convert.ToBase64String(key.AsSpan(4))}\"; }};\n");
        return path;
    }

    private async Task<string> DelvAsync(string anchor, string name, string type)
    {
        return await Delv.RunAsync(_server.Port, anchor, "sign.test", name, type);
    }

    [Theory]
    [InlineData("www.sign.test", "A", "; fully validated")]
    [InlineData("sign.test", "MX", "; fully validated")]
    [InlineData("alias.sign.test", "A", "; fully validated")]
    [InlineData("x.wild.sign.test", "A", "; fully validated")]
    [InlineData("a.dn.sign.test", "A", "; fully validated")]
    [InlineData("sign.test", "DNSKEY", "; fully validated")]
    [InlineData("nope.sign.test", "A", "; negative response, fully validated")]
    [InlineData("a.b.nope.sign.test", "AAAA", "; negative response, fully validated")]
    [InlineData("www.sign.test", "TXT", "; negative response, fully validated")]
    [InlineData("x.wild.sign.test", "MX", "; negative response, fully validated")]
    [InlineData("sub.sign.test", "DS", "; negative response, fully validated")]
    [InlineData("dangling.sign.test", "A", "; fully validated")] // the CNAME; then gone.sign.test proved missing
    public async Task Delv_validates_the_answer(string name, string type, string expected)
    {
        var output = await DelvAsync(await AnchorAsync(), name, type);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("resolution failed: failure", output);
        Assert.DoesNotContain("no valid signature", output);
    }

    [Fact]
    public async Task With_another_key_as_anchor_nothing_validates()
    {
        using var other = DnsHost.Dnssec.Signing.SigningKey.Generate(DnsHost.Dnssec.DnssecAlgorithm.EcdsaP256Sha256);
        var output = await DelvAsync(await AnchorAsync(other.DnskeyRData), "www.sign.test", "A");
        Assert.DoesNotContain("fully validated", output);
    }
}
