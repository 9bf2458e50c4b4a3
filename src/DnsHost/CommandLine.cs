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

    /// <summary>The verb whose options "help" shows; null for the overview.</summary>
    public string? HelpTopic { get; private init; }

    /// <summary>"dnshost" alone: no verb and no option. It prints the overview and exits with the usage code.</summary>
    public bool NoArguments { get; private init; }

    public static CommandLine Parse(string[] args)
    {
        if (args.Length == 0)
            return new CommandLine { NoArguments = true };
        if (args[0] is "--help" or "-h")
            return new CommandLine { Verb = "help" };
        if (args[0] == "help")
            return new CommandLine { Verb = "help", HelpTopic = args.Length > 1 ? args[1] : null };
        if (args[0].StartsWith('-'))
            throw new ArgumentException($"{args[0]}: the command comes first, e.g. 'dnshost serve --port 5380'; see dnshost --help");
        var result = new CommandLine { Verb = args[0] };
        int start = 1;
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
                case "--help" or "-h": return new CommandLine { Verb = "help", HelpTopic = result.Verb };
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
                        throw new ArgumentException($"unknown option {arg}; see dnshost {result.Verb} --help");
                    else
                        result.Positional.Add(arg);
                    break;
            }
        }
        return result;
    }
}
