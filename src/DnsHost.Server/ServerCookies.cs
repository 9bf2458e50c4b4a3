using System.Buffers.Binary;
using System.Security.Cryptography;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Server;

/// <summary>What a query's COOKIE option showed (RFC 7873 5.2).</summary>
public enum CookieState : byte
{
    /// <summary>No COOKIE option (or cookies are off).</summary>
    None,
    /// <summary>A client cookie alone (RFC 7873 5.2.3).</summary>
    ClientOnly,
    /// <summary>A server cookie this server made for this client and client cookie, recently (RFC 7873 5.2.4).</summary>
    Valid,
    /// <summary>A server cookie that is not ours, stale, or for another client (RFC 7873 5.2.3).</summary>
    Invalid,
}

/// <summary>
/// Interoperable server cookies of RFC 9018: version 1, three reserved bytes, a 32-bit timestamp
/// and SipHash-2-4 over client cookie | version | reserved | timestamp | client address, keyed with
/// the server secret. Any server of an anycast set (Knot, BIND, NSD...) sharing the secret accepts
/// the others' cookies. A previous secret is still accepted during a rollover (RFC 9018 4.4).
/// </summary>
public sealed class ServerCookies
{
    public const int ClientCookieSize = 8;
    public const int ServerCookieSize = 16;
    /// <summary>The COOKIE option this server writes: code, length, client cookie, server cookie.</summary>
    public const int OptionSize = 4 + ClientCookieSize + ServerCookieSize;
    private const byte Version = 1;
    /// <summary>RFC 9018 4.3: a cookie from more than an hour ago, or five minutes ahead, is not valid.</summary>
    private const int MaxAgeSeconds = 3600, MaxAheadSeconds = 300;
    /// <summary>RFC 9018 4.3: a valid cookie younger than half an hour is echoed rather than made anew.</summary>
    private const int ReuseSeconds = 1800;

    private readonly byte[] _secret;
    private readonly byte[]? _previous;
    private readonly TimeProvider _time;

    public ServerCookies(CookieOptions options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _secret = options.Secret is { Length: > 0 } s ? CookieOptions.ParseSecret(s) : RandomNumberGenerator.GetBytes(SipHash24.KeySize);
        _previous = options.PreviousSecret is { Length: > 0 } p ? CookieOptions.ParseSecret(p) : null;
    }

    /// <summary>Judges the COOKIE option data of a query (already checked for length by the reader).</summary>
    public CookieState Check(ReadOnlySpan<byte> cookie, in IpPrefix client)
    {
        if (cookie.Length == ClientCookieSize)
            return CookieState.ClientOnly;
        if (cookie.Length != ClientCookieSize + ServerCookieSize || cookie[ClientCookieSize] != Version)
            return CookieState.Invalid;
        int age = Age(cookie);
        if (age > MaxAgeSeconds || age < -MaxAheadSeconds)
            return CookieState.Invalid;
        return Matches(_secret, cookie, client) || (_previous is not null && Matches(_previous, cookie, client)) ? CookieState.Valid : CookieState.Invalid;
    }

    /// <summary>Writes the response's COOKIE option: the client cookie and a server cookie for it. Returns the bytes written.</summary>
    public int Write(Span<byte> destination, ReadOnlySpan<byte> queryCookie, CookieState state, in IpPrefix client)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, EdnsOption.Cookie);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ClientCookieSize + ServerCookieSize);
        var cookie = destination.Slice(4, ClientCookieSize + ServerCookieSize);
        // A valid cookie made with the current secret, and young enough, goes back as it came.
        if (state == CookieState.Valid && Age(queryCookie) is >= 0 and < ReuseSeconds && Matches(_secret, queryCookie, client))
        {
            queryCookie.CopyTo(cookie);
            return OptionSize;
        }
        queryCookie[..ClientCookieSize].CopyTo(cookie);
        cookie[ClientCookieSize] = Version;
        cookie.Slice(ClientCookieSize + 1, 3).Clear();
        BinaryPrimitives.WriteUInt32BigEndian(cookie[(ClientCookieSize + 4)..], Now());
        BinaryPrimitives.WriteUInt64LittleEndian(cookie[(ClientCookieSize + 8)..], Hash(_secret, cookie, client));
        return OptionSize;
    }

    private uint Now() => (uint)_time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Seconds since the cookie's timestamp, in serial-number arithmetic (RFC 1982), so the 2106 wrap is harmless.</summary>
    private int Age(ReadOnlySpan<byte> cookie) => (int)(Now() - BinaryPrimitives.ReadUInt32BigEndian(cookie[(ClientCookieSize + 4)..]));

    private static bool Matches(byte[] secret, ReadOnlySpan<byte> cookie, in IpPrefix client)
    {
        Span<byte> expected = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(expected, Hash(secret, cookie, client));
        return CryptographicOperations.FixedTimeEquals(expected, cookie.Slice(ClientCookieSize + 8, 8));
    }

    /// <summary>RFC 9018 4.4: SipHash-2-4 over client cookie | version | reserved | timestamp | client IP (4 or 16 bytes).</summary>
    private static ulong Hash(byte[] secret, ReadOnlySpan<byte> cookie, in IpPrefix client)
    {
        Span<byte> input = stackalloc byte[16 + 16];
        cookie[..16].CopyTo(input);
        int length = 16;
        if (client.IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(input[16..], client.Bits);
            length += 16;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(input[16..], (uint)client.Bits);
            length += 4;
        }
        return SipHash24.Hash(secret, input[..length]);
    }
}

/// <summary>DNS cookies (RFC 7873, RFC 9018), bound from "Dns:Cookies".</summary>
public sealed class CookieOptions
{
    /// <summary>Answer COOKIE options with a server cookie; clients with a valid one are exempt from rate limiting.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The 16-byte server secret as 32 hex digits; empty: a random one at each start (cookies then last until a restart).
    /// Give every server of an anycast set the same secret.</summary>
    public string? Secret { get; set; }

    /// <summary>The secret before the current one, still accepted during a rollover (RFC 9018 4.4).</summary>
    public string? PreviousSecret { get; set; }

    public static byte[] ParseSecret(string hex)
    {
        var text = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (text.Length != 2 * SipHash24.KeySize || !text.All(char.IsAsciiHexDigit))
            throw new FormatException("a cookie secret is 32 hex digits (16 bytes)");
        return Convert.FromHexString(text);
    }

    public static bool IsSecret(string? hex)
    {
        if (string.IsNullOrEmpty(hex))
            return true;
        try { ParseSecret(hex); return true; }
        catch (FormatException) { return false; }
    }
}
