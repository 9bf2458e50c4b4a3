namespace DnsHost.Protocol;

/// <summary>The wire and presentation shape of one RDATA field.</summary>
public enum RDataFieldKind : byte
{
    /// <summary>A domain name that may be compressed on the wire (RFC 3597 4: only the RFC 1035 types).</summary>
    CompressibleName,
    /// <summary>A domain name that is never compressed when sent (RFC 3597 4, RFC 2782, RFC 6672 2.5, RFC 4034).</summary>
    Name,
    UInt8,
    UInt16,
    UInt32,
    /// <summary>A 32-bit number of seconds; the text may use TTL units ("1h30m"), as the SOA timers may.</summary>
    Period,
    /// <summary>A 16-bit RR type, written as its mnemonic (RFC 4034 3.2: RRSIG type covered).</summary>
    Type,
    /// <summary>A 32-bit time, written YYYYMMDDHHmmSS (RFC 4034 3.2: RRSIG expiration and inception).</summary>
    Time,
    IPv4,
    IPv6,
    /// <summary>One &lt;character-string&gt;: a length octet and up to 255 octets (RFC 1035 3.3).</summary>
    CharacterString,
    /// <summary>One or more character-strings up to the end of RDATA (TXT, SPF).</summary>
    CharacterStrings,
    /// <summary>Octets up to the end of RDATA, written as one quoted string (CAA value, URI target).</summary>
    Text,
    /// <summary>A length octet and a run of letters and digits, written bare (RFC 8659 4.1: CAA tag).</summary>
    Tag,
    /// <summary>Octets up to the end of RDATA, written in hexadecimal (DS digest, TLSA data).</summary>
    Hex,
    /// <summary>Octets up to the end of RDATA, written in base64 (DNSKEY key, RRSIG signature).</summary>
    Base64,
    /// <summary>A length octet and that many octets in hexadecimal, "-" when empty (RFC 5155 3.3: NSEC3 salt).</summary>
    Salt,
    /// <summary>A length octet and that many octets in base32hex (RFC 5155 3.3: next hashed owner).</summary>
    Base32Hex,
    /// <summary>The type bitmap up to the end of RDATA (RFC 4034 4.1.2).</summary>
    TypeBitmap,
    /// <summary>SVCB and HTTPS SvcParams up to the end of RDATA (RFC 9460 2.2).</summary>
    SvcParams,
}

/// <summary>One field of a type's RDATA layout.</summary>
/// <param name="Kind">Its wire and presentation shape.</param>
/// <param name="Name">What the RFC calls it, for error messages ("preference", "exchange").</param>
public readonly record struct RDataField(RDataFieldKind Kind, string Name)
{
    public bool IsName => Kind is RDataFieldKind.Name or RDataFieldKind.CompressibleName;

    /// <summary>True for the kinds that take the rest of RDATA; such a field is always the last.</summary>
    public bool RunsToEnd => Kind is RDataFieldKind.CharacterStrings or RDataFieldKind.Text or RDataFieldKind.Hex
        or RDataFieldKind.Base64 or RDataFieldKind.TypeBitmap or RDataFieldKind.SvcParams;
}

/// <summary>Where a domain name sits in uncompressed RDATA.</summary>
public readonly record struct RDataName(int Offset, int Length, bool Compressible);
