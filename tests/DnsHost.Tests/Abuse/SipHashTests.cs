using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Abuse;

/// <summary>SipHash-2-4 against the paper's test vectors, and the RFC 9018 server cookie against the RFC's own example.</summary>
[Trait("Kind", "Unit")]
public sealed class SipHashTests
{
    // Key 00 01 .. 0f; message 00 01 .. (n-1). Results from the SipHash paper's reference vectors, read as little-endian 64-bit words.
    [Theory]
    [InlineData(0, 0x726fdb47dd0e0e31UL)]
    [InlineData(1, 0x74f839c593dc67fdUL)]
    [InlineData(8, 0x93f5f5799a932462UL)]
    [InlineData(15, 0xa129ca6149be45e5UL)] // the worked example of the paper's appendix A
    public void Matches_the_reference_vectors(int length, ulong expected)
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        Assert.Equal(expected, SipHash24.Hash(key, message));
    }

    [Fact]
    public void Server_cookie_matches_rfc_9018_appendix_a1()
    {
        // RFC 9018 A.1: client cookie 2464c4abcf10c957 from 198.51.100.100, secret e5e973e5a6b2a43f48e7dc849e37bfcf,
        // at 1559731985 (0x5cf79f11): server cookie 01000000 5cf79f11 1f8130c3eee29480.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1559731985));
        var cookies = new ServerCookies(new CookieOptions { Secret = "e5e973e5a6b2a43f48e7dc849e37bfcf" }, time);
        var client = IpPrefix.FromAddress(System.Net.IPAddress.Parse("198.51.100.100"));
        var option = new byte[ServerCookies.OptionSize];
        cookies.Write(option, Convert.FromHexString("2464c4abcf10c957"), CookieState.ClientOnly, client);
        Assert.Equal("000A0018" + "2464C4ABCF10C957" + "010000005CF79F111F8130C3EEE29480", Convert.ToHexString(option));
        Assert.Equal(CookieState.Valid, cookies.Check(option.AsSpan(4), client));
    }

    [Fact]
    public void A_cookie_is_valid_for_an_hour_for_its_client_only()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var cookies = new ServerCookies(new CookieOptions(), time);
        var client = IpPrefix.FromAddress(System.Net.IPAddress.Parse("2001:db8::1"));
        var option = new byte[ServerCookies.OptionSize];
        cookies.Write(option, Convert.FromHexString("0102030405060708"), CookieState.ClientOnly, client);
        var cookie = option.AsSpan(4).ToArray();
        Assert.Equal(CookieState.Valid, cookies.Check(cookie, client));
        Assert.Equal(CookieState.Invalid, cookies.Check(cookie, IpPrefix.FromAddress(System.Net.IPAddress.Parse("2001:db8::2"))));
        cookie[0] ^= 1; // another client cookie
        Assert.Equal(CookieState.Invalid, cookies.Check(cookie, client));
        cookie[0] ^= 1;
        time.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(CookieState.Valid, cookies.Check(cookie, client));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CookieState.Invalid, cookies.Check(cookie, client)); // RFC 9018 4.3: older than an hour
    }
}
