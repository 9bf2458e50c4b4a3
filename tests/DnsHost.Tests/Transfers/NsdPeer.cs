using System.Text;
using System.Net;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Transfers;

/// <summary>NSD on a loopback port as a TSIG secondary of a primary (DnsHost): request-xfr and allow-notify with the key.</summary>
public static class NsdPeer
{
    public static async Task<PeerProcess> StartSecondaryAsync(IReadOnlyList<string> origins, IPEndPoint primary, KnotPeer.Key key, int port)
    {
        var nsd = PeerProcess.FindExecutable("nsd", "nsd");
        var directory = PeerProcess.NewDirectory("nsd-secondary");
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
        config.AppendLine($"    xfrdir: \"{directory}\"");
        config.AppendLine("    rrl-ratelimit: 0");
        config.AppendLine("    minimal-responses: yes");
        config.AppendLine("remote-control:");
        config.AppendLine("    control-enable: no");
        config.AppendLine("key:");
        config.AppendLine($"    name: \"{key.Name}\"");
        config.AppendLine($"    algorithm: {key.Algorithm}");
        config.AppendLine($"    secret: \"{key.Secret}\"");
        foreach (var origin in origins)
        {
            config.AppendLine("zone:");
            config.AppendLine($"    name: \"{origin}\"");
            config.AppendLine($"    zonefile: \"{origin}.zone\"");
            config.AppendLine($"    request-xfr: {primary.Address}@{primary.Port} {key.Name}");
            config.AppendLine($"    allow-notify: 127.0.0.0/8 {key.Name}");
            config.AppendLine("    provide-xfr: 127.0.0.0/8 NOKEY");
        }
        var path = Path.Combine(directory, "nsd.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        return await PeerProcess.StartAsync(nsd, ["-d", "-c", path], directory, port, origins);
    }

    /// <summary>NSD as a primary of one zone file: transfers need the key; NOTIFY, signed, goes to <paramref name="notify"/> on every load.</summary>
    public static async Task<PeerProcess> StartPrimaryAsync(string origin, string zoneFile, KnotPeer.Key key, IPEndPoint notify, int port)
    {
        var nsd = PeerProcess.FindExecutable("nsd", "nsd");
        var directory = PeerProcess.NewDirectory("nsd-primary");
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
        config.AppendLine($"    xfrdir: \"{directory}\"");
        config.AppendLine("    rrl-ratelimit: 0");
        config.AppendLine("remote-control:");
        config.AppendLine("    control-enable: no");
        config.AppendLine("key:");
        config.AppendLine($"    name: \"{key.Name}\"");
        config.AppendLine($"    algorithm: {key.Algorithm}");
        config.AppendLine($"    secret: \"{key.Secret}\"");
        config.AppendLine("zone:");
        config.AppendLine($"    name: \"{origin}\"");
        config.AppendLine($"    zonefile: \"{Path.GetFullPath(zoneFile)}\"");
        config.AppendLine($"    provide-xfr: 127.0.0.0/8 {key.Name}");
        config.AppendLine($"    notify: {notify.Address}@{notify.Port} {key.Name}");
        var path = Path.Combine(directory, "nsd.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        return await PeerProcess.StartAsync(nsd, ["-d", "-c", path], directory, port, [origin]);
    }

    /// <summary>Makes NSD reread its zone files (SIGHUP to the process whose id is in its pid file).</summary>
    public static async Task ReloadAsync(PeerProcess nsd)
    {
        var pid = (await File.ReadAllTextAsync(Path.Combine(nsd.WorkDirectory, "nsd.pid"))).Trim();
        var result = await DnsTool.RunAsync("kill", ["-HUP", pid]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"kill -HUP {pid}: {result.All}");
    }
}
