using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class DnsNameTests
{
    private static readonly byte[] ExampleTest = DnsName.Parse("example.test.");

    [Fact]
    public void AbsoluteNameParsesToWireFormat()
    {
        byte[] expected =
        [
            0x03, .. "www"u8,       // 0 label "www"
            0x07, .. "example"u8,   // 4 label "example"
            0x04, .. "test"u8,      // 12 label "test"
            0x00,                   // 17 root
        ];

        Assert.Equal(expected, DnsName.Parse("www.example.test."));
    }

    [Fact]
    public void RootIsASingleZeroOctet()
    {
        Assert.Equal([0x00], DnsName.Parse("."));
        Assert.Equal(".", DnsName.ToText([0x00]));
    }

    [Theory]
    [InlineData("www.example.test.", "www.example.test.")]
    [InlineData("WwW.Example.TEST.", "WwW.Example.TEST.")]          // case is kept
    [InlineData("a\\.b.test.", "a\\.b.test.")]                     // escaped dot stays inside the label
    [InlineData("a\\\\b.test.", "a\\\\b.test.")]                   // escaped backslash
    [InlineData("\\065bc.test.", "Abc.test.")]                      // \065 is 'A', printable, printed plain
    [InlineData("a\\032b.test.", "a\\032b.test.")]                 // a space is printed as \032
    [InlineData("a\\ b.test.", "a\\032b.test.")]                   // "\ " is a space too
    [InlineData("\\000\\255.test.", "\\000\\255.test.")]            // any octet, as \DDD
    [InlineData("semi\\;colon.test.", "semi\\;colon.test.")]
    [InlineData("*.example.test.", "*.example.test.")]
    public void TextRoundTripsThroughWireFormat(string text, string printed)
    {
        var wire = DnsName.Parse(text);

        Assert.Equal(printed, DnsName.ToText(wire));
        Assert.Equal(wire, DnsName.Parse(printed));
    }

    [Fact]
    public void EscapedDotIsPartOfTheLabel()
    {
        byte[] expected =
        [
            0x03, (byte)'a', (byte)'.', (byte)'b',  // 0 one label "a.b"
            0x04, .. "test"u8,                      // 4 label "test"
            0x00,                                   // 9 root
        ];

        Assert.Equal(expected, DnsName.Parse("a\\.b.test."));
    }

    [Fact]
    public void DecimalEscapeIsOneOctet()
    {
        byte[] expected =
        [
            0x03, 0x41, 0x20, 0xFF,                 // 0 label of 'A', ' ', 0xFF
            0x00,                                   // 4 root
        ];

        Assert.Equal(expected, DnsName.Parse("\\065\\032\\255."));
    }

    [Fact]
    public void RelativeNameTakesTheOrigin()
    {
        Assert.Equal("www.example.test.", DnsName.ToText(DnsName.Parse("www", ExampleTest)));
        Assert.Equal("a.b.example.test.", DnsName.ToText(DnsName.Parse("a.b", ExampleTest)));
    }

    [Fact]
    public void AbsoluteNameIgnoresTheOrigin()
    {
        Assert.Equal("www.other.test.", DnsName.ToText(DnsName.Parse("www.other.test.", ExampleTest)));
    }

    [Fact]
    public void AtSignIsTheOrigin()
    {
        Assert.Equal(ExampleTest, DnsName.Parse("@", ExampleTest));
    }

    [Theory]
    [InlineData("", "empty label")]
    [InlineData("a..test.", "empty label")]
    [InlineData(".test.", "empty label")]
    [InlineData("www", "relative name without an origin")]
    [InlineData("@", "'@' needs an origin")]
    [InlineData("a\\", "dangling escape")]
    [InlineData("a\\25.test.", "bad \\DDD escape")]
    [InlineData("a\\256.test.", "\\DDD escape above 255")]
    [InlineData("café.test.", "non-ASCII character (use Punycode)")]
    public void InvalidTextIsRejectedWithTheReason(string text, string reason)
    {
        Assert.False(DnsName.TryParse(text, default, out _, out var error));
        Assert.Equal(reason, error);
        var thrown = Assert.Throws<FormatException>(() => DnsName.Parse(text));
        Assert.Contains(reason, thrown.Message);
    }

    [Fact]
    public void EscapedNonAsciiCharacterIsRejected()
    {
        // Regression: "\ą" (U+0105) was stored as the octet 0x05, silently changing the name.
        Assert.False(DnsName.TryParse("a\\ą.test.", default, out _, out var error));
        Assert.Equal("non-ASCII character (use Punycode)", error);
    }

    [Fact]
    public void LabelOf63OctetsIsAcceptedAnd64IsNot()
    {
        string label63 = new('a', 63);

        Assert.Equal(63, DnsName.Parse(label63 + ".test.")[0]);
        Assert.False(DnsName.TryParse(label63 + "a.test.", default, out _, out var error));
        Assert.Equal("label longer than 63 octets", error);
    }

    [Fact]
    public void LabelOf63EscapedOctetsIsAccepted()
    {
        // Escapes count as the octet they stand for, not as the four characters.
        string label = string.Concat(Enumerable.Repeat("\\046", 63));

        Assert.Equal(63, DnsName.Parse(label + ".")[0]);
    }

    [Fact]
    public void NameOf255OctetsIsAcceptedAnd256IsNot()
    {
        string label63 = new('a', 63);
        // 3 * (1 + 63) + (1 + 61) + 1 (root) = 255 octets
        string name255 = $"{label63}.{label63}.{label63}.{new string('b', 61)}.";
        string name256 = $"{label63}.{label63}.{label63}.{new string('b', 62)}.";

        Assert.Equal(255, DnsName.Parse(name255).Length);
        Assert.False(DnsName.TryParse(name256, default, out _, out var error));
        Assert.Equal("name longer than 255 octets", error);
    }

    [Fact]
    public void RelativeNameMadeTooLongByTheOriginIsRejected()
    {
        var origin = DnsName.Parse($"{new string('o', 63)}.{new string('o', 63)}.{new string('o', 63)}."); // 193 octets
        string relative61 = new('r', 61);   // 62 octets on the wire: 255 with the origin
        string relative62 = new('r', 62);   // 63 octets: 256

        Assert.Equal(255, DnsName.Parse(relative61, origin).Length);
        Assert.False(DnsName.TryParse(relative62, origin, out _, out var error));
        Assert.Equal("name longer than 255 octets", error);
    }

    [Theory]
    [InlineData("www.example.test.", "example.test.", true)]
    [InlineData("a.b.example.test.", "example.test.", true)]
    [InlineData("example.test.", "example.test.", true)]         // a name is under itself
    [InlineData("WWW.EXAMPLE.TEST.", "example.test.", true)]     // case-insensitive (RFC 4343)
    [InlineData("anything.test.", ".", true)]                    // everything is under the root
    [InlineData("example.test.", "www.example.test.", false)]    // the parent is not under the child
    [InlineData("xample.test.", "ample.test.", false)]           // same octets at the end, not a label boundary
    [InlineData("aexample.test.", "example.test.", false)]
    [InlineData("example.test.", "test2.", false)]
    [InlineData("a.b\\.c.test.", "c.test.", false)]              // "b.c" is one label
    public void IsSubdomainOfRespectsLabelBoundaries(string name, string ancestor, bool expected)
    {
        Assert.Equal(expected, DnsName.IsSubdomainOf(DnsName.Parse(name), DnsName.Parse(ancestor)));
    }

    [Theory]
    [InlineData("example.test.", "EXAMPLE.Test.", true)]
    [InlineData("example.test.", "example.test.", true)]
    [InlineData("example.test.", "example.tesu.", false)]
    [InlineData("example.test.", "example.test.test.", false)]
    [InlineData("a\\091.test.", "a\\123.test.", false)]           // '[' and '{' differ by 0x20 but are not letters
    [InlineData("\\196.test.", "\\228.test.", false)]             // Ä and ä in Latin-1: only ASCII folds
    public void EqualsIgnoreCaseFoldsOnlyAsciiLetters(string a, string b, bool expected)
    {
        Assert.Equal(expected, DnsName.EqualsIgnoreCase(DnsName.Parse(a), DnsName.Parse(b)));
    }

    [Fact]
    public void ParentAndLabelCount()
    {
        var name = DnsName.Parse("a.b.example.test.");

        Assert.Equal(4, DnsName.LabelCount(name));
        Assert.Equal("b.example.test.", DnsName.ToText(DnsName.Parent(name)));
        Assert.Equal(".", DnsName.ToText(DnsName.Parent(DnsName.Parse("test."))));
        Assert.Equal(".", DnsName.ToText(DnsName.Parent([0x00])));
        Assert.Equal("example.test.", DnsName.ToText(name.AsSpan(DnsName.SuffixOffset(name, 2))));
    }

    [Fact]
    public void ToLowerFoldsLettersOnly()
    {
        var name = DnsName.Parse("WwW.Ex-AmPlE.TEST.");
        var lower = new byte[name.Length];

        DnsName.ToLower(name, lower);

        Assert.Equal(DnsName.Parse("www.ex-ample.test."), lower);
    }

    [Theory]
    [InlineData("www.example.test.", "www.example.test")]
    [InlineData(".", ".")]
    [InlineData("a\\.b.\\\"q\\(x\\)\\;\\@\\$.test.", "a\\.b.\\\"q\\(x\\)\\;\\@\\$.test")]
    [InlineData("high\\255byte.sp\\032ace.test.", "high\\255byte.sp\\032ace.test")]
    public void Text_without_the_root_dot_escapes_as_the_master_file_text_does(string name, string expected)
    {
        var wire = DnsName.Parse(name);
        var buffer = new byte[1024];
        int length = DnsName.WriteTextWithoutRootDot(wire, buffer);
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(buffer, 0, length));
        Assert.Equal(DnsName.ToText(wire), expected == "." ? "." : expected + ".");
    }
}
