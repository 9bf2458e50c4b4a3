using System.Text;

namespace DnsHost;

/// <summary>One option of a verb as <c>--help</c> lists it: its spelling, what it does, and its default.</summary>
public sealed record OptionHelp(string Spelling, string Description, string? Default = null);

/// <summary>
/// A verb's usage, summary and options: the one table that <c>dnshost --help</c> and <c>dnshost VERB --help</c>
/// are written from, so the overview and each verb's page cannot disagree.
/// </summary>
public sealed record VerbHelp(string Name, string Usage, string Summary, IReadOnlyList<OptionHelp> Options, string? Notes = null)
{
    /// <summary>Exit codes every verb shares (sysexits.h for the usage and configuration codes).</summary>
    public const string ExitCodes = """
        Exit codes: 0 success; 1 runtime failure (a server, the network or an API failed; flush exits 69
        when the server cannot be reached); 64 usage error (unknown command or option, missing argument,
        no arguments at all); 78 configuration or start-up error (bad setting, missing zones folder, port
        already in use); sync plan also exits 2 when there are changes, drill 2 when a switch was slower
        than Route 53's bound.
        """;

    private static readonly OptionHelp Api = new("--api URL", "the running server's HTTP endpoint (ADDR:PORT or a URL)", "127.0.0.1:8053");
    private static readonly OptionHelp Json = new("--json", "print JSON instead of text");

    private static readonly OptionHelp[] ServeOptions =
    [
        new("--zones DIR", "folder of *.zone master files and *.json Route 53 hosted zones (Zones:Directory); it must exist", "./zones"),
        new("--address IP", "address to listen on, repeatable (Dns:Addresses)", "127.0.0.1 and ::1"),
        new("--port N", "port for UDP and TCP, 0 picks a free one; below 1024 needs root or CAP_NET_BIND_SERVICE (Dns:Port)", "53"),
        new("--api ADDR:PORT", "HTTP endpoint: /healthz, /metrics, health checks, the Route 53 API; 'off' disables it (Api:Listen)", "127.0.0.1:8053"),
        new("--data PATH", "SQLite file for what the Route 53 API creates (Api:DataPath)", "data/dnshost.db"),
        new("--config FILE", "extra JSON settings layered over appsettings.json, repeatable"),
        new("--Section:Key=value", "any other setting, e.g. --Dns:AnswerChaosQueries=true or --Resolver:Forwarders:0=192.0.2.53"),
    ];

