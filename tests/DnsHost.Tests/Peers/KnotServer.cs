using System.Net;
using System.Text;

namespace DnsHost.Tests.Peers;

/// <summary>Knot DNS (knotd) serving the given zone files on a loopback port; needs the Debian package "knot".</summary>
public static class KnotServer
{
    /// <param name="address">A loopback address other than 127.0.0.1 (a server of a test hierarchy), with <paramref name="port"/>.</param>
    /// <param name="modules">Module sections of knot.conf (e.g. "mod-cookies:\n  - id: default\n"), each module's "default" loaded globally.</param>
    public static async Task<PeerProcess> StartAsync(IReadOnlyList<(string Origin, string ZoneFilePath)> zones, IPAddress? address = null, int? port = null, string? modules = null)
    {
        var knotd = PeerProcess.FindExecutable("knotd", "knot");
        var directory = PeerProcess.NewDirectory("knot");
        address ??= IPAddress.Loopback;
        port ??= PeerProcess.FreePort();
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine($"    rundir: \"{directory}\"");
        config.AppendLine($"    listen: {address}@{port}");
        config.AppendLine("    background-workers: 1");
        config.AppendLine("database:");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("acl:");
        config.AppendLine("  - id: local_transfer");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine("    action: transfer");
        var moduleNames = modules is null ? [] : System.Text.RegularExpressions.Regex.Matches(modules, @"^(mod-[a-z]+):", System.Text.RegularExpressions.RegexOptions.Multiline).Select(m => m.Groups[1].Value + "/default").ToList();
        if (modules is not null)
            config.Append(modules);
        config.AppendLine("template:");
        config.AppendLine("  - id: default");
        if (moduleNames.Count > 0)
            config.AppendLine($"    global-module: [{string.Join(", ", moduleNames)}]");
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
        await File.WriteAllTextAsync(configPath, config.ToString());
        return await PeerProcess.StartAsync(knotd, ["-c", configPath], directory, new IPEndPoint(address, port.Value), zones.Select(z => z.Origin));
    }
}
