using System.Net;
using System.Text;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Transfers;

/// <summary>BIND 9 (named, in the foreground) on a loopback port as a TSIG primary of one zone file.</summary>
public static class BindPeer
{
    /// <summary>
    /// A primary of <paramref name="zoneFile"/> (copied into its folder): transfers need the key, changes are found by
    /// comparing the reloaded file (ixfr-from-differences, so it answers IXFR), and NOTIFY, signed, goes to <paramref name="notify"/>.
    /// </summary>
    public static async Task<PeerProcess> StartPrimaryAsync(string origin, string zoneFile, KnotPeer.Key key, IPEndPoint notify, int port)
    {
        var named = PeerProcess.FindExecutable("named", "bind9");
        var directory = PeerProcess.NewDirectory("bind-primary");
        File.Copy(zoneFile, Path.Combine(directory, origin + ".zone"));
        var config = new StringBuilder();
        config.AppendLine("options {");
        config.AppendLine($"    directory \"{directory}\";");
        config.AppendLine($"    pid-file \"{directory}/named.pid\";");
        config.AppendLine($"    session-keyfile \"{directory}/session.key\";");
        config.AppendLine($"    managed-keys-directory \"{directory}\";");
        config.AppendLine($"    listen-on port {port} {{ 127.0.0.1; }};");
        config.AppendLine("    listen-on-v6 { none; };");
        config.AppendLine("    recursion no;");
        config.AppendLine("    dnssec-validation no;");
        config.AppendLine("    notify explicit;");
        config.AppendLine($"    also-notify {{ {notify.Address} port {notify.Port} key \"{key.Name}\"; }};");
        config.AppendLine($"    allow-transfer {{ key \"{key.Name}\"; }};");
        config.AppendLine("    ixfr-from-differences yes;");
        config.AppendLine("};");
        config.AppendLine($"key \"{key.Name}\" {{ algorithm {key.Algorithm}; secret \"{key.Secret}\"; }};");
        config.AppendLine("controls { };");
        config.AppendLine($"zone \"{origin}\" {{ type primary; file \"{origin}.zone\"; }};");
        var path = Path.Combine(directory, "named.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        return await PeerProcess.StartAsync(named, ["-g", "-n", "1", "-c", path], directory, port, [origin]);
    }

    /// <summary>Replaces the zone file and makes named reread it (SIGHUP), which computes the difference and sends NOTIFY.</summary>
    public static async Task ReloadAsync(PeerProcess bind, string origin, string text)
    {
        var path = Path.Combine(bind.WorkDirectory, origin + ".zone");
        var loaded = File.GetLastWriteTimeUtc(path);
        await File.WriteAllTextAsync(path, text);
        // named reloads a file whose modification time moved on; make sure it did, even within the same second.
        if (File.GetLastWriteTimeUtc(path) < loaded.AddSeconds(1))
            File.SetLastWriteTimeUtc(path, loaded.AddSeconds(1));
        var pid = (await File.ReadAllTextAsync(Path.Combine(bind.WorkDirectory, "named.pid"))).Trim();
        var result = await DnsTool.RunAsync("kill", ["-HUP", pid]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"kill -HUP {pid}: {result.All}");
    }
}
