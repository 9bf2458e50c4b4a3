using System.Diagnostics;
using System.Net;

namespace DnsHost.Tests.Transfers;

/// <summary>Runs a DNS command-line tool (kdig, dig, nsupdate, knsupdate) and returns its exit code and output.</summary>
public static class DnsTool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
        /// <summary>The records kdig printed (lines not starting with ';'), TSIG pseudo-records left out.</summary>
        public List<string> Records => Output.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';') && !l.Contains("\tTSIG\t") && !l.Contains(" TSIG ")).ToList();
    }

    public static async Task<Result> RunAsync(string tool, IEnumerable<string> arguments, string? input = null, int timeoutMs = 20000)
    {
        var path = new[] { "/usr/bin/", "/usr/sbin/", "/usr/local/bin/" }.Select(d => d + tool).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{tool} not found (apt-get install knot-dnsutils bind9-dnsutils)");
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish in {timeoutMs} ms");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>kdig against a loopback server: <c>kdig @address -p port [-y key] args...</c>.</summary>
    public static Task<Result> KdigAsync(IPEndPoint server, string? key, params string[] arguments)
    {
        var all = new List<string> { "@" + server.Address, "-p", server.Port.ToString(), "+time=3", "+retry=0" };
        if (key is not null)
            all.AddRange(["-y", key]);
        all.AddRange(arguments);
        return RunAsync("kdig", all);
    }
}
