using DnsHost.Resolver;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server;

/// <summary>
/// Who may recurse and the resolver that serves them. With the resolver off (no forwarders, hints or
/// Resolver:Enabled) there is nothing here and names outside the zones stay REFUSED.
/// </summary>
public sealed partial class RecursionService
{
    private readonly NetworkList? _allow;

    public RecursionService(ResolverOptions options, ILogger<RecursionService>? logger = null, TimeProvider? time = null)
    {
        Options = options;
        if (!options.IsEnabled)
            return;
        _allow = new NetworkList(options.EffectiveAllowRecursion);
        Resolver = new RecursiveResolver(options, time: time);
        if (logger is not null)
            Resolver.OnFailure = e => LogResolutionFailed(logger, e);
    }

    public ResolverOptions Options { get; }

    /// <summary>The resolver, or null when recursion is off.</summary>
    public RecursiveResolver? Resolver { get; }

    /// <summary>Whether this client may recurse (its own address, never the EDNS Client Subnet). Allocation-free.</summary>
    public bool Allows(in IpPrefix source) => _allow is not null && _allow.Contains(source);

    [LoggerMessage(Level = LogLevel.Error, Message = "A resolution failed on an unexpected error")]
    private static partial void LogResolutionFailed(ILogger logger, Exception exception);
}
