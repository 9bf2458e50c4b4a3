using System.Net;
using DnsHost.Server;

namespace DnsHost.Tests.Transfers;

/// <summary>How a Transfers:Zones Notify entry is read: address, port and key.</summary>
[Trait("Kind", "Unit")]
public sealed class NotifyTargetTests
{
    private static readonly TsigKeyring NoKeys = TsigKeyring.Empty;

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1:53")]
    [InlineData("192.0.2.1:5300", "192.0.2.1:5300")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("[::1]:5300", "[::1]:5300")]
    [InlineData("[2001:db8::1]", "[2001:db8::1]:53")]
    public void Reads_the_address_and_port_or_53(string entry, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), NotifyTarget.Parse("example.test", entry, NoKeys).EndPoint);

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("key:missing 192.0.2.1")]
    [InlineData("")]
    public void A_bad_entry_names_the_zone_and_the_entry(string entry)
    {
        var error = Assert.Throws<FormatException>(() => NotifyTarget.Parse("example.test", entry, NoKeys));
        Assert.Contains("Transfers:Zones (example.test)", error.Message);
    }
}
