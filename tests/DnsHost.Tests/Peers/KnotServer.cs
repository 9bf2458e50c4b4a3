using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DnsHost.Tests.Peers;

/// <summary>
/// A real Knot DNS (knotd) on a loopback port, serving the given zone files, for differential tests.
/// Needs the Debian package "knot"; .ci/run installs it.
/// </summary>
public sealed class KnotServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log;

    private KnotServer(Process process, string directory, int port, StringBuilder log)
    {
        _process = process;
        _directory = directory;
        _log = log;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint { get; }

    public string Log { get { lock (_log) return _log.ToString(); } }

    public static string? FindKnotd() =>
        new[] { "/usr/sbin/knotd", "/usr/bin/knotd", "/usr/local/sbin/knotd" }.FirstOrDefault(File.Exists);

    public static async Task<KnotServer> StartAsync(IReadOnlyList<(string Origin, string ZoneFilePath)> zones, CancellationToken ct = default)
    {
        var knotd = FindKnotd() ?? throw new InvalidOperationException("knotd not found: install Knot DNS (apt-get install knot)");
        var directory = Path.Combine(Path.GetTempPath(), "dnshost-knot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        int port = FreePort();
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine($"    rundir: \"{directory}\"");
        config.AppendLine($"    listen: 127.0.0.1@{port}");
        config.AppendLine("    background-workers: 1");
        config.AppendLine("database:");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("acl:");
        config.AppendLine("  - id: local_transfer");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine("    action: transfer");
        config.AppendLine("template:");
        config.AppendLine("  - id: default");
        config.AppendLine($"    storage: \"{directory}\"");
        // Serve the files exactly as written: never write back, keep no journal, no DNSSEC.
        config.AppendLine("    zonefile-sync: -1");
        config.AppendLine("    zonefile-load: whole");
        config.AppendLine("    journal-content: none");
        config.AppendLine("    semantic-checks: off");
        config.AppendLine("    acl: local_transfer");
        config.AppendLine("zone:");
        foreach (var (origin, path) in zones)
        {
            config.AppendLine($"  - domain: \"{origin}\"");
            config.AppendLine($"    file: \"{Path.GetFullPath(path)}\"");
        }
        config.AppendLine("log:");
        config.AppendLine("  - target: stderr");
        config.AppendLine("    any: info");
        var configPath = Path.Combine(directory, "knot.conf");
        await File.WriteAllTextAsync(configPath, config.ToString(), ct);

        var info = new ProcessStartInfo(knotd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(configPath);
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start knotd");
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new KnotServer(process, directory, port, log);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            foreach (var (origin, _) in zones)
            {
                while (!await AnswersSoa(server.EndPoint, origin))
                {
                    if (process.HasExited || DateTime.UtcNow > deadline)
                        throw new InvalidOperationException($"knotd did not serve {origin} within 15 s:\n{server.Log}");
                    await Task.Delay(100, ct);
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

    internal static async Task<bool> AnswersSoa(IPEndPoint endPoint, string origin)
    {
        // A hand-made query: ID 0x4b4e, no flags, one question "origin SOA IN".
        var query = new List<byte> { 0x4B, 0x4E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in origin.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }
        query.AddRange([0, 0, 6, 0, 1]);
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(endPoint);
        await udp.SendAsync(query.ToArray());
        using var cts = new CancellationTokenSource(500);
        try
        {
            var response = (await udp.ReceiveAsync(cts.Token)).Buffer;
            // RCODE 0 with AA set: the zone is loaded.
            return response.Length >= 12 && (response[3] & 0x0F) == 0 && (response[2] & 0x04) != 0;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    internal static int FreePort()
    {
        // Pick a port free for both UDP and TCP; knotd binds both.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free loopback port");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
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
