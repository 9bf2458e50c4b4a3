using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>An RRset as a dynamic update leaves it: its new TTL and records (none: the set is gone), and what it was.</summary>
public sealed record RRsetChange(byte[] Owner, ushort Type, uint Ttl, byte[][] RData, uint OldTtl, byte[][] OldRData);

/// <summary>
/// Makes the RRset changes of a dynamic update durable and serves them: API zones through the Route 53
/// store (a change batch), zone files written back. Implemented by the host, which knows the stores.
/// </summary>
public interface IZoneUpdateStore
{
    /// <summary>
    /// Runs <paramref name="evaluate"/> on the zone as served now, serialised with every other update, and
    /// commits what it returns. Returns the RCODE for the client, with the reason when it is not NOERROR.
    /// </summary>
    (Protocol.ResponseCode Code, string? Problem) Apply(Zone zone, Func<Zone, UpdatePlan> evaluate);
}

/// <summary>What the RFC 2136 checks decided: an RCODE, and the RRset changes when it is NOERROR.</summary>
public sealed record UpdatePlan(Protocol.ResponseCode Code, IReadOnlyList<RRsetChange> Changes, string? Problem = null);
