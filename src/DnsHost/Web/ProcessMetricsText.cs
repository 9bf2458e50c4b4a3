using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace DnsHost.Web;

/// <summary>
/// The process's part of /metrics, under the names Prometheus client libraries use for any process
/// (<c>process_*</c>), plus <c>dnshost_build_info</c> with the version, so a dashboard can tell which
/// build answered.
/// </summary>
public static class ProcessMetricsText
{
    public static readonly string Version =
        typeof(ProcessMetricsText).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ProcessMetricsText).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static void Append(StringBuilder text)
    {
        void Header(string name, string type, string help) => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        Header("dnshost_build_info", "gauge", "Always 1; the labels say which build and runtime run.");
        text.Append($"dnshost_build_info{{version=\"{Version.Replace("\"", "", StringComparison.Ordinal)}\",runtime=\"{Environment.Version}\"}} 1\n");

        using var process = Process.GetCurrentProcess();
        Header("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
        text.Append($"process_cpu_seconds_total {F(process.TotalProcessorTime.TotalSeconds)}\n");
        Header("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.");
        text.Append($"process_resident_memory_bytes {process.WorkingSet64}\n");
        Header("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
        text.Append($"process_start_time_seconds {F(new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0)}\n");

        // Linux only: /proc/self/fd lists every open descriptor; sockets are the links to "socket:[inode]".
        if (OpenDescriptors() is var (all, sockets))
        {
            Header("process_open_fds", "gauge", "Open file descriptors.");
            text.Append($"process_open_fds {all}\n");
            Header("dnshost_open_sockets", "gauge", "Open sockets (file descriptors that are sockets).");
            text.Append($"dnshost_open_sockets {sockets}\n");
        }
    }

    private static (int All, int Sockets)? OpenDescriptors()
    {
        const string folder = "/proc/self/fd";
        if (!Directory.Exists(folder))
            return null;
        int all = 0, sockets = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            all++;
            try
            {
                if (new FileInfo(entry).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                    sockets++;
            }
            catch (IOException)
            {
                // Closed between the listing and the look: it no longer counts anyway.
            }
        }
        return (all, sockets);
    }
}
