namespace DnsHost.Resolver.Dnssec;

/// <summary>
/// What the chain of trust says about the zone enclosing a name: secure with its validated DNSKEYs,
/// insecure, or bogus (with the extended error). <see cref="Terminal"/> marks a name proven not to
/// exist, below which no zone cut can be.
/// </summary>
internal sealed record ZoneTrust(byte[] Zone, DnssecStatus Status, IReadOnlyList<byte[]> Keys, ushort ExtendedError, long ExpiresAt, bool Terminal = false)
{
    public static ZoneTrust Insecure(byte[] zone, long expiresAt) => new(zone, DnssecStatus.Insecure, [], 0, expiresAt);
    public static ZoneTrust Bogus(byte[] zone, ushort ede, long expiresAt) => new(zone, DnssecStatus.Bogus, [], ede, expiresAt);
}
