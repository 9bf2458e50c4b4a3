using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DnsHost.Tests.Peers;

/// <summary>
/// A reference DNS server (Knot, NSD) run as a child process on a loopback port, in a temporary
/// folder of its own: started, waited for until it serves every zone, and killed with its folder.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();

    private PeerProcess(Process process, string directory, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        EndPoint = endPoint;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The peer's own folder (its configuration file, control socket and state).</summary>
    public string WorkDirectory => _directory;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>A new empty folder for the peer's configuration and state.</summary>
    public static string NewDirectory(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"dnshost-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static string FindExecutable(string name, string package) =>
        new[] { "/usr/sbin/", "/usr/bin/", "/usr/local/sbin/" }.Select(d => d + name).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} not found: install it (apt-get install {package})");

    /// <summary>Starts the peer and returns once it answers an SOA query, with AA, for every origin.</summary>
    public static Task<PeerProcess> StartAsync(string executable, IEnumerable<string> arguments, string directory, int port, IEnumerable<string> origins) =>
        StartAsync(executable, arguments, directory, new IPEndPoint(IPAddress.Loopback, port), origins);

    public static async Task<PeerProcess> StartAsync(string executable, IEnumerable<string> arguments, string directory, IPEndPoint endPoint, IEnumerable<string> origins)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var peer = new PeerProcess(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {executable}"), directory, endPoint);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            foreach (var origin in origins)
            {
                while (!await AnswersSoa(peer.EndPoint, origin))
                {
                    if (peer._process.HasExited || DateTime.UtcNow > deadline)
                        throw new InvalidOperationException($"{Path.GetFileName(executable)} did not serve {origin} within 15 s:\n{peer.Log}");
                    await Task.Delay(100);
                }
            }
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
        return peer;
    }

    private void Append(string? line)
    {
        if (line is not null)
            lock (_log) _log.AppendLine(line);
    }

    private static async Task<bool> AnswersSoa(IPEndPoint endPoint, string origin)
    {
        // A hand-made query: ID 0x4b4e, no flags, one question "origin SOA IN".
        var query = new List<byte> { 0x4B, 0x4E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in origin.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
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

    /// <summary>A port free for both UDP and TCP on every one of <paramref name="addresses"/> (loopback addresses of a test network).</summary>
    public static int FreePort(IReadOnlyList<IPAddress> addresses)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port = FreePort();
            var sockets = new List<Socket>();
            try
            {
                foreach (var address in addresses)
                {
                    var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(tcp);
                    tcp.Bind(new IPEndPoint(address, port));
                    var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    sockets.Add(udp);
                    udp.Bind(new IPEndPoint(address, port));
                }
                return port;
            }
            catch (SocketException)
            {
            }
            finally
            {
                foreach (var socket in sockets)
                    socket.Dispose();
            }
        }
        throw new InvalidOperationException("no port free on all the test addresses");
    }

    /// <summary>A loopback port free for both UDP and TCP.</summary>
    public static int FreePort()
    {
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
                // NSD forks its workers: end the whole tree.
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
