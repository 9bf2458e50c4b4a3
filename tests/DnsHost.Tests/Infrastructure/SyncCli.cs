using System.Diagnostics;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// <c>dnshost sync ARGS</c> as a separate process, with the AWS documentation's example keys and no AWS
/// config or credentials files, so only the sides named in the arguments are used.
/// </summary>
public static class SyncCli
{
    public static async Task<(string Output, int Exit)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dnshost.dll"));
        psi.ArgumentList.Add("sync");
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        psi.Environment["AWS_ACCESS_KEY_ID"] = AwsCli.ExampleAccessKey;
        psi.Environment["AWS_SECRET_ACCESS_KEY"] = AwsCli.ExampleSecretKey;
        psi.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        psi.Environment.Remove("AWS_PROFILE");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(cts.Token);
        return (await stdout + await stderr, process.ExitCode);
    }
}
