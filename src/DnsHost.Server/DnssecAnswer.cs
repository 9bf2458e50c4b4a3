using DnsHost.Protocol;
using DnsHost.Resolver;
using DnsHost.Resolver.Dnssec;

namespace DnsHost.Server;

/// <summary>The DNSSEC part of answering from the resolver: AD, CD and bogus data (RFC 4035 3.2, RFC 6840 5.7-5.9).</summary>
internal static class DnssecAnswer
{
    /// <summary>
    /// Sets AD for validated data when the client asked for it with AD or DO (RFC 6840 5.7), never with
    /// CD=1; returns false for bogus data asked without CD, which gets SERVFAIL with the entry's extended error.
    /// </summary>
    public static bool Prepare(ref QueryContext q, CachedAnswer entry)
    {
        bool checkingDisabled = q.Header.CheckingDisabled;
        if (entry.Security == DnssecStatus.Bogus && !checkingDisabled)
            return false;
        if (entry.Security == DnssecStatus.Secure && !checkingDisabled && ((q.Header.Flags & DnsHeader.AdBit) != 0 || q.Edns.DnssecOk))
            q.Writer.Flags |= DnsHeader.AdBit;
        return true;
    }
}
