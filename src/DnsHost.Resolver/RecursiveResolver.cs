using System.Collections.Concurrent;
using DnsHost.Protocol;
using DnsHost.Resolver.Dnssec;

namespace DnsHost.Resolver;

/// <summary>The outcome of a resolution handed back to the server: the entry to answer with, and whether it is a stale one (RFC 8767).</summary>
public readonly record struct Resolution(CachedAnswer Answer, bool Stale);

/// <summary>
/// The resolver's front: a synchronous, allocation-free cache lookup for the query path
/// (<see cref="TryGetFresh"/>), and for misses an asynchronous resolution (<see cref="ResolveAsync"/>)
/// through conditional forwarders, forwarders, or iteration from the root hints. Concurrent misses
/// for one question share one upstream resolution; popular entries are refreshed shortly before they
/// expire; when upstream fails an expired entry is served stale (RFC 8767).
/// </summary>
public sealed class RecursiveResolver
{
    private readonly ResolverOptions _options;
    private readonly ForwarderTable _conditional;
    private readonly UpstreamServer[] _forwarders;
    private readonly UpstreamClient _client;
    private readonly IterativeResolver? _iterative;
    private readonly ConcurrentDictionary<byte[], Task<CachedAnswer?>> _inflight = new(CacheKeyComparer.Instance);
    private readonly uint _staleTtl;
    private int _pending;

    public RecursiveResolver(ResolverOptions options, ResolverMetrics? metrics = null, TimeProvider? time = null)
    {
        _options = options;
        Clock = new ResolverClock(time ?? TimeProvider.System);
        Metrics = metrics ?? new ResolverMetrics();
        Cache = new ResponseCache(options.Cache, Metrics);
        _client = new UpstreamClient(options, Metrics);
        _conditional = new ForwarderTable(options.ConditionalForwarders, Metrics);
        _forwarders = options.Forwarders.Select(f => Metrics.Server(ResolverOptions.ParseServer(f, "Resolver:Forwarders"))).ToArray();
        if (_forwarders.Length == 0)
        {
            var hints = string.IsNullOrEmpty(options.RootHints) ? RootHints.BuiltIn : RootHints.Load(options.RootHints);
            _iterative = new IterativeResolver(options, hints, _client, Metrics, Cache, Clock);
        }
        _staleTtl = (uint)options.Cache.StaleAnswerTtl;
        if (options.Dnssec)
            Validator = new DnssecValidator(options, LoadTrustAnchors(options), FetchUnvalidatedAsync, time, Clock);
    }

    /// <summary>The clock of every expiry time in the cache (a fake one in tests).</summary>
    public ResolverClock Clock { get; }

    /// <summary>The DNSSEC validator, or null with Resolver:Dnssec off.</summary>
    public DnssecValidator? Validator { get; }

    private static TrustAnchors LoadTrustAnchors(ResolverOptions options)
    {
        var negative = options.NegativeTrustAnchors.Select(n =>
        {
            if (!DnsName.TryParse(n.EndsWith('.') ? n : n + ".", DnsName.Root, out var wire, out var error))
                throw new FormatException($"Resolver:NegativeTrustAnchors: '{n}' is not a domain name: {error}");
            DnsName.ToLower(wire, wire);
            return wire;
        }).ToList();
        return string.IsNullOrEmpty(options.TrustAnchors) ? TrustAnchors.BuiltIn(negative) : TrustAnchors.Load(options.TrustAnchors, negative);
    }

    /// <summary>The chain of trust's DS and DNSKEY questions: resolved as any other, never validated themselves here.</summary>
    private Task<CachedAnswer?> FetchUnvalidatedAsync(byte[] name, ushort type, CancellationToken cancel) =>
        ResolveUncachedAsync(name, type, RecordClass.IN, cancel);

    public ResponseCache Cache { get; }
    public ResolverMetrics Metrics { get; }
    public ResolverOptions Options => _options;

    /// <summary>Called with a resolution that failed on a bug (not on upstream trouble), for the server's log.</summary>
    public Action<Exception>? OnFailure { get; set; }

