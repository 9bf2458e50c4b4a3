using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DnsHost.Tests.Peers;

/// <summary>A real NSD on a loopback port serving the given zone files (Debian package "nsd").</summary>
public sealed class NsdServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log;

    private NsdServer(Process process, string directory, int port, StringBuilder log)
    {
        _process = process;
        _directory = directory;
        _log = log;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint { get; }

    public static string? FindNsd() => new[] { "/usr/sbin/nsd", "/usr/bin/nsd" }.FirstOrDefault(File.Exists);

    public static async Task<NsdServer> StartAsync(IReadOnlyList<(string Origin, string ZoneFilePath)> zones)
    {
        var nsd = FindNsd() ?? throw new InvalidOperationException("nsd not found: install NSD (apt-get install nsd)");
        var directory = Path.Combine(Path.GetTempPath(), "dnshost-nsd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        int port = KnotServer.FreePort();
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine("    ip-address: 127.0.0.1");
        config.AppendLine($"    port: {port}");
        config.AppendLine("    server-count: 1");
        config.AppendLine("    username: \"\"");
        config.AppendLine($"    zonesdir: \"{directory}\"");
        config.AppendLine($"    pidfile: \"{directory}/nsd.pid\"");
        config.AppendLine("    database: \"\"");
        config.AppendLine($"    zonelistfile: \"{directory}/zone.list\"");
        config.AppendLine($"    xfrdfile: \"{directory}/xfrd.state\"");
        // Rate limiting would turn a fast test corpus from one address into truncated answers.
        config.AppendLine("    rrl-ratelimit: 0");
        // NSD otherwise adds the apex NS RRset (and its addresses) to every positive answer; Knot and
        // DnsHost give minimal responses, and the comparison is about the answers themselves.
        config.AppendLine("    minimal-responses: yes");
        config.AppendLine("remote-control:");
        config.AppendLine("    control-enable: no");
        foreach (var (origin, path) in zones)
        {
            config.AppendLine("zone:");
            config.AppendLine($"    name: \"{origin}\"");
            config.AppendLine($"    zonefile: \"{Path.GetFullPath(path)}\"");
            config.AppendLine("    provide-xfr: 127.0.0.0/8 NOKEY");
        }
        var configPath = Path.Combine(directory, "nsd.conf");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var info = new ProcessStartInfo(nsd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-d", "-c", configPath })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start nsd");
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new NsdServer(process, directory, port, log);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            foreach (var (origin, _) in zones)
            {
                while (!await KnotServer.AnswersSoa(server.EndPoint, origin))
                {
                    if (process.HasExited || DateTime.UtcNow > deadline)
                        throw new InvalidOperationException($"nsd did not serve {origin} within 15 s:\n{log}");
                    await Task.Delay(100);
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // NSD forks its servers; kill the whole tree.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
