using System.Net;
using System.Text;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// knotd on a loopback port with TSIG keys: as a primary of zone files (transfers allowed to a key) or as
/// a secondary that pulls zones from a primary (DnsHost) and takes its NOTIFY.
/// </summary>
public static class KnotPeer
{
    public sealed record Key(string Name, string Algorithm, string Secret)
    {
        public string Kdig => $"{Algorithm}:{Name}:{Secret}";
    }

    public static async Task<PeerProcess> StartPrimaryAsync(IReadOnlyList<(string Origin, string ZoneFile)> zones, Key key)
    {
        var directory = PeerProcess.NewDirectory("knot-primary");
        int port = PeerProcess.FreePort();
        var config = Head(directory, port, key);
        config.AppendLine("acl:");
        config.AppendLine("  - id: transfer");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine($"    key: {key.Name}");
        config.AppendLine("    action: transfer");
        config.AppendLine("template:");
        config.AppendLine("  - id: default");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("    zonefile-sync: -1");
        config.AppendLine("    journal-content: none");
        config.AppendLine("    semantic-checks: off");
        config.AppendLine("    acl: transfer");
        config.AppendLine("zone:");
        foreach (var (origin, file) in zones)
        {
            config.AppendLine($"  - domain: \"{origin}\"");
            config.AppendLine($"    file: \"{Path.GetFullPath(file)}\"");
        }
        return await StartAsync(directory, port, config, zones.Select(z => z.Origin));
    }

    /// <summary>
    /// A primary of one zone file with a journal (so it answers IXFR), changed through <see cref="KnotcAsync"/>, that sends
    /// NOTIFY, signed with the key, to <paramref name="notify"/> (a DnsHost secondary). Transfers need the key.
    /// </summary>
    /// <param name="requestStats">Loads mod-stats with request-protocol counters (see <see cref="RequestsAsync"/>).</param>
    public static async Task<PeerProcess> StartJournaledPrimaryAsync(string origin, string zoneFile, Key key, IPEndPoint? notify, int? port = null, bool journal = true,
        bool requestStats = false)
    {
        var directory = PeerProcess.NewDirectory("knot-journaled-primary");
        port ??= PeerProcess.FreePort();
        var config = Head(directory, port.Value, key);
        if (notify is not null)
        {
            config.AppendLine("remote:");
            config.AppendLine("  - id: secondary");
            config.AppendLine($"    address: {notify.Address}@{notify.Port}");
            config.AppendLine($"    key: {key.Name}");
        }
        config.AppendLine("acl:");
        config.AppendLine("  - id: transfer");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine($"    key: {key.Name}");
        config.AppendLine("    action: transfer");
        if (requestStats)
        {
            config.AppendLine("mod-stats:");
            config.AppendLine("  - id: default");
            config.AppendLine("    request-protocol: on");
        }
        config.AppendLine("template:");
        config.AppendLine("  - id: default");
        if (requestStats)
            config.AppendLine("    global-module: mod-stats");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("    zonefile-sync: -1");
        config.AppendLine($"    journal-content: {(journal ? "changes" : "none")}");
        config.AppendLine("    semantic-checks: off");
        config.AppendLine("    acl: transfer");
        if (notify is not null)
            config.AppendLine("    notify: secondary");
        config.AppendLine("zone:");
        config.AppendLine($"  - domain: \"{origin}\"");
        config.AppendLine($"    file: \"{Path.GetFullPath(zoneFile)}\"");
        return await StartAsync(directory, port.Value, config, [origin]);
    }

    /// <summary>Runs knotc against a Knot started here (e.g. zone-begin, zone-set, zone-commit); fails the test when knotc does.</summary>
    public static async Task KnotcAsync(PeerProcess knot, params string[] arguments)
    {
        var result = await DnsTool.RunAsync("knotc", ["-c", Path.Combine(knot.WorkDirectory, "knot.conf"), .. arguments]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"knotc {string.Join(' ', arguments)} failed: {result.All}\n{knot.Log}");
    }

    /// <summary>Requests Knot has received over UDP and over TCP (IPv4) since it started (mod-stats, <c>requestStats: true</c>).</summary>
    public static async Task<(long Udp, long Tcp)> RequestsAsync(PeerProcess knot)
    {
        var result = await DnsTool.RunAsync("knotc", ["-c", Path.Combine(knot.WorkDirectory, "knot.conf"), "stats", "mod-stats.request-protocol"]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"knotc stats failed: {result.All}");
        long Count(string protocol) =>
            result.Output.Split('\n').Where(l => l.Contains($"[{protocol}]")).Select(l => long.Parse(l.Split('=')[1].Trim())).FirstOrDefault();
        return (Count("udp4"), Count("tcp4"));
    }

    /// <summary>A secondary of <paramref name="primary"/> for the zones, signed with the key; it accepts NOTIFY from 127.0.0.0/8.</summary>
    public static async Task<PeerProcess> StartSecondaryAsync(IReadOnlyList<string> origins, IPEndPoint primary, Key key, int? port = null, bool waitForZones = true)
    {
        var directory = PeerProcess.NewDirectory("knot-secondary");
        port ??= PeerProcess.FreePort();
        var config = Head(directory, port.Value, key);
        config.AppendLine("remote:");
        config.AppendLine("  - id: primary");
        config.AppendLine($"    address: {primary.Address}@{primary.Port}");
        config.AppendLine($"    key: {key.Name}");
        config.AppendLine("acl:");
        config.AppendLine("  - id: notify");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine($"    key: {key.Name}");
        config.AppendLine("    action: notify");
        config.AppendLine("  - id: transfer");
        config.AppendLine("    address: 127.0.0.0/8");
        config.AppendLine("    action: transfer");
        config.AppendLine("template:");
        config.AppendLine("  - id: default");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("    zonefile-sync: -1");
        config.AppendLine("    zonefile-load: none");
        config.AppendLine("    journal-content: changes");
        config.AppendLine("    semantic-checks: off");
        config.AppendLine("    master: primary");
        config.AppendLine("    acl: [notify, transfer]");
        config.AppendLine("zone:");
        foreach (var origin in origins)
            config.AppendLine($"  - domain: \"{origin}\"");
        return await StartAsync(directory, port.Value, config, waitForZones ? origins : []);
    }

    private static StringBuilder Head(string directory, int port, Key key)
    {
        var config = new StringBuilder();
        config.AppendLine("server:");
        config.AppendLine($"    rundir: \"{directory}\"");
        config.AppendLine($"    listen: 127.0.0.1@{port}");
        config.AppendLine("    background-workers: 1");
        config.AppendLine("database:");
        config.AppendLine($"    storage: \"{directory}\"");
        config.AppendLine("key:");
        config.AppendLine($"  - id: {key.Name}");
        config.AppendLine($"    algorithm: {key.Algorithm}");
        config.AppendLine($"    secret: {key.Secret}");
        config.AppendLine("log:");
        config.AppendLine("  - target: stderr");
        config.AppendLine("    any: info");
        return config;
    }

    private static async Task<PeerProcess> StartAsync(string directory, int port, StringBuilder config, IEnumerable<string> origins)
    {
        var knotd = PeerProcess.FindExecutable("knotd", "knot");
        var path = Path.Combine(directory, "knot.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        return await PeerProcess.StartAsync(knotd, ["-c", path], directory, port, origins);
    }
}