    /// <summary>
    /// The fresh cached answer for a key (<see cref="CacheKey"/>), or null. Allocation-free and never
    /// waits; may start a prefetch of a popular entry near its expiry.
    /// </summary>
    public CachedAnswer? TryGetFresh(ReadOnlySpan<byte> key, long now)
    {
        if (!Cache.TryGet(key, out var entry) || !entry.IsFresh(now))
            return null;
        entry.Touch(now);
        Metrics.RecordHit();
        var cache = _options.Cache;
        if (cache.Prefetch && entry.Hits >= cache.PrefetchMinHits && entry.Ttl >= 2
            && (entry.ExpiresAt - now) * 100 < entry.Ttl * 1000L * cache.PrefetchPercent && entry.TryStartPrefetch())
            StartPrefetch(entry);
        return entry;
    }

    private void StartPrefetch(CachedAnswer entry)
    {
        Metrics.RecordPrefetch();
        var key = entry.Key!;
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.resolver.Coalesced(state.key), (resolver: this, key), preferLocal: false);
    }

    /// <summary>
    /// Resolves a question the cache could not answer fresh. Never throws: failures give SERVFAIL, or
    /// a stale entry when there is one within Cache:MaxStaleSeconds, also served when resolution takes
    /// longer than Cache:StaleClientTimeoutMs (RFC 8767 5).
    /// </summary>
    public async Task<Resolution> ResolveAsync(byte[] lowerName, ushort type, ushort cls, bool checkingDisabled = false)
    {
        Metrics.RecordMiss();
        var key = CacheKey.Create(lowerName, type, KeyClass(cls, checkingDisabled));
        if (Interlocked.Increment(ref _pending) > _options.MaxPendingQueries)
        {
            Interlocked.Decrement(ref _pending);
            Metrics.RecordOverloaded();
            return new Resolution(CachedAnswerBuilder.Empty(ResponseCode.ServFail, 0, Clock.Now), false);
        }
        try
        {
            var work = Coalesced(key);
            long now = Clock.Now;
            if (_options.Cache.ServeStale && Cache.TryGet(key, out var old) && now - old.ExpiresAt <= _options.Cache.MaxStaleSeconds * 1000L)
            {
                var first = await Task.WhenAny(work, Task.Delay(_options.Cache.StaleClientTimeoutMs));
                if (first == work && work.Result is { } fresh && fresh.ResponseCode is ResponseCode.NoError or ResponseCode.NXDomain)
                    return new Resolution(fresh, false);
                Metrics.RecordStale();
                return new Resolution(old, true);
            }
            var answer = await work;
            if (answer is null || answer.ResponseCode is not (ResponseCode.NoError or ResponseCode.NXDomain))
                Metrics.RecordServFail();
            return new Resolution(answer ?? CachedAnswerBuilder.Empty(ResponseCode.ServFail, 0, Clock.Now), false);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>
    /// The class to key a question's cache entry with. Without validation here, a client's CD=1 is passed
    /// to the forwarders (RFC 4035 3.2.2: a validating upstream then hands over data it would call bogus),
    /// so such answers are kept apart from the checked ones: the key's class carries the CD bit
    /// (<see cref="CacheKey.CheckingDisabled"/>). With validation on, CD is answered from the same entry.
    /// </summary>
    public ushort KeyClass(ushort cls, bool checkingDisabled) =>
        checkingDisabled && Validator is null ? (ushort)(cls | CacheKey.CheckingDisabled) : cls;

    /// <summary>TTL of a stale answer.</summary>
    public uint StaleTtl => _staleTtl;

    /// <summary>One upstream resolution per key at a time; later callers wait for the first one's result.</summary>
    private Task<CachedAnswer?> Coalesced(byte[] key)
    {
        while (true)
        {
            if (_inflight.TryGetValue(key, out var running))
            {
                Metrics.RecordCoalesced();
                return running;
            }
            var completion = new TaskCompletionSource<CachedAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, completion.Task))
            {
                _ = RunAsync(key, completion);
                return completion.Task;
            }
        }
    }

    private async Task RunAsync(byte[] key, TaskCompletionSource<CachedAnswer?> completion)
    {
        CachedAnswer? answer = null;
        try
        {
            using var timeout = new CancellationTokenSource(_options.ResolutionTimeoutMs);
            var name = CacheKey.Name(key).ToArray();
            ushort cls = (ushort)(CacheKey.Class(key) & ~CacheKey.CheckingDisabled);
            bool checkingDisabled = (CacheKey.Class(key) & CacheKey.CheckingDisabled) != 0;
            // RFC 8198: a name inside a validated NSEC span is NXDOMAIN without asking anyone.
            answer = Validator?.Aggressive.TrySynthesize(name, _options.Cache, Clock.Now);
            if (answer is not null)
                Metrics.RecordSynthesized();
            answer ??= await ResolveUncachedAsync(name, CacheKey.Type(key), cls, timeout.Token, checkingDisabled);
            if (Validator is not null && answer is not null && answer.Security == DnssecStatus.Unchecked && answer.ResponseCode is ResponseCode.NoError or ResponseCode.NXDomain
                && !IsAnsweredHere(name, CacheKey.Type(key), cls))
            {
                answer = await Validator.ValidateAsync(name, CacheKey.Type(key), answer, timeout.Token);
                if (answer.Security == DnssecStatus.Bogus)
                    Metrics.RecordBogus();
            }
            if (answer is not null && answer.ResponseCode is ResponseCode.NoError or ResponseCode.NXDomain)
                Cache.Store(key, answer);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            OnFailure?.Invoke(e);
        }
        finally
        {
            _inflight.TryRemove(key, out _);
            completion.TrySetResult(answer);
        }
    }

    /// <summary>Special-use names answered by this server itself (RFC 6761): nothing to validate.</summary>
    private bool IsAnsweredHere(byte[] name, ushort type, ushort cls) =>
        _conditional.Find(name) is null && !_options.ResolveSpecialUseNames && SpecialUseNames.TryAnswer(name, type, cls, 0) is not null;

    private async Task<CachedAnswer?> ResolveUncachedAsync(byte[] name, ushort type, ushort cls, CancellationToken cancel, bool checkingDisabled = false)
    {
        var conditional = _conditional.Find(name);
        if (conditional is null && !_options.ResolveSpecialUseNames && SpecialUseNames.TryAnswer(name, type, cls, Clock.Now) is { } special)
            return special;
        if (conditional is not null)
            return await ForwardAsync(conditional, name, type, cls, checkingDisabled, cancel);
        if (_forwarders.Length > 0)
            return await ForwardAsync(_forwarders, name, type, cls, checkingDisabled, cancel);
        return await _iterative!.ResolveAsync(name, type, cls, cancel);
    }

    /// <summary>
    /// Asks the upstream resolvers, fastest measured first, moving on after a timeout, an error or an
    /// unusable answer; a second round when nothing but timeouts came back (a lost datagram).
    /// </summary>
    private async Task<CachedAnswer?> ForwardAsync(UpstreamServer[] servers, byte[] name, ushort type, ushort cls, bool checkingDisabled, CancellationToken cancel)
    {
        for (int round = 0; round < 2; round++)
        {
            bool onlyTimeouts = true;
            foreach (var server in UpstreamServer.ByResponseTime(servers))
            {
                var reply = await _client.ExchangeAsync(server, name, type, cls, recursionDesired: true, cancel, checkingDisabled: Validator is not null || checkingDisabled);
                onlyTimeouts &= reply.Status == UpstreamStatus.Timeout;
                if (reply.Status != UpstreamStatus.Response)
                    continue;
                var answer = Accept(server, reply);
                if (answer is not null)
                    return answer;
            }
            if (!onlyTimeouts)
                break;
        }
        return null;
    }

    /// <summary>A forwarded NOERROR or NXDOMAIN that parses, as a cache entry; anything else counts against the server.</summary>
    private CachedAnswer? Accept(UpstreamServer server, in UpstreamReply reply)
    {
        DnsHeader.TryRead(reply.Message, out var header);
        var rcode = (ResponseCode)header.ResponseCodeLow;
        var builder = new CachedAnswerBuilder();
        if (rcode is not (ResponseCode.NoError or ResponseCode.NXDomain) || !builder.AddFromMessage(reply.Message, DnsName.Root))
        {
            server.RecordError(_options.UpstreamTimeoutMs);
            return null;
        }
        return builder.Build(rcode, _options.Cache, Clock.Now);
    }

    /// <summary>Empties the cache (and what iteration learned about zone cuts); returns the entries dropped.</summary>
    public int Flush()
    {
        _iterative?.FlushDelegations();
        Validator?.Flush();
        return Cache.Flush();
    }

    /// <summary>Drops every cached answer for one name (presentation format); returns the entries dropped.</summary>
    public int Flush(string name)
    {
        var wire = DnsName.Parse(name.EndsWith('.') ? name : name + ".");
        DnsName.ToLower(wire, wire);
        return Cache.Flush(wire);
    }
}
