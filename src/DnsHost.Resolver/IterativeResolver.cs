using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

/// <summary>
/// Resolution from the root hints (RFC 1034 5.3.3): ask the closest known zone cut's servers, follow
/// referrals downwards, resolve name server names that come without glue, follow CNAMEs across zones.
/// Only data inside the answering zone (its bailiwick) is taken; glue only for the referred names and
/// only from inside the referring zone. Loops are cut (a name server lookup already under way, a CNAME
/// seen before, a referral that does not go down) and the work per question is bounded by
/// <see cref="ResolverOptions.MaxUpstreamQueries"/>.
/// </summary>
public sealed class IterativeResolver
{
    private const int MaxCnameHops = 12;
    private const int MaxReferrals = 24;
    private const int MaxNameServerDepth = 4;
    private const int MinimiseOneLabel = 4;
    private const int MaxMinimiseCount = 10;

    private sealed record Delegation(byte[] Zone, byte[][] NameServers, IPAddress[] Addresses, long ExpiresAt);

    /// <summary>What one question costs at most, shared by the lookups it starts.</summary>
    private sealed class Work(int budget)
    {
        public int Remaining = budget;
        public readonly HashSet<string> Active = [];
    }

    private enum Kind { Final, Referral, Lame }

    private readonly ResolverOptions _options;
    private readonly UpstreamClient _client;
    private readonly ResolverMetrics _metrics;
    private readonly ResponseCache _cache;
    private readonly ResolverClock _clock;
    private readonly Delegation _root;
    private readonly ConcurrentDictionary<byte[], Delegation> _delegations = new(CacheKeyComparer.Instance);

    public IterativeResolver(ResolverOptions options, RootHints hints, UpstreamClient client, ResolverMetrics metrics, ResponseCache cache, ResolverClock? clock = null)
    {
        _options = options;
        _client = client;
        _metrics = metrics;
        _cache = cache;
        _clock = clock ?? ResolverClock.System;
        _root = new Delegation([0], [.. hints.NameServers], [.. hints.Addresses], long.MaxValue);
    }

    public void FlushDelegations() => _delegations.Clear();

    public Task<CachedAnswer?> ResolveAsync(byte[] name, ushort type, ushort cls, CancellationToken cancel) =>
        ResolveAsync(name, type, cls, new Work(_options.MaxUpstreamQueries), 0, cancel);

    private async Task<CachedAnswer?> ResolveAsync(byte[] qname, ushort qtype, ushort cls, Work work, int depth, CancellationToken cancel)
    {
        var builder = new CachedAnswerBuilder();
        var name = qname;
        var seen = new HashSet<string> { Convert.ToHexString(name) };
        for (int hop = 0; hop <= MaxCnameHops; hop++)
        {
            var step = await QueryAuthoritativeAsync(name, qtype, cls, work, depth, cancel);
            if (step is null)
                return null;
            var (message, zone) = step.Value;
            var current = name;
            bool answered = false;
            // Follow the chain inside this response, taking only what the zone may speak for.
            for (int link = 0; link < MaxCnameHops; link++)
            {
                var own = message.Answer.Where(r => Same(r.Owner, current) && DnsName.IsSubdomainOf(r.Owner, zone)).ToList();
                if (own.Any(r => r.Type == qtype || qtype == (ushort)RecordType.ANY))
                {
                    foreach (var r in own.Where(r => r.Type == qtype || r.Type == (ushort)RecordType.RRSIG || qtype == (ushort)RecordType.ANY))
                        builder.Add(DnsSection.Answer, r.Owner, r.Type, r.Class, r.Ttl, r.RData);
                    answered = true;
                    break;
                }
                var cname = own.FirstOrDefault(r => r.Type == (ushort)RecordType.CNAME);
                if (cname is null)
                    break;
                foreach (var r in own.Where(r => r.Type is (ushort)RecordType.CNAME or (ushort)RecordType.RRSIG))
                    builder.Add(DnsSection.Answer, r.Owner, r.Type, r.Class, r.Ttl, r.RData);
                current = cname.TargetName();
                if (!seen.Add(Convert.ToHexString(current)))
                    return null; // a CNAME loop
            }
            if (answered)
            {
                // RFC 4035 3.1.3.3: a wildcard answer comes with the NSEC/NSEC3 proving the name itself absent; keep it for validation.
                foreach (var r in message.Authority.Where(r => DnsName.IsSubdomainOf(r.Owner, zone) && IsDenialRecord(r)))
                    builder.Add(DnsSection.Authority, r.Owner, r.Type, r.Class, r.Ttl, r.RData);
                return builder.Build(ResponseCode.NoError, _options.Cache, _clock.Now);
            }
            bool proof = message.ResponseCode == ResponseCode.NXDomain || message.Authority.Any(r => r.Type == (ushort)RecordType.SOA);
            bool targetHere = DnsName.IsSubdomainOf(current, zone);
            if ((proof && targetHere) || Same(current, name))
            {
                // NXDOMAIN or NODATA for the end of the chain (RFC 2308 2): keep the SOA and denial proofs from this zone.
                foreach (var r in message.Authority.Where(r => DnsName.IsSubdomainOf(r.Owner, zone)
                    && r.Type is (ushort)RecordType.SOA or (ushort)RecordType.NSEC or 50 or (ushort)RecordType.RRSIG))
                    builder.Add(DnsSection.Authority, r.Owner, r.Type, r.Class, r.Ttl, r.RData);
                return builder.Build(message.ResponseCode == ResponseCode.NXDomain ? ResponseCode.NXDomain : ResponseCode.NoError, _options.Cache, _clock.Now);
            }
            // The chain leaves this zone: resolve the target from its own servers.
            name = current;
        }
        return null;
    }

