using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Zone files signed by ldns-signzone (NSEC, and NSEC3 with no salt and 0 extra iterations) served by
/// the real host as they are: BIND's validator delv, trusting the file's own key, must fully validate
/// positive, NXDOMAIN, NODATA, wildcard, wildcard-NODATA, CNAME and empty-non-terminal answers; and the
/// host must not sign them again (every RRSIG is one the file holds).
/// </summary>
[Trait("Kind", "Interop")]
public sealed class PresignedZoneTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private readonly string _work = Path.Combine(Path.GetTempPath(), "dnshost-presigned-" + Guid.NewGuid().ToString("N"));
    private RunningServer _server = null!;
    private readonly Dictionary<string, string> _anchors = [];
    private readonly Dictionary<string, HashSet<string>> _fileSignatures = [];

    private static string Zone(string origin) => $"""
        $ORIGIN {origin}
        $TTL 300
        @        IN SOA ns hostmaster 1 3600 600 86400 60
        @        IN NS  ns
        ns       IN A   192.0.2.53
        www      IN A   192.0.2.1
        www      IN AAAA 2001:db8::1
        *.wild   IN TXT "wildcard"
        alias    IN CNAME www
        host.deep.ent IN A 192.0.2.2
        sub      IN NS  ns.sub
        ns.sub   IN A   192.0.2.7
        """ + "\n";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        foreach (var (origin, nsec3) in new[] { ("nsec.pre.", false), ("nsec3.pre.", true) })
        {
            var signed = ZoneSigner.Sign(_work, origin, Zone(origin), "ECDSAP256SHA256", nsec3: nsec3, salt: "");
            var text = File.ReadAllText(signed.SignedPath);
            _zones.Write(origin + "zone", text);
            var key = File.ReadAllText(Path.Combine(_work, signed.KeyName + ".key")).Split(';')[0].Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            int at = Array.IndexOf(key, "DNSKEY");
            _anchors[origin] = $"trust-anchors {{ \"{origin}\" static-key {key[at + 1]} {key[at + 2]} {key[at + 3]} \"{string.Concat(key.Skip(at + 4))}\"; }};\n";
            _fileSignatures[origin] = [.. text.Split('\n').Where(l => l.Contains("\tRRSIG\t")).Select(l => l.Split(' ')[^1].Trim())];
        }
        _server = await RunningServer.StartAsync(_zones.Directory);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<string> DelvAsync(string origin, string name, string type)
    {
        var anchor = Path.Combine(_work, origin + "anchor.conf");
        await File.WriteAllTextAsync(anchor, _anchors[origin]);
        return await Delv.RunAsync(_server.Port, anchor, origin, name + "." + origin, type);
    }

    [Theory]
    [InlineData("www", "A", "; fully validated")]
    [InlineData("alias", "AAAA", "; fully validated")]
    [InlineData("x.wild", "TXT", "; fully validated")]
    [InlineData("a.b.wild", "TXT", "; fully validated")]
    [InlineData("nope", "A", "; negative response, fully validated")]
    [InlineData("a.b.nope", "AAAA", "; negative response, fully validated")]
    [InlineData("www", "TXT", "; negative response, fully validated")]
    [InlineData("x.wild", "A", "; negative response, fully validated")]
    [InlineData("deep.ent", "A", "; negative response, fully validated")]
    [InlineData("sub", "DS", "; negative response, fully validated")]
    public async Task Delv_validates_the_files_own_signatures_and_proofs(string name, string type, string expected)
    {
        foreach (var origin in new[] { "nsec.pre.", "nsec3.pre." })
        {
            var output = await DelvAsync(origin, name, type);
            Assert.True(output.Contains(expected, StringComparison.Ordinal), $"{name}.{origin} {type}:\n{output}");
            Assert.DoesNotContain("resolution failed: failure", output);
            Assert.DoesNotContain("no valid signature", output);
            Assert.DoesNotContain("insecurity proof failed", output);
        }
    }

    [Theory]
    [InlineData("nsec.pre.")]
    [InlineData("nsec3.pre.")]
    public async Task Every_signature_served_is_one_from_the_file_and_the_rcode_stays_nxdomain(string origin)
    {
        foreach (var (name, type) in new[] { ("www", RecordType.A), ("nope", RecordType.A), ("x.wild", RecordType.TXT), ("", RecordType.DNSKEY) })
        {
            var raw = await _server.UdpRawAsync(TestQuery.Build(name.Length == 0 ? origin : name + "." + origin, type, dnssecOk: true));
            var response = SignedAnswers.Read(raw!);
            var rrsigs = response.Records.Where(r => r.Type == (ushort)RecordType.RRSIG).ToList();
            Assert.NotEmpty(rrsigs);
            Assert.All(rrsigs, r => Assert.Contains(RecordData.ToText(r.Type, r.RData).Split(' ')[^1], _fileSignatures[origin]));
            if (name == "nope")
                Assert.Equal(3, response.Rcode);
        }
    }
}
