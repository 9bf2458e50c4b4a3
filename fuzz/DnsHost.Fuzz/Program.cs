using DnsHost.Fuzz;

// dnshost-fuzz afl TARGET          run under afl-fuzz (SharpFuzz's out-of-process mode), input on stdin
// dnshost-fuzz replay TARGET DIR   run every file of DIR through TARGET once; prints the files that throw
if (args.Length >= 2 && args[0] == "afl")
{
    string target = args[1];
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        FuzzTargets.Run(target, memory.ToArray());
    });
    return 0;
}
if (args.Length == 3 && args[0] == "replay")
{
    int failed = 0, count = 0;
    foreach (var file in Directory.EnumerateFiles(args[2], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
    {
        count++;
        try { FuzzTargets.Run(args[1], File.ReadAllBytes(file)); }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
            Console.WriteLine(e.StackTrace);
        }
    }
    Console.WriteLine($"{args[1]}: {count} inputs, {failed} failed");
    return failed == 0 ? 0 : 1;
}
Console.Error.WriteLine($"usage: dnshost-fuzz afl TARGET | replay TARGET DIR   (targets: {string.Join(", ", FuzzTargets.Names)})");
return 2;
