using System.Net;

namespace DnsHost.Web;

/// <summary>Who may use the web console and the operations endpoints (section <c>Console</c>).</summary>
public enum ConsoleAuthentication
{
    /// <summary>A sign-in (console) or a credential in the Authorization header (operations endpoints) is needed.</summary>
    Required,

    /// <summary>
    /// No sign-in, for local development; allowed only while Api:Listen is a loopback address, so nobody
    /// else on the network reaches an open console. Refused at start otherwise.
    /// </summary>
    OffOnLoopback,
}

/// <summary>
/// The web console and the credentials of the HTTP endpoint's non-Route 53 paths (section <c>Console</c>).
/// The Route 53 API keeps its own SigV4 signatures and is not affected.
/// </summary>
public sealed class WebConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// Required or OffOnLoopback. Unset: OffOnLoopback while Api:Listen is a loopback address (the default
    /// 127.0.0.1:8053, so the CLI and local tools work as before), Required as soon as it listens beyond loopback.
    /// </summary>
    public ConsoleAuthentication? Authentication { get; set; }

    /// <summary>
    /// A secret that signs in to the console (instead of an Api:AccessKeys pair) and authorizes the CLI on the
    /// operations endpoints (<c>Authorization: Bearer TOKEN</c>; the CLI reads DNSHOST_ADMIN_TOKEN). Unset: none.
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>Paths that stay open without a credential even when it is Required (monitoring scrapers).</summary>
    public List<string> OpenPaths { get; set; } = ["/healthz", "/metrics"];

    /// <summary>How long a console sign-in lasts without use (sliding); sign-ins also end when the server restarts.</summary>
    public double SessionMinutes { get; set; } = 480;

    /// <summary>The mode in force for a listen address: the configured one, else by whether the address is loopback.</summary>
    public ConsoleAuthentication EffectiveAuthentication(IPEndPoint listen) =>
        Authentication ?? (IPAddress.IsLoopback(listen.Address) ? ConsoleAuthentication.OffOnLoopback : ConsoleAuthentication.Required);

    /// <summary>Null when the settings can serve on <paramref name="listen"/>, else why not, naming the options.</summary>
    public string? Problem(IPEndPoint listen)
    {
        if (Authentication == ConsoleAuthentication.OffOnLoopback && !IPAddress.IsLoopback(listen.Address))
            return $"Console:Authentication is OffOnLoopback, but Api:Listen {listen} is not a loopback address: anyone on the network " +
                "could use the console and the operations endpoints. Set Console:Authentication to Required (sign in with an Api:AccessKeys " +
                "pair or Console:AdminToken), or listen on 127.0.0.1 or [::1]";
        if (SessionMinutes <= 0)
            return $"Console:SessionMinutes {SessionMinutes} must be above 0";
        return null;
    }
}
