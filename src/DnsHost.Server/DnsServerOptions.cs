using System.ComponentModel.DataAnnotations;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>Settings of the DNS listeners, bound from the "Dns" configuration section.</summary>
public sealed class DnsServerOptions
{
    public const string Section = "Dns";

    /// <summary>Addresses to listen on; loopback only unless configured.</summary>
    public List<string> Addresses { get; set; } = [];

    [Range(0, 65535)]
    public int Port { get; set; } = 53;

    /// <summary>UDP sockets per address sharing the port (SO_REUSEPORT); 0 means one per core.</summary>
    [Range(0, 64)]
    public int UdpSocketsPerAddress { get; set; }

    /// <summary>Serve each UDP socket from its own thread with blocking calls (measured ~30% more queries per second than async loops); false uses async receive loops.</summary>
    public bool UdpBlockingThreads { get; set; } = true;

    /// <summary>Datagrams taken per recvmmsg/sendmmsg call on Linux with blocking threads; 1 uses plain receive and send.</summary>
    [Range(1, 1024)]
    public int UdpBatchSize { get; set; } = 32;

    /// <summary>Largest UDP response with EDNS (RFC 6891 6.2.5; 1232 avoids IP fragmentation, per DNS Flag Day 2020).</summary>
    [Range(512, 4096)]
    public int MaxUdpPayload { get; set; } = 1232;

    [Range(1, 3600)]
    public int TcpIdleTimeoutSeconds { get; set; } = 10;

    [Range(1, 100000)]
    public int MaxTcpConnections { get; set; } = 512;

    /// <summary>TCP connections one client (IPv4 address, IPv6 /64) may hold; 0 means an eighth of <see cref="MaxTcpConnections"/>.
    /// Past it, that client's idlest connection is closed, so the others keep their share.</summary>
    [Range(0, 100000)]
    public int MaxTcpConnectionsPerClient { get; set; }

    public int EffectiveMaxTcpConnectionsPerClient => MaxTcpConnectionsPerClient > 0 ? Math.Min(MaxTcpConnectionsPerClient, MaxTcpConnections) : Math.Max(1, MaxTcpConnections / 8);

    /// <summary>Networks (CIDR) allowed to transfer zones with AXFR/IXFR.</summary>
    public List<string> TransferAllow { get; set; } = [];

    /// <summary>Answer CHAOS version.bind/id.server queries; off by default because the version helps attackers.</summary>
    public bool AnswerChaosQueries { get; set; }

    public string ServerVersion { get; set; } = "DnsHost";

    public string ServerIdentity { get; set; } = Environment.MachineName;

    /// <summary>DNS cookies (RFC 7873, RFC 9018 server cookies).</summary>
    public CookieOptions Cookies { get; set; } = new();

    /// <summary>Response rate limiting over UDP.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    public static Optional<ServerCookies> CreateCookies(DnsServerOptions options, TimeProvider time) =>
        new(options.Cookies.Enabled ? new ServerCookies(options.Cookies, time) : null);

    public static Optional<ResponseRateLimiter> CreateRateLimiter(DnsServerOptions options, TimeProvider time) =>
        new(options.RateLimit.Enabled ? new ResponseRateLimiter(options.RateLimit, time) : null);

    public IReadOnlyList<string> EffectiveAddresses => Addresses.Count > 0 ? Addresses : ["127.0.0.1", "::1"];

    public IReadOnlyList<string> EffectiveTransferAllow => TransferAllow.Count > 0 ? TransferAllow : ["127.0.0.0/8", "::1/128"];
}

/// <summary>Where zones come from, bound from the "Zones" configuration section.</summary>
public sealed class ZoneOptions
{
    public const string Section = "Zones";

    [Required]
    public string Directory { get; set; } = "zones";

    /// <summary>Reload a zone when its file changes.</summary>
    public bool Watch { get; set; } = true;

    // What one zone's sources may cost before its load stops with an error (ZoneSourceLimits).
    [Range(256, int.MaxValue)]
    public int MaxLineLength { get; set; } = ZoneSourceLimits.Default.MaxLineLength;

    [Range(1L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = ZoneSourceLimits.Default.MaxFileBytes;

    [Range(1L, long.MaxValue)]
    public long MaxZoneBytes { get; set; } = ZoneSourceLimits.Default.MaxZoneBytes;

    [Range(1, int.MaxValue)]
    public int MaxRecords { get; set; } = ZoneSourceLimits.Default.MaxRecords;

    [Range(0, 64)]
    public int MaxIncludeDepth { get; set; } = ZoneSourceLimits.Default.MaxIncludeDepth;

    [Range(0, int.MaxValue)]
    public int MaxIncludes { get; set; } = ZoneSourceLimits.Default.MaxIncludes;

    /// <summary>Let $INCLUDE read files outside the zones folder (off: absolute paths, "../" and links leading out are refused).</summary>
    public bool IncludeOutsideFolder { get; set; }

    /// <summary>Problems and warnings logged per zone load; the rest are counted in one line.</summary>
    [Range(1, int.MaxValue)]
    public int MaxLoggedProblems { get; set; } = 100;

    public ZoneSourceLimits Limits => new()
    {
        MaxLineLength = MaxLineLength,
        MaxFileBytes = MaxFileBytes,
        MaxZoneBytes = MaxZoneBytes,
        MaxRecords = MaxRecords,
        MaxIncludeDepth = MaxIncludeDepth,
        MaxIncludes = MaxIncludes,
        IncludeOutsideFolder = IncludeOutsideFolder,
    };
}

/// <summary>A service that settings may turn off (DI cannot hold a null singleton).</summary>
public sealed record Optional<T>(T? Value) where T : class;
