using System.Globalization;
using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>/metrics tells which build runs and what the process uses: CPU, memory, descriptors and sockets, collections.</summary>
[Trait("Kind", "Integration")]
public sealed class ProcessMetricsTests
{
    private static double Value(string text, string name)
    {
        var match = Regex.Match(text, "^" + Regex.Escape(name) + @"(?:\{[^}]*\})? ([0-9.eE+-]+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} missing from /metrics");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_carry_the_build_version_cpu_memory_descriptors_sockets_and_collections()
    {
        using var zones = new TestZones().CopySamples();
        await using var server = await RunningServer.StartAsync(zones.Directory);
        using var http = new HttpClient { BaseAddress = server.ApiBase };
        var text = await http.GetStringAsync("/metrics");

        Assert.Matches(new Regex("^dnshost_build_info\\{version=\"[^\"]+\",runtime=\"10\\.[^\"]+\"\\} 1$", RegexOptions.Multiline), text);
        Assert.True(Value(text, "process_cpu_seconds_total") > 0);
        Assert.True(Value(text, "process_resident_memory_bytes") > 1_000_000);
        Assert.True(Value(text, "process_start_time_seconds") > 1_700_000_000);
        // The server holds at least its UDP and TCP DNS sockets and the HTTP listener.
        Assert.True(Value(text, "dnshost_open_sockets") >= 3);
        Assert.True(Value(text, "process_open_fds") >= Value(text, "dnshost_open_sockets"));
        Assert.Contains("# TYPE dnshost_gc_collections_total counter", text);
        Assert.True(Value(text, "dnshost_gc_collections_total") >= 0);
    }
}
