namespace DnsHost;

/// <summary>
/// Turns the verb's friendly options (--zones, --address, --port, --config) into configuration keys;
/// anything else ("--Section:Key=value") goes to the generic host's command-line provider as is.
/// </summary>
public sealed class CommandLine
{
    public string Verb { get; private init; } = "help";
    public List<string> Positional { get; } = [];
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> ConfigFiles { get; } = [];
    public List<string> PassThrough { get; } = [];
    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Options { get; } = new(StringComparer.Ordinal);
    /// <summary>Options that may be given more than once (--zone, --exclude).</summary>
    public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);

    public static CommandLine Parse(string[] args)
    {
        var result = new CommandLine { Verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : (args.Length > 0 && args[0] is "--help" or "-h" ? "help" : "serve") };
        int start = args.Length > 0 && !args[0].StartsWith('-') ? 1 : 0;
        int addressIndex = 0;
        for (int i = start; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value()
            {
                int eq = arg.IndexOf('=');
                if (eq > 0)
                    return arg[(eq + 1)..];
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"{arg} needs a value");
                return args[++i];
            }
            string name = arg.Contains('=') ? arg[..arg.IndexOf('=')] : arg;
            switch (name)
            {
                case "--zones": result.Settings["Zones:Directory"] = Value(); break;
                case "--address": result.Settings[$"Dns:Addresses:{addressIndex++}"] = Value(); break;
                case "--port": result.Settings["Dns:Port"] = Value(); break;
                case "--api": result.Settings["Api:Listen"] = Value(); break;
                case "--data": result.Settings["Api:DataPath"] = Value(); break;
                case "--config": result.ConfigFiles.Add(Value()!); break;
                case "--help" or "-h": return new CommandLine { Verb = "help" };
                case "--print": result.Flags.Add("print"); break;
                case "--json": result.Flags.Add("json"); break;
                case "--client": result.Options["client"] = Value()!; break;
                case "--subnet": result.Options["subnet"] = Value()!; break;
                case "--source" or "--target" or "--profile" or "--max-attempts":
                    result.Options[name[2..]] = Value()!;
                    break;
                case "--zone" or "--exclude":
                    string list = name[2..];
                    if (!result.Lists.TryGetValue(list, out var values))
                        result.Lists[list] = values = [];
                    values.Add(Value()!);
                    break;
                case "--prune" or "--include-apex" or "--no-wait":
                    result.Flags.Add(name[2..]);
                    break;
                case "--check" or "--mode" or "--flips" or "--server" or "--query-ms" or "--settle" or "--timeout":
                    result.Options[name[2..]] = Value()!;
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) && name.Contains(':'))
                    {
                        result.PassThrough.Add(arg);
                        if (!arg.Contains('=') && i + 1 < args.Length)
                            result.PassThrough.Add(args[++i]);
                    }
                    else if (arg.StartsWith('-'))
                        throw new ArgumentException($"unknown option {arg}; see --help");
                    else
                        result.Positional.Add(arg);
                    break;
            }
        }
        return result;
    }

    public const string Help = """
        dnshost: an authoritative DNS server for hosted zones, Route 53 style.

        Usage:
          dnshost serve [options]        serve the zones in a folder over UDP and TCP
          dnshost check-zone FILE [--print]
                                         check a zone file as the server would load it; exit 1 on
                                         errors; --print lists every record in canonical form
          dnshost explain NAME TYPE --client IP [--subnet CIDR] [--json] [serve options]
                                         what the server would answer this client, and why: the
                                         zone, each candidate record set, health, location and the
                                         winner (Route 53's TestDNSAnswer, with reasons)
          dnshost health [list | show ID | override ID healthy|unhealthy | clear ID] [--api URL] [--json]
                                         health checks of a running server: status, last probe and
                                         failure, and overrides for test harnesses
          dnshost drill NAME [TYPE] --check ID [--mode endpoint|override] [--flips N]
                        [--server IP:PORT] [--api URL] [--json]
                                         failover drill against a running server: break the check's
                                         endpoint (served by the drill on loopback) or override it,
                                         query NAME continuously, and print when answers moved
          dnshost sync plan|apply|pull --source SIDE --target SIDE [--zone NAME]... [--exclude NAME]...
                        [--prune] [--include-apex] [--json] [--profile NAME] [--no-wait] [--max-attempts N]
                                         copy hosted zones, their record sets and health checks between
                                         Route 53 and DnsHost; SIDE is route53, route53:URL or dir:PATH.
                                         plan changes nothing and exits 0 in sync, 2 with changes, 1 on
                                         error; pull is apply --prune
          dnshost flush [NAME] [--api URL]
                                         empty a running server's resolver cache, or drop every
                                         cached answer for NAME
          dnshost --help                 this text

        serve options:
          --zones DIR          folder of *.zone master files and *.json Route 53 hosted zones
                               (default ./zones; setting Zones:Directory)
          --address IP         address to listen on, repeatable (default 127.0.0.1 and ::1; Dns:Addresses)
          --port N             port for UDP and TCP (default 53; 0 picks a free port; Dns:Port)
          --api ADDR:PORT      HTTP endpoint: /healthz, /dnshost/health-checks (default 127.0.0.1:8053;
                               off to disable; Api:Listen). For health and drill: the server's URL
          --data PATH          SQLite file for what the Route 53 API creates (default data/dnshost.db;
                               Api:DataPath)
          --config FILE        extra JSON settings layered over appsettings.json
          --Section:Key=value  any other setting, e.g. --Dns:AnswerChaosQueries=true or
                               --Resolver:Forwarders:0=192.0.2.53 (the caching resolver; see README)

        Settings also come from the environment with the DNSHOST_ prefix and '__' for ':',
        e.g. DNSHOST_Dns__Port=5353. Zones reload when their files change and on SIGHUP.
        """;
}
