using DnsHost.Protocol;
using DnsHost.Resolver.Dnssec;

namespace DnsHost.Tests.Dnssec;

/// <summary>Resolver:TrustAnchors files in Unbound's and BIND's formats, and what a bad one says.</summary>
[Trait("Kind", "Unit")]
public sealed class TrustAnchorFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"dnshost-anchors-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Reads_unbound_trust_anchor_file()
    {
        File.WriteAllText(_path, """
            ; autotrust-style comments and a DS and a DNSKEY
            .	IN	DS	20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            example.lab. 3600 IN DNSKEY 257 3 15 zPCvfHV3QE4tT07Qps7QVwNxCDZ/x0s0ZnOyu7HVoBk= ;{id = 27465 (ksk)}
            """);
        var anchors = TrustAnchors.Load(_path, []);
        Assert.Equal(2, anchors.All.Count);
        Assert.Single(anchors.Closest(DnsName.Parse("www.example.com."))!.Ds);
        var island = anchors.Closest(DnsName.Parse("www.Example.LAB."))!;
        Assert.Equal(DnsName.Parse("example.lab."), island.Zone);
        Assert.Single(island.Keys);
    }

    [Fact]
    public void Reads_bind_trust_anchors()
    {
        File.WriteAllText(_path, """
            trust-anchors {
                // the root KSK-2024
                . initial-ds 38696 8 2 "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16";
                "lab." static-key 257 3 13 "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";
            };
            """);
        var anchors = TrustAnchors.Load(_path, []);
        Assert.Equal(38696, (anchors.Closest(DnsName.Root)!.Ds[0][0] << 8) | anchors.Closest(DnsName.Root)!.Ds[0][1]);
        Assert.Single(anchors.Closest(DnsName.Parse("a.lab."))!.Keys);
    }

    [Theory]
    [InlineData(". IN DS 20326 8 2 ZZZZ", "not hexadecimal")]
    [InlineData(". IN DS 20326 8 2 E06D44", "a digest of type 2 has 32 octets")]
    [InlineData(". IN A 192.0.2.1", "'A' is not DS or DNSKEY")]
    [InlineData("; nothing", "no DS or DNSKEY records")]
    public void A_bad_file_names_the_line_and_the_problem(string line, string message)
    {
        File.WriteAllText(_path, line + "\n");
        var e = Assert.Throws<FormatException>(() => TrustAnchors.Load(_path, []));
        Assert.Contains(message, e.Message);
        Assert.Contains(_path, e.Message);
    }

    [Fact]
    public void Negative_trust_anchors_cover_their_subtree()
    {
        var anchors = TrustAnchors.BuiltIn([DnsName.Parse("corp.example.")]);
        Assert.True(anchors.IsNegative(DnsName.Parse("www.corp.example.")));
        Assert.True(anchors.IsNegative(DnsName.Parse("corp.example.")));
        Assert.False(anchors.IsNegative(DnsName.Parse("example.")));
        Assert.Equal(2, anchors.Closest(DnsName.Parse("example."))!.Ds.Count);
    }
}
