using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// The real dnshost process, killed with SIGKILL as soon as it serves a new serial (no shutdown runs): after a restart,
/// <c>kdig IXFR=old</c> still gets the difference from the journal on disk. (The journal and the saved serial are
/// forced to disk before the serial is served; a SIGKILL cannot tell a flush from an fsync, a power cut can.)
/// </summary>
[Trait("Kind", "Interop")]
public sealed partial class JournalDurabilityTests : IDisposable
{
    private const string Head = "$TTL 300\n@ SOA ns hostmaster 10 7200 900 1209600 60\n@ NS ns\nns A 192.0.2.1\n";
    private readonly TestZones _zones = new();
    private readonly string _state = Path.Combine(Path.GetTempPath(), "dnshost-durable-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _zones.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_restart_after_sigkill_right_after_a_new_serial_still_answers_ixfr_with_the_difference()
    {
        var path = _zones.Write("d.test.zone", Head + "www A 192.0.2.10\n");
        var (process, server) = await StartAsync();
        try
        {
            Assert.Equal(10u, await SerialAsync(server));
            File.WriteAllText(path, Head + "www A 192.0.2.20\n");
            for (int i = 0; i < 300 && await SerialAsync(server) == 10; i++)
                await Task.Delay(50);
            Assert.Equal(11u, await SerialAsync(server));
            process.Kill(); // SIGKILL, the moment the new serial is served
            await process.WaitForExitAsync();
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
            process.Dispose();
        }
        (process, server) = await StartAsync();
        try
        {
            Assert.Equal(11u, await SerialAsync(server));
            var ixfr = await DnsTool.KdigAsync(server, null, "d.test", "IXFR=10");
            var lines = ixfr.Records.Select(r => string.Join(' ', r.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))).ToList();
            Assert.Equal([
                "d.test. 300 IN SOA ns.d.test. hostmaster.d.test. 11 7200 900 1209600 60",
                "d.test. 300 IN SOA ns.d.test. hostmaster.d.test. 10 7200 900 1209600 60",
                "www.d.test. 300 IN A 192.0.2.10",
                "d.test. 300 IN SOA ns.d.test. hostmaster.d.test. 11 7200 900 1209600 60",
                "www.d.test. 300 IN A 192.0.2.20",
                "d.test. 300 IN SOA ns.d.test. hostmaster.d.test. 11 7200 900 1209600 60",
            ], lines);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    private static async Task<uint> SerialAsync(IPEndPoint server)
    {
        var response = await DnsTool.KdigAsync(server, null, "d.test", "SOA", "+short");
        return uint.Parse(response.Output.Trim().Split(' ')[2]);
    }

    [GeneratedRegex(@"Answering DNS over TCP .* on port (\d+)")]
    private static partial Regex PortLine();

    private async Task<(Process Process, IPEndPoint Server)> StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "serve", "--zones", _zones.Directory,
                     "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0", "--data", Path.Combine(_state, "api.db"),
                     "--HealthChecks:Enabled=false", "--Transfers:StateDirectory=" + _state })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && PortLine().Match(e.Data) is { Success: true } m)
                port.TrySetResult(int.Parse(m.Groups[1].Value));
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(port.Task, Task.Delay(TimeSpan.FromSeconds(60))) != port.Task)
        {
            process.Kill();
            Assert.Fail("the server did not start");
        }
        return (process, new IPEndPoint(IPAddress.Loopback, await port.Task));
    }
}
