namespace DnsHost.Dnssec.Signing;

/// <summary>
/// The intervals a rollover waits on (RFC 7583 3, with its names): the operator's choices (key
/// lifetimes, propagation delays, the parent's DS TTL) and the zone's TTLs.
/// </summary>
/// <param name="ZskLifetime">How long a ZSK signs before the next one takes over; zero: never rolled.</param>
/// <param name="KskLifetime">How long a KSK signs before a successor is made; zero: never rolled.</param>
/// <param name="PropagationDelay">Dprp: how long a change takes to reach every server of the zone.</param>
/// <param name="ParentDsTtl">TTLds: the TTL of the DS RRset in the parent zone.</param>
/// <param name="ParentPropagationDelay">Dprp of the parent: how long after the DS was seen until every parent server has it.</param>
/// <param name="DnskeyTtl">TTLkey: the TTL of the DNSKEY RRset.</param>
/// <param name="MaxTtl">TTLsig: the largest TTL of a signed RRset (a signature lives in caches as long as its RRset).</param>
public sealed record RolloverTimings(
    TimeSpan ZskLifetime,
    TimeSpan KskLifetime,
    TimeSpan PropagationDelay,
    TimeSpan ParentDsTtl,
    TimeSpan ParentPropagationDelay,
    TimeSpan DnskeyTtl,
    TimeSpan MaxTtl)
{
    /// <summary>RFC 7583 3.2.1 (Ipub): a published key may sign once every cache can hold the DNSKEY RRset that has it.</summary>
    public TimeSpan PublishSafety => PropagationDelay + DnskeyTtl;

    /// <summary>RFC 7583 3.2.1 (Iret): a ZSK that stopped signing stays published until its signatures have expired from caches.</summary>
    public TimeSpan ZskRetireSafety => PropagationDelay + MaxTtl;

    /// <summary>RFC 7583 3.3.2: after the new DS is in the parent, wait until no cache can hold the DS RRset without it.</summary>
    public TimeSpan DsSafety => ParentPropagationDelay + ParentDsTtl;

    /// <summary>RFC 7583 3.3.2: after the DNSKEY swap, the old DS must stay until no cache holds the old DNSKEY RRset.</summary>
    public TimeSpan KskRetireSafety => PropagationDelay + DnskeyTtl;
}