    /// <summary>
    /// Walks referrals from the closest known cut until a server answers for <paramref name="name"/>.
    /// With QNAME minimisation (RFC 9156) each zone's servers are asked only for the next label (or few)
    /// below what is known, with QTYPE A, until the question's own name is reached. Relaxed, as Unbound is by
    /// default: a minimised question that gets NXDOMAIN (some servers say so of empty non-terminals) or no
    /// usable answer is asked again in full.
    /// </summary>
    private async Task<(UpstreamMessage Message, byte[] Zone)?> QueryAuthoritativeAsync(byte[] name, ushort qtype, ushort cls, Work work, int depth, CancellationToken cancel)
    {
        // RFC 4035 3.1.4.1: DS lives on the parent side of the cut, so ask from the parent's servers.
        bool parentSide = qtype == (ushort)RecordType.DS && name.Length > 1;
        var delegation = ClosestDelegation(parentSide ? DnsName.Parent(name).ToArray() : name);
        bool minimise = _options.QnameMinimisation;
        var known = delegation.Zone;
        int minimised = 0;
        for (int step = 0; step < MaxReferrals + MaxMinimiseCount; step++)
        {
            var servers = await ServersAsync(delegation, work, depth, cancel);
            if (servers.Count == 0)
                return null;
            var asked = minimise ? NextMinimised(name, known, ref minimised) : name;
            bool full = asked.Length == name.Length;
            ushort askedType = full ? qtype : (ushort)RecordType.A;
            Delegation? next = null;
            UpstreamMessage? exists = null;
            // Every server with an address once; then the name servers that came without glue (a zone whose
            // glued server is dead may have a good glueless one); then, after timeouts, everyone once more.
            var candidates = servers;
            bool timedOut = false, gluelessTried = false;
            for (int round = 0; round < 3 && next is null && exists is null; round++)
            {
                foreach (var server in UpstreamServer.ByResponseTime(candidates))
                {
                    if (--work.Remaining < 0)
                        return null;
                    var reply = await _client.ExchangeAsync(server, asked, askedType, cls, recursionDesired: false, cancel);
                    if (reply.Status == UpstreamStatus.Timeout)
                        timedOut = true;
                    if (reply.Status != UpstreamStatus.Response)
                        continue;
                    var message = UpstreamMessage.Parse(reply.Message);
                    var kind = message is null ? Kind.Lame : Classify(message, delegation.Zone, asked, parentSide && full, out next);
                    if (kind == Kind.Lame)
                    {
                        server.RecordError(_options.UpstreamTimeoutMs);
                        continue;
                    }
                    if (kind == Kind.Final && full)
                        return (message!, delegation.Zone);
                    if (kind == Kind.Final)
                        exists = message;
                    break;
                }
                if (next is not null || exists is not null)
                    break;
                if (!gluelessTried)
                {
                    gluelessTried = true;
                    var extra = await GluelessServersAsync(delegation, servers, work, depth, cancel);
                    if (extra.Count > 0)
                    {
                        candidates = extra;
                        servers = [.. servers, .. extra];
                        continue;
                    }
                }
                if (!timedOut || candidates == servers && round > 0)
                    break;
                candidates = servers;
            }
            if (exists is not null)
            {
                // The minimised name is in this zone (or NXDOMAIN, which broken servers give for empty non-terminals).
                if (exists.ResponseCode == ResponseCode.NXDomain)
                    minimise = false;
                else
                    known = asked;
                continue;
            }
            if (next is null)
            {
                if (full)
                    return null;
                // No server took the minimised question: ask them the full one.
                minimise = false;
                continue;
            }
            _delegations[next.Zone] = next;
            delegation = next;
            known = next.Zone;
        }
        return null;
    }

