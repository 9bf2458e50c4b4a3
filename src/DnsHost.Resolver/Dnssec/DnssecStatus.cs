namespace DnsHost.Resolver.Dnssec;

/// <summary>The security status of data (RFC 4033 5, RFC 4035 4.3).</summary>
public enum DnssecStatus : byte
{
    /// <summary>Validation is off, or the client asked with CD=1 and nothing was checked.</summary>
    Unchecked,
    /// <summary>A chain of signed DNSKEY and DS records leads from a trust anchor to the data.</summary>
    Secure,
    /// <summary>Provably unsigned: no anchor covers it, a negative trust anchor does, or a signed proof says the delegation has no DS.</summary>
    Insecure,
    /// <summary>It should have validated and did not: answered with SERVFAIL and an extended error.</summary>
    Bogus,
}

/// <summary>What validation concluded, the extended error (RFC 8914) when bogus, and the TTL the signatures allow.</summary>
public readonly record struct ValidationResult(DnssecStatus Status, ushort ExtendedError, uint TtlCap)
{
    public static ValidationResult Insecure => new(DnssecStatus.Insecure, 0, uint.MaxValue);
    public static ValidationResult Bogus(ushort ede) => new(DnssecStatus.Bogus, ede, uint.MaxValue);
}
