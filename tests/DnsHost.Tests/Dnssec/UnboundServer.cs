using System.Net;
using System.Text;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Dnssec;

/// <summary>Unbound (Debian package "unbound") as the reference validating resolver, on a loopback port.</summary>
internal static class UnboundServer
{
    /// <param name="stubs">Zone to its server (address@port): Unbound cannot iterate to a port other than 53, so every zone of a test hierarchy is a stub.</param>
    /// <param name="forwarder">Instead of stubs: forward everything to this resolver.</param>
    public static async Task<PeerProcess> StartAsync(string trustAnchorFile, IReadOnlyList<(string Zone, string Address)> stubs, string? forwarder = null, bool validate = true)
    {
        var unbound = PeerProcess.FindExecutable("unbound", "unbound");
        var directory = PeerProcess.NewDirectory("unbound");
        int port = PeerProcess.FreePort();
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine("    interface: 127.0.0.1");
        config.AppendLine($"    port: {port}");
        config.AppendLine("    username: \"\"");
        config.AppendLine("    chroot: \"\"");
        config.AppendLine($"    directory: \"{directory}\"");
        config.AppendLine($"    pidfile: \"{directory}/unbound.pid\"");
        config.AppendLine("    use-syslog: no");
        config.AppendLine("    logfile: \"\"");
        config.AppendLine("    verbosity: 0");
        config.AppendLine("    num-threads: 1");
        config.AppendLine("    do-not-query-localhost: no");
        config.AppendLine("    access-control: 127.0.0.0/8 allow");
        config.AppendLine("    ede: yes");
        config.AppendLine("    val-log-level: 0");
        config.AppendLine("    qname-minimisation: yes");
        config.AppendLine("    aggressive-nsec: yes");
        config.AppendLine("    module-config: \"" + (validate ? "validator iterator" : "iterator") + "\"");
        if (validate)
            config.AppendLine($"    trust-anchor-file: \"{trustAnchorFile}\"");
        config.AppendLine("remote-control:");
        config.AppendLine("    control-enable: no");
        if (forwarder is not null)
        {
            config.AppendLine("forward-zone:");
            config.AppendLine("    name: \".\"");
            config.AppendLine($"    forward-addr: {forwarder}");
        }
        foreach (var (zone, address) in stubs)
        {
            config.AppendLine("stub-zone:");
            config.AppendLine($"    name: \"{zone}\"");
            config.AppendLine($"    stub-addr: {address}");
        }
        var path = Path.Combine(directory, "unbound.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        var peer = await PeerProcess.StartAsync(unbound, ["-d", "-c", path], directory, new IPEndPoint(IPAddress.Loopback, port), []);
        // Ready once it answers anything on its port.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await Answers(peer.EndPoint))
        {
            if (DateTime.UtcNow > deadline)
            {
                await peer.DisposeAsync();
                throw new InvalidOperationException($"unbound did not answer within 15 s:\n{peer.Log}");
            }
            await Task.Delay(100);
        }
        return peer;
    }

    private static async Task<bool> Answers(IPEndPoint endPoint)
    {
        // "localhost. A" with RD: Unbound answers it from its own local zone.
        byte[] query = [0x4B, 0x4E, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, .. "localhost"u8, 0, 0, 1, 0, 1];
        using var udp = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
        udp.Connect(endPoint);
        await udp.SendAsync(query);
        using var cts = new CancellationTokenSource(300);
        try
        {
            return (await udp.ReceiveAsync(cts.Token)).Buffer.Length >= 12;
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
