using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>What kind of answer the engine produced (the stages after it, and tools, act on this).</summary>
public enum AnswerState : byte
{
    /// <summary>The asked name has data of the asked type.</summary>
    Answer,
    /// <summary>The data was synthesised from a wildcard (RFC 4592).</summary>
    WildcardAnswer,
    /// <summary>CNAME records led to the answer, or out of the zone (RFC 1034 4.3.2 step 3a).</summary>
    CnameChain,
    /// <summary>A DNAME redirected the name and a CNAME was synthesised (RFC 6672 3.1).</summary>
    DnameChain,
    /// <summary>The name exists, the type does not (RFC 2308 2.2).</summary>
    NoData,
    /// <summary>The name does not exist (RFC 2308 2.1).</summary>
    NxDomain,
    /// <summary>The name is at or below a zone cut: a referral (RFC 1034 4.3.2 step 3b).</summary>
    Delegation,
    /// <summary>A DNAME substitution would give a name longer than 255 octets (RFC 6672 2.2).</summary>
    YxDomain,
    /// <summary>Not answerable from this zone (outside every zone, or a class not served).</summary>
    Refused,
    /// <summary>A Route 53 alias loop or an alias target with nothing to answer.</summary>
    ServFail,
}

/// <summary>What the engine did; the caller turns it into header flags.</summary>
public readonly record struct AnswerResult(ResponseCode ResponseCode, bool Authoritative, bool Truncated, AnswerState State = AnswerState.Answer);
