using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class RecordDataTextTests
{
    [Theory]
    [MemberData(nameof(RecordSample.Names), MemberType = typeof(RecordSample))]
    public void RDataIsPresentedAsDigPrintsIt(string sample)
    {
        var s = RecordSample.Named(sample);

        Assert.Equal(s.Text, RecordData.ToText(s.Type, s.RData));
    }

    [Fact]
    public void NamesInRDataEscapeSpecialCharacters()
    {
        byte[] rdata =
        [
            0x03, .. "a.b"u8,           // a label holding a dot
            0x03, .. "c d"u8,           // a label holding a space
            0x04, .. "e\\f@"u8,         // a backslash and an at sign
            0x00,                       // root
        ];

        Assert.Equal("a\\.b.c\\032d.e\\\\f\\@.", RecordData.ToText((ushort)RecordType.CNAME, rdata));
    }

    [Theory]
    [InlineData(1, "A")]
    [InlineData(28, "AAAA")]
    [InlineData(65, "HTTPS")]
    [InlineData(257, "CAA")]
    [InlineData(65280, "TYPE65280")]    // RFC 3597 5
    public void TypeMnemonicOrGenericForm(ushort type, string expected)
    {
        Assert.Equal(expected, RecordData.TypeToText(type));
    }

    [Theory]
    [InlineData(1, "IN")]
    [InlineData(3, "CH")]
    [InlineData(255, "ANY")]
    [InlineData(32, "CLASS32")]         // RFC 3597 5
    public void ClassMnemonicOrGenericForm(ushort cls, string expected)
    {
        Assert.Equal(expected, RecordData.ClassToText(cls));
    }

    public static TheoryData<string, ushort, byte[], string> MalformedKnownTypes => new()
    {
        { "A of 3 octets", (ushort)RecordType.A, [192, 0, 2], "\\# 3 C00002" },
        { "MX whose name runs past the end", (ushort)RecordType.MX, [0x00, 0x0A, 0x04, .. "ma"u8], "\\# 5 000A046D61" },
        { "SOA missing its timers", (ushort)RecordType.SOA, [0x00, 0x00, 0x00, 0x00, 0x00, 0x01], "\\# 6 000000000001" },
        { "TXT string longer than RDATA", (ushort)RecordType.TXT, [0x05, .. "ab"u8], "\\# 3 056162" },
        { "CAA tag longer than RDATA", (ushort)RecordType.CAA, [0x00, 0x09, .. "issue"u8], "\\# 7 00096973737565" },
        { "DS of 3 octets", (ushort)RecordType.DS, [0x30, 0x39, 0x0D], "\\# 3 30390D" },
    };

    [Theory]
    [MemberData(nameof(MalformedKnownTypes))]
    public void MalformedRDataOfAKnownTypeFallsBackToGenericForm(string why, ushort type, byte[] rdata, string expected)
    {
        _ = why; // shown in the test name
        Assert.Equal(expected, RecordData.ToText(type, rdata));
    }

    [Fact]
    public void NaptrCutShortFallsBackToGenericForm()
    {
        // Regression: this threw IndexOutOfRangeException instead of printing the RDATA generically.
        byte[] rdata =
        [
            0x00, 0x64,                 // ORDER 100
            0x00, 0x0A,                 // PREFERENCE 10
            0x01, .. "S"u8,             // FLAGS, then nothing: SERVICES, REGEXP and REPLACEMENT missing
        ];

        Assert.Equal("\\# 6 0064000A0153", RecordData.ToText((ushort)RecordType.NAPTR, rdata));
    }

    [Fact]
    public void NaptrWithAStringLengthPastTheEndFallsBackToGenericForm()
    {
        byte[] rdata =
        [
            0x00, 0x64,                 // ORDER 100
            0x00, 0x0A,                 // PREFERENCE 10
            0x09, .. "S"u8,             // FLAGS claims 9 octets, 1 present
        ];

        Assert.Equal("\\# 6 0064000A0953", RecordData.ToText((ushort)RecordType.NAPTR, rdata));
    }
}