    /// <summary>
    /// The next name to ask on the way down to <paramref name="name"/> from <paramref name="known"/> (a suffix
    /// of it): RFC 9156 2.3, one label at a time for the first <see cref="MinimiseOneLabel"/> steps, then as
    /// many as keep the steps for one name within <see cref="MaxMinimiseCount"/>.
    /// </summary>
    private static byte[] NextMinimised(byte[] name, byte[] known, ref int steps)
    {
        int total = DnsName.LabelCount(name);
        int remaining = total - DnsName.LabelCount(known);
        if (remaining <= 1)
            return name;
        int add = 1;
        if (steps >= MinimiseOneLabel)
        {
            int left = Math.Max(1, MaxMinimiseCount - steps);
            add = Math.Max(1, remaining / left);
        }
        steps++;
        int labels = Math.Min(total, total - remaining + add);
        return labels == total ? name : name[DnsName.SuffixOffset(name, labels)..];
    }

    /// <summary>Is this an answer, a referral further down, or a server that is lame for the zone (RFC 4697 2.1)?</summary>
    private Kind Classify(UpstreamMessage message, byte[] zone, byte[] name, bool parentSide, out Delegation? referral)
    {
        referral = null;
        if (message.ResponseCode is not (ResponseCode.NoError or ResponseCode.NXDomain))
            return Kind.Lame;
        if (message.ResponseCode == ResponseCode.NXDomain || message.Answer.Any())
            return message.Header.Authoritative || message.ResponseCode == ResponseCode.NoError ? Kind.Final : Kind.Lame;
        var ns = message.Authority.Where(r => r.Type == (ushort)RecordType.NS).ToList();
        bool soa = message.Authority.Any(r => r.Type == (ushort)RecordType.SOA);
        if (ns.Count > 0 && !soa && !message.Header.Authoritative)
        {
            var cut = ns[0].Owner;
            // Only a referral strictly down from this zone towards the name; an upward or sideways one is lame.
            if (ns.Any(r => !Same(r.Owner, cut)) || Same(cut, zone) || !DnsName.IsSubdomainOf(cut, zone) || !DnsName.IsSubdomainOf(name, cut)
                || (parentSide && Same(cut, name)))
                return Kind.Lame;
            var names = ns.Select(r => r.TargetName()).ToArray();
            // Glue: addresses of the named servers, and only from inside the referring zone's bailiwick.
            var glue = message.Additional
                .Where(r => r.Type is (ushort)RecordType.A or (ushort)RecordType.AAAA && DnsName.IsSubdomainOf(r.Owner, zone) && names.Any(n => Same(n, r.Owner)))
                .Select(r => new IPAddress(r.RData)).Distinct().ToArray();
            uint ttl = Math.Clamp(ns.Min(r => r.Ttl), 1u, (uint)_options.Cache.MaxTtl);
            referral = new Delegation(cut, names, glue, _clock.Now + ttl * 1000L);
            return Kind.Referral;
        }
        return soa || message.Header.Authoritative ? Kind.Final : Kind.Lame;
    }

    private Delegation ClosestDelegation(byte[] name)
    {
        var lookup = _delegations.GetAlternateLookup<ReadOnlySpan<byte>>();
        ReadOnlySpan<byte> suffix = name;
        long now = _clock.Now;
        while (suffix.Length > 1)
        {
            if (lookup.TryGetValue(suffix, out var delegation) && delegation.ExpiresAt > now)
                return delegation;
            suffix = DnsName.Parent(suffix);
        }
        return _root;
    }

