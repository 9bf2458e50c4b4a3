using DnsHost;

CommandLine command;
try
{
    command = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"dnshost: {e.Message}");
    return 64;
}

if (command.NoArguments)
{
    // No verb: never start a server by surprise (it would take port 53 and 8053); show what there is.
    Console.Error.Write(VerbHelp.Overview());
    return 64;
}

switch (command.Verb)
{
    case "help" when command.HelpTopic is null:
        Console.Write(VerbHelp.Overview());
        return 0;
    case "help":
        if (VerbHelp.Find(command.HelpTopic) is not { } verb)
        {
            Console.Error.WriteLine($"dnshost: unknown command '{command.HelpTopic}'; see dnshost --help");
            return 64;
        }
        Console.Write(verb.Page());
        return 0;
    case "check-zone":
        return CheckZoneCommand.Run(command);
    case "explain":
        return ExplainCommand.Run(command);
    case "health":
        return await HealthCommand.RunAsync(command);
    case "drill":
        return await DrillCommand.RunAsync(command);
    case "sync":
        return await SyncCommand.RunAsync(command);
    case "flush":
        return await FlushCommand.RunAsync(command);
    case "ping":
        return await PingCommand.RunAsync(command);
    case "dnssec":
        return DnssecCommand.Run(command);
    case "cluster":
        return ClusterCommand.Run(command);
    case "serve":
        return await ServeCommand.RunAsync(command);
    default:
        Console.Error.WriteLine($"dnshost: unknown command '{command.Verb}'; see dnshost --help");
        return 64;
}
