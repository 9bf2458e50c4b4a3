using System.Net;
using System.Text;

namespace DnsHost.Tests.Peers;

/// <summary>NSD serving the given zone files on a loopback port; needs the Debian package "nsd".</summary>
public static class NsdServer
{
    /// <param name="address">A loopback address other than 127.0.0.1 (a server of a test hierarchy), with <paramref name="port"/>.</param>
    public static async Task<PeerProcess> StartAsync(IReadOnlyList<(string Origin, string ZoneFilePath)> zones, IPAddress? address = null, int? port = null)
    {
        var nsd = PeerProcess.FindExecutable("nsd", "nsd");
        var directory = PeerProcess.NewDirectory("nsd");
        address ??= IPAddress.Loopback;
        port ??= PeerProcess.FreePort();
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine($"    ip-address: {address}");
        config.AppendLine($"    port: {port}");
        config.AppendLine("    server-count: 1");
        config.AppendLine("    username: \"\"");
        // NSD reads a relative $INCLUDE from its working directory: the folder of the zone files.
        var zonesDirectory = zones.Select(z => Path.GetDirectoryName(Path.GetFullPath(z.ZoneFilePath))).Distinct().Count() == 1
            ? Path.GetDirectoryName(Path.GetFullPath(zones[0].ZoneFilePath))! : directory;
        config.AppendLine($"    zonesdir: \"{zonesDirectory}\"");
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
        return await PeerProcess.StartAsync(nsd, ["-d", "-c", configPath], directory, new IPEndPoint(address, port.Value), zones.Select(z => z.Origin));
    }
}
