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

switch (command.Verb)
{
    case "help":
        Console.WriteLine(CommandLine.Help);
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
    case "serve":
        return await ServeCommand.RunAsync(command);
    default:
        Console.Error.WriteLine($"dnshost: unknown command '{command.Verb}'; see --help");
        return 64;
}
