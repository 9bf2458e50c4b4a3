using DnsHost.Protocol;
using DnsHost.Zones.HostedZones;

namespace DnsHost.Tests.Zones;

/// <summary>Route 53's name format: optional trailing dot, lower case, octal escapes (route53-behaviour.md 1.3).</summary>
[Trait("Kind", "Unit")]
public sealed class Route53NamesTests
{
    [Theory]
    [InlineData("www.Example.COM", "www.example.com.")]
    [InlineData("www.example.com.", "www.example.com.")]
    [InlineData(".", ".")]
    [InlineData("\\052.example.com", "\\052.example.com.")]
    [InlineData("*.example.com", "\\052.example.com.")]
    [InlineData("a\\.b.example.com", "a\\056b.example.com.")]
    [InlineData("under_score.example", "under_score.example.")]
    public void Names_parse_to_route53_text(string text, string expected)
    {
        Assert.True(Route53Names.TryParse(text, out var wire, out string error), error);
        Assert.Equal(expected, Route53Names.ToText(wire));
    }

    [Fact]
    public void The_wire_form_has_length_bytes_and_the_root()
    {
        Assert.True(Route53Names.TryParse("Ab.c", out var wire, out _));
        Assert.Equal(new byte[] { 2, (byte)'a', (byte)'b', 1, (byte)'c', 0 }, wire);
        Assert.True(Route53Names.TryParse("\\101.x", out wire, out _));
        Assert.Equal(new byte[] { 1, (byte)'a', 1, (byte)'x', 0 }, wire);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty label")]
    [InlineData(".a", "empty label")]
    [InlineData("a\\", "lone backslash")]
    [InlineData("a\\777.b", "not an octal byte")]
    [InlineData("caf\u00e9.test", "octal escape")]
    [InlineData("has space.test", "octal escape")]
    public void Bad_names_say_what_is_wrong(string text, string problem)
    {
        Assert.False(Route53Names.TryParse(text, out _, out string error));
        Assert.Contains(problem, error);
    }

    [Fact]
    public void Labels_and_names_over_the_limits_are_refused()
    {
        Assert.True(Route53Names.TryParse(new string('a', 63) + ".test", out _, out _));
        Assert.False(Route53Names.TryParse(new string('a', 64) + ".test", out _, out string label));
        Assert.Contains("63", label);
        string longest = string.Join('.', Enumerable.Repeat(new string('b', 63), 3)) + "." + new string('c', 61);
        Assert.True(Route53Names.TryParse(longest, out var wire, out _));
        Assert.Equal(DnsName.MaxLength, wire.Length);
        Assert.False(Route53Names.TryParse(longest + "c", out _, out string name));
        Assert.Contains("255", name);
        // Long texts (escapes shrink them) take the heap path and still parse.
        string label60 = string.Concat(Enumerable.Repeat("\\141", 60));
        string escaped = $"{label60}.{label60}.{label60}.test";
        Assert.True(Route53Names.TryParse(escaped, out wire, out _));
        Assert.True(escaped.Length > 512);
        Assert.Equal(60, wire[0]);
        Assert.Equal(3 * 61 + 5 + 1, wire.Length);
    }
}