    public static readonly IReadOnlyList<VerbHelp> All =
    [
        new("serve", "dnshost serve [options]",
            "serve the zones in a folder over UDP and TCP, with the HTTP endpoint and health checks",
            ServeOptions,
            """
            Settings also come from the environment with the DNSHOST_ prefix and '__' for ':',
            e.g. DNSHOST_Dns__Port=5380. Zones reload when their files change and on SIGHUP.
            Example: dnshost serve --zones zones --port 5380
            """),
        new("check-zone", "dnshost check-zone FILE [--print]",
            "check a zone file (*.zone or *.json) as the server would load it; exit 1 on errors",
            [new("--print", "list every record in canonical form")]),
        new("explain", "dnshost explain NAME TYPE --client IP [--subnet CIDR] [--server URL] [--json] [serve options]",
            "what the server would answer this client, and why (Route 53's TestDNSAnswer, with reasons)",
            [
                new("--client IP", "the client's address (required)"),
                new("--subnet CIDR", "an EDNS Client Subnet sent with the query", "none"),
                new("--server URL", "a running server's HTTP endpoint whose live health checks to use", "the configured Api:Listen if it answers, else static health"),
                Json,
                new("--zones DIR, --config FILE, --Section:Key=value", "the zones and settings the server would use (see serve --help)", "./zones"),
            ]),
        new("health", "dnshost health [list | show ID | override ID healthy|unhealthy | clear ID] [--api URL] [--json]",
            "health checks of a running server: status, last probe and failure; overrides for test harnesses",
            [Api, Json], "Without a sub-command: list."),
        new("drill", "dnshost drill NAME [TYPE] --check ID [options]",
            "failover drill against a running server: break the check's endpoint or override it, query NAME continuously, and print when answers moved",
            [
                new("--check ID", "the health check to flip (required)"),
                new("--mode endpoint|override", "endpoint: the drill serves the check's loopback endpoint and closes it; override: flip by override", "endpoint"),
                new("--flips N", "failures (each followed by a recovery) to time", "10"),
                new("--server IP:PORT", "the DNS server to query", "127.0.0.1:53"),
                Api,
                new("--query-ms MS", "time between queries", "20"),
                new("--settle S", "how long the new answer must hold to count as switched", "1"),
                new("--timeout S", "give up on one switch after this long", "3 x (interval x threshold + 1 s) + 10 s"),
                new("--json", "print the report as JSON on stdout (progress on stderr)"),
            ],
            "TYPE defaults to A. Each DNS query times out after 500 ms. Exit 2 when a switch took longer than\ninterval x threshold + 1 s."),
        new("sync", "dnshost sync plan|apply|pull --source SIDE --target SIDE [options]",
            "copy hosted zones, record sets and health checks between Route 53 and DnsHost; SIDE is route53, route53:URL or dir:PATH",
            [
                new("--source SIDE", "where zones come from (required)"),
                new("--target SIDE", "where they go (required)"),
                new("--zone NAME", "only this zone, repeatable", "all zones"),
                new("--exclude NAME", "leave this zone out, repeatable"),
                new("--prune", "delete what the source lacks (pull always prunes)"),
                new("--include-apex", "also sync the apex SOA and NS"),
                new("--profile NAME", "AWS profile for route53 sides", "AWS's credential chain"),
                new("--no-wait", "do not wait for INSYNC after apply"),
                new("--max-attempts N", "tries per API call, with backoff", "10"),
                Json,
            ],
            "plan changes nothing and exits 0 in sync, 2 with changes, 1 on error; pull is apply --prune."),
        new("flush", "dnshost flush [NAME] [--api URL]",
            "empty a running server's resolver cache, or drop every cached answer for NAME",
            [Api]),
        new("ping", "dnshost ping [--server IP:PORT] [--api URL] [--timeout SECONDS]",
            "is a running server answering? One DNS query (root SOA; any answer counts) and GET /healthz",
            [new("--server IP:PORT", "the DNS server to query", "127.0.0.1:53"), Api, new("--timeout SECONDS", "how long to wait for each answer", "3")],
            "Exit 0 when both answer, 1 when either does not: the codes of Docker's HEALTHCHECK."),
        new("cluster", "dnshost cluster status [--config FILE]",
            "the nodes sharing the PostgreSQL store (Api:ConnectionString): the change sequence each serves, its lag, its last report",
            [new("--config FILE", "settings file with Api:ConnectionString (and Cluster:NodeTimeoutSeconds)", "appsettings.json")],
            "Exit 0 when every live node is in sync, 2 when one lags or is silent, 1 when the store cannot be reached."),
        new("dnssec", "dnshost dnssec ds|status ZONE | ds-seen ZONE KEYTAG [--config FILE] [--data PATH]",
            "ds: the DS records (SHA-256, SHA-384) of a signed zone's key(s) for the parent, making the key if there is none; status: the keys, their states and the next rollover step (Dnssec:Rollover; for a zone signed through the Route 53 API, its ZSKs and KSKs from the API store, --data); ds-seen: the parent serves the new KSK's DS, the KSK rollover may go on",
            [new("--config FILE", "settings file with the Dnssec section (KeyDirectory, KeyEncryptionKey, Algorithm)", "appsettings.json")],
            "The key-encryption key comes from Dnssec:KeyEncryptionKey (or DNSHOST_Dnssec__KeyEncryptionKey), as for serve."),
    ];

    public static VerbHelp? Find(string verb) => All.FirstOrDefault(v => v.Name == verb);

    /// <summary>The overview: every verb's usage and summary, then how to get one verb's options.</summary>
    public static string Overview()
    {
        var text = new StringBuilder();
        text.AppendLine("dnshost: an authoritative DNS server for hosted zones, Route 53 style.");
        text.AppendLine();
        text.AppendLine("Usage:");
        foreach (var verb in All)
        {
            text.Append("  ").AppendLine(verb.Usage);
            text.Append("      ").AppendLine(verb.Summary);
        }
        text.AppendLine("  dnshost --help | dnshost VERB --help");
        text.AppendLine("      this text, or one verb's options and their defaults");
        text.AppendLine();
        text.AppendLine("Start a server on a port that needs no root: dnshost serve --zones zones --port 5380");
        text.AppendLine();
        text.AppendLine(ExitCodes);
        return text.ToString();
    }

    /// <summary>One verb's page: usage, summary, each option with its default, notes, exit codes.</summary>
    public string Page()
    {
        var text = new StringBuilder();
        text.Append("Usage: ").AppendLine(Usage);
        text.AppendLine();
        text.AppendLine(Summary);
        if (Options.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Options:");
            int width = Options.Max(o => o.Spelling.Length) + 2;
            foreach (var option in Options)
            {
                text.Append("  ").Append(option.Spelling.PadRight(width)).Append(option.Description);
                if (option.Default is not null)
                    text.Append(" (default ").Append(option.Default).Append(')');
                text.AppendLine();
            }
        }
        if (Notes is not null)
            text.AppendLine().AppendLine(Notes);
        text.AppendLine();
        text.AppendLine(ExitCodes);
        return text.ToString();
    }
}
