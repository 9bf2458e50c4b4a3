using System.Net;
using DnsHost.Protocol.Tsig;
using DnsHost.Server;

namespace DnsHost.Tests.Transfers;

/// <summary>How <c>Transfers:Secondary:Zones:N:Primaries</c> entries are read, and what a bad one says.</summary>
[Trait("Kind", "Interop")]
public sealed class SecondarySettingsTests
{
    private static readonly TsigKeyring Keys = new([TsigKey.Parse(TransferAgreementTests.Key.Kdig), TsigKey.Parse("hmac-sha512:other:" + TransferAgreementTests.Key.Secret)], TimeProvider.System);

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1:53", "xfr")]
    [InlineData("127.0.0.1@5300", "127.0.0.1:5300", "xfr")]
    [InlineData("127.0.0.1:5300", "127.0.0.1:5300", "xfr")]
    [InlineData("::1@5300", "[::1]:5300", "xfr")]
    [InlineData("[::1]:5300 key:other", "[::1]:5300", "other")]
    [InlineData("[::1]", "[::1]:53", "xfr")]
    public void A_primary_is_an_address_with_an_optional_port_and_key(string text, string endPoint, string key)
    {
        var primary = PrimaryServer.Parse("example.test", text, Keys, Keys.Find("xfr"));
        Assert.Equal(IPEndPoint.Parse(endPoint), primary.EndPoint);
        Assert.Equal(key, primary.Key!.NameText.TrimEnd('.'));
    }

    [Theory]
    [InlineData("primary.example", "'primary.example' is not an address")]
    [InlineData("127.0.0.1@0", "'127.0.0.1@0' is not an address")]
    [InlineData("[::1]:0", "'[::1]:0' is not an address")]
    [InlineData("key:xfr", "has no address")]
    [InlineData("127.0.0.1 key:nobody", "names key nobody, which is not in Tsig:Keys")]
    public void A_bad_primary_says_which_setting_and_why(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PrimaryServer.Parse("example.test", text, Keys, null));
        Assert.Contains("Transfers:Secondary:Zones (example.test)", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain(TransferAgreementTests.Key.Secret, e.Message);
    }
}
