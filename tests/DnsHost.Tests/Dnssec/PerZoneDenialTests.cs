using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Denial of existence chosen per master-file zone (Dnssec:Zones:NAME:Denial) beside the server's default: in one
/// server, nsec3.test proves with NSEC3 (RFC 9276's parameters) and compact.test with compact denial (RFC 9824), and
/// delv, trusting each zone's key, fully validates both kinds of negative answer and the positive ones.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class PerZoneDenialTests : IAsyncLifetime
{
    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        foreach (var zone in new[] { "nsec3.test", "compact.test" })
            _folder.Zones.Write(zone + ".zone", SigningTests.Zone.Replace("sign.test.", zone + ".", StringComparison.Ordinal));
        // The default stays compact; nsec3.test says Nsec3, and compact.test is signed by being named in Zones alone.
        _server = await RunningServer.StartAsync(_folder.Zones.Directory, "--Dnssec:SignedZones:0=nsec3.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}",
            $"--Dnssec:KeyDirectory={_folder.KeyDirectory}", "--Dnssec:Zones:nsec3.test:Denial=Nsec3", "--Dnssec:Zones:compact.test:Denial=Compact");
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

    private async Task<string> DelvAsync(string zone, string name, string type)
    {
        var key = (await AskAsync(zone, RecordType.DNSKEY)).In(0).Single(r => r.Type == (ushort)RecordType.DNSKEY).RData;
        var anchor = Path.Combine(_folder.Zones.Directory, zone + ".anchor.conf");
        await File.WriteAllTextAsync(anchor, $"trust-anchors {{ \"{zone}.\" static-key 257 3 {key[3]} \"{Convert.ToBase64String(key.AsSpan(4))}\"; }};\n");
        return await Delv.RunAsync(_server.Port, anchor, zone, name, type);
    }

    [Theory]
    [InlineData("nsec3.test", "www", "A", "; fully validated")]
    [InlineData("nsec3.test", "nope", "A", "; negative response, fully validated")]
    [InlineData("nsec3.test", "www", "TXT", "; negative response, fully validated")]
    [InlineData("nsec3.test", "x.wild", "A", "; fully validated")]
    [InlineData("compact.test", "www", "A", "; fully validated")]
    [InlineData("compact.test", "nope", "A", "; negative response, fully validated")]
    [InlineData("compact.test", "www", "TXT", "; negative response, fully validated")]
    [InlineData("compact.test", "x.wild", "A", "; fully validated")]
    public async Task Delv_validates_each_zones_answers_with_its_own_denial(string zone, string label, string type, string expected)
    {
        var output = await DelvAsync(zone, $"{label}.{zone}", type);
        Assert.True(output.Contains(expected, StringComparison.Ordinal), output);
        Assert.DoesNotContain("resolution failed: failure", output);
        Assert.DoesNotContain("no valid signature", output);
    }

    [Fact]
    public async Task The_nsec3_zone_answers_nxdomain_with_nsec3_and_the_compact_zone_noerror_with_one_nsec()
    {
        var nsec3 = await AskAsync("nope.nsec3.test", RecordType.A);
        Assert.Equal((int)ResponseCode.NXDomain, nsec3.Rcode);
        Assert.Equal(3, nsec3.In(1).Count(r => r.Type == (ushort)RecordType.NSEC3));
        Assert.DoesNotContain(nsec3.In(1), r => r.Type == (ushort)RecordType.NSEC);
        Assert.Single((await AskAsync("nsec3.test", RecordType.NSEC3PARAM)).In(0), r => r.Type == (ushort)RecordType.NSEC3PARAM);

        var compact = await AskAsync("nope.compact.test", RecordType.A);
        Assert.Equal((int)ResponseCode.NoError, compact.Rcode);
        Assert.Single(compact.In(1), r => r.Type == (ushort)RecordType.NSEC);
        Assert.DoesNotContain(compact.In(1), r => r.Type == (ushort)RecordType.NSEC3);
        Assert.DoesNotContain((await AskAsync("compact.test", RecordType.NSEC3PARAM)).In(0), r => r.Type == (ushort)RecordType.NSEC3PARAM);
    }
}
