using System.Runtime.CompilerServices;
using DnsHost.Protocol;
using DnsHost.Zones.Routing;

namespace DnsHost.Zones;

/// <summary>
/// The state of one authoritative answer as it passes through the engine's stages: what the answer
/// stage found, which record sets still owe additional-section records, and the section flags.
/// </summary>
internal ref struct AnswerContext
{
    public const int MaxAdditional = 8;
    public const int MaxChain = 16;

    public AnswerContext(Zone zone, ushort qtype, RoutingTrace? trace, WriterMark start)
    {
        Zone = zone;
        QueryType = qtype;
        Trace = trace;
        Start = start;
    }

    public readonly Zone Zone;
    public readonly ushort QueryType;
    public readonly RoutingTrace? Trace;
    public readonly WriterMark Start;

    public bool Authoritative = true;
    public bool Truncated;
    /// <summary>CNAME and DNAME links followed so far.</summary>
    public int Chain;
    public bool Wildcard;
    public bool Dname;
    /// <summary>The NS set of the zone cut, for a referral.</summary>
    public RecordSet Referral;

    private AdditionalSources _additional;
    private VisitedNodes _visited;
    public int AdditionalCount;

    /// <summary>Remembers a set whose targets' addresses go in the additional section (RFC 1034 4.3.2 step 6).</summary>
    public void NeedAdditional(in RecordSet set)
    {
        if (AdditionalCount < MaxAdditional && ZoneRdata.HasAdditionalTargets(set.Type))
            _additional[AdditionalCount++] = set;
    }

    public readonly RecordSet AdditionalAt(int i) => _additional[i];

    /// <summary>
    /// What identifies a step of a CNAME chain: the node, or for a wildcard node (which stands for many
    /// names) the name it was reached by.
    /// </summary>
    public static int KeyOf(int node, ReadOnlySpan<byte> wildcardName) =>
        wildcardName.IsEmpty ? node : ~(WireNameComparer.Hash(wildcardName) & int.MaxValue);

    private int _visitedCount;

    public void Remember(int key)
    {
        if (_visitedCount < MaxChain)
            _visited[_visitedCount++] = key;
    }

    public readonly bool Seen(int key)
    {
        for (int i = 0; i < _visitedCount; i++)
        {
            if (_visited[i] == key)
                return true;
        }
        return false;
    }

    [InlineArray(MaxAdditional)]
    private struct AdditionalSources
    {
        private RecordSet _element0;
    }

    [InlineArray(MaxChain)]
    private struct VisitedNodes
    {
        private int _element0;
    }
}
