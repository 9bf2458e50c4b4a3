using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// RFC 6761 special-use names that a caching server answers itself instead of asking upstream:
/// "localhost." (loopback addresses, 6.3), "invalid." (6.4) and "test." (6.2) with NXDOMAIN, and
/// "local." (RFC 6762 22, multicast DNS) and "onion." (RFC 7686 2) with NXDOMAIN. A hosted zone or
/// a conditional forwarder for such a name takes precedence.
/// </summary>
public static class SpecialUseNames
{
    private static readonly byte[][] NxDomains = [DnsName.Parse("invalid."), DnsName.Parse("test."), DnsName.Parse("local."), DnsName.Parse("onion.")];
    private static readonly byte[] Localhost = DnsName.Parse("localhost.");
    private const uint Ttl = 3600;

    public static CachedAnswer? TryAnswer(byte[] lowerName, ushort type, ushort cls, long now)
    {
        if (DnsName.IsSubdomainOf(lowerName, Localhost))
        {
            var builder = new CachedAnswerBuilder();
            if (type is (ushort)RecordType.A or (ushort)RecordType.ANY)
                builder.Add(DnsSection.Answer, lowerName, (ushort)RecordType.A, cls, Ttl, [127, 0, 0, 1]);
            if (type is (ushort)RecordType.AAAA or (ushort)RecordType.ANY)
                builder.Add(DnsSection.Answer, lowerName, (ushort)RecordType.AAAA, cls, Ttl, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
            return builder.AnswerCount > 0
                ? builder.Build(ResponseCode.NoError, new ResolverCacheOptions(), now)
                : CachedAnswerBuilder.Empty(ResponseCode.NoError, Ttl, now);
        }
        foreach (var domain in NxDomains)
        {
            if (DnsName.IsSubdomainOf(lowerName, domain))
                return CachedAnswerBuilder.Empty(ResponseCode.NXDomain, Ttl, now);
        }
        return null;
    }
}