    /// <summary>The delegation's servers: its glue, else the addresses of its name server names, resolved on the way (glueless delegation).</summary>
    private async Task<List<UpstreamServer>> ServersAsync(Delegation delegation, Work work, int depth, CancellationToken cancel)
    {
        var servers = Usable(delegation.Addresses);
        if (servers.Count > 0 || depth >= MaxNameServerDepth)
            return servers;
        foreach (var ns in delegation.NameServers.Take(4))
        {
            // A server named inside the zone it serves, without glue, cannot be reached (RFC 1034 4.2.2).
            if (DnsName.IsSubdomainOf(ns, delegation.Zone))
                continue;
            string active = Convert.ToHexString(ns);
            if (!work.Active.Add(active))
                continue;
            try
            {
                var addresses = await AddressesAsync(ns, work, depth, cancel);
                if (addresses.Length == 0)
                    continue;
                _delegations[delegation.Zone] = delegation with { Addresses = addresses };
                servers = Usable(addresses);
                if (servers.Count > 0)
                    return servers;
            }
            finally
            {
                work.Active.Remove(active);
            }
        }
        return servers;
    }

    /// <summary>
    /// The servers of the delegation's name servers that had no glue and lie outside the zone, resolved
    /// now, minus those already known: asked when the glued servers gave no answer.
    /// </summary>
    private async Task<List<UpstreamServer>> GluelessServersAsync(Delegation delegation, List<UpstreamServer> known, Work work, int depth, CancellationToken cancel)
    {
        var extra = new List<UpstreamServer>();
        if (delegation.Addresses.Length == 0 || depth >= MaxNameServerDepth)
            return extra; // without glue, ServersAsync has resolved them already
        foreach (var ns in delegation.NameServers.Take(4))
        {
            if (DnsName.IsSubdomainOf(ns, delegation.Zone))
                continue;
            string active = Convert.ToHexString(ns);
            if (!work.Active.Add(active))
                continue;
            try
            {
                foreach (var server in Usable(await AddressesAsync(ns, work, depth, cancel)))
                {
                    if (!known.Contains(server) && !extra.Contains(server))
                        extra.Add(server);
                }
            }
            finally
            {
                work.Active.Remove(active);
            }
        }
        return extra;
    }

    /// <summary>A name server's IPv4 addresses, else (with IPv6 available) its IPv6 ones.</summary>
    private async Task<IPAddress[]> AddressesAsync(byte[] host, Work work, int depth, CancellationToken cancel)
    {
        var v4 = await AddressesAsync(host, RecordType.A, work, depth, cancel);
        return v4.Length > 0 || !Socket.OSSupportsIPv6 ? v4 : await AddressesAsync(host, RecordType.AAAA, work, depth, cancel);
    }

    private async Task<IPAddress[]> AddressesAsync(byte[] host, RecordType type, Work work, int depth, CancellationToken cancel)
    {
        var key = CacheKey.Create(host, (ushort)type, RecordClass.IN);
        if (!_cache.TryGet(key, out var answer) || !answer.IsFresh(_clock.Now))
        {
            answer = (await ResolveAsync(host, (ushort)type, RecordClass.IN, work, depth + 1, cancel))!;
            if (answer is null)
                return [];
            if (answer.ResponseCode is ResponseCode.NoError or ResponseCode.NXDomain)
                _cache.Store(key, answer);
        }
        int length = type == RecordType.A ? 4 : 16;
        return answer.Records.Where(r => r.Section == DnsSection.Answer && r.Type == (ushort)type && r.RDataLength == length)
            .Select(r => new IPAddress(answer.RData(r))).ToArray();
    }

    private List<UpstreamServer> Usable(IPAddress[] addresses) =>
        addresses.Where(a => (_options.AllowLoopbackServers || !IPAddress.IsLoopback(a)) && (a.AddressFamily == AddressFamily.InterNetwork || Socket.OSSupportsIPv6))
            .Select(a => _metrics.Server(new IPEndPoint(a, _options.IterationPort))).ToList();

    private static bool IsDenialRecord(UpstreamRecord r) => r.Type is (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3
        || (r.Type == (ushort)RecordType.RRSIG && r.RData.Length >= 2 && ((r.RData[0] << 8) | r.RData[1]) is (int)RecordType.NSEC or (int)RecordType.NSEC3);

    private static bool Same(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => DnsName.EqualsIgnoreCase(a, b);
}
