using System.Diagnostics;

namespace DnsHost.Tests.Infrastructure;

/// <summary>BIND's <c>delv</c>, an independent validator, asking a server on loopback with one trust-anchor file.</summary>
internal static class Delv
{
    /// <summary>delv's output and errors for <paramref name="name"/>/<paramref name="type"/>, validated from <paramref name="root"/> (delv's +root).</summary>
    public static async Task<string> RunAsync(int port, string anchorFile, string root, string name, string type)
    {
        var info = new ProcessStartInfo("delv", ["@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", anchorFile, "+root=" + root, name, type])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return await output + await error;
    }
}
