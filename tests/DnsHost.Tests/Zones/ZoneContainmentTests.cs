using System.Text;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Tests.Zones;

/// <summary>
/// Issue 16's zone-folder attacks, each reproduced first: a problem in one zone's sources stays in that
/// zone (logged with file and line, its last good version keeps serving, the other zones keep serving,
/// nothing throws out of a reload, at start either).
/// </summary>
[Trait("Kind", "Integration")]
public sealed class ZoneContainmentTests : IDisposable
{
    private sealed class Captured : ILogger<ZoneDirectoryService>
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
                Lines.Add((logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
        }

        public string All
        {
            get
            {
                lock (Lines)
                    return string.Join("\n", Lines.Select(l => l.Message));
            }
        }
    }

    private readonly TestZones _zones = new();
    private readonly Captured _log = new();
    private readonly ZoneRegistry _registry = new();

    public void Dispose() => _zones.Dispose();

    private static string Head(string origin, uint serial = 1) =>
        $"$ORIGIN {origin}.\n$TTL 60\n@ IN SOA ns h {serial} 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.53\n";

    private ZoneDirectoryService Start(ZoneOptions? options = null)
    {
        options ??= new ZoneOptions();
        options.Directory = _zones.Directory;
        options.Watch = false;
        var service = new ZoneDirectoryService(_registry, Options.Create(options), RoutingEnvironment.Default, Options.Create(new RoutingOptions()), _log);
        service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return service;
    }

    private string[] Served => [.. _registry.Current.AllZones.Select(z => z.OriginText.TrimEnd('.')).Order(StringComparer.Ordinal)];

    private Zone? ServedZone(string origin) => _registry.Current.AllZones.SingleOrDefault(z => z.OriginText.TrimEnd('.') == origin);

    [Fact]
    public void A_nul_byte_in_an_include_path_fails_that_zone_at_start_and_on_reload_and_the_others_serve()
    {
        _zones.Write("good.test.zone", Head("good.test"));
        var bad = _zones.Write("bad.test.zone", Head("bad.test"));
        using var service = Start();
        Assert.Equal(["bad.test", "good.test"], Served);

        File.WriteAllText(bad, Head("bad.test", 2) + "$INCLUDE \"a\\000b\"\n");
        service.ReloadAll("SIGHUP");
        service.ReloadFiles([bad], "file change");
        Assert.Equal(["bad.test", "good.test"], Served);
        Assert.Equal(1u, ServedZone("bad.test")!.Serial);
        Logged("bad.test.zone:6");

        // At start the zone is not served and the process goes on.
        var fresh = new ZoneContainmentTests();
        try
        {
            fresh._zones.Write("good.test.zone", Head("good.test"));
            fresh._zones.Write("bad.test.zone", Head("bad.test") + "$INCLUDE \"a\\000b\"\n$INCLUDE a\0b\n");
            using var second = fresh.Start();
            Assert.Equal(["good.test"], fresh.Served);
            fresh.Logged("bad.test.zone:6");
        }
        finally
        {
            fresh.Dispose();
        }
    }

    [Fact]
    public void A_line_longer_than_the_limit_stops_that_zone_with_file_and_line_and_does_not_buffer_it()
    {
        _zones.Write("good.test.zone", Head("good.test"));
        // A 64 MiB line of one token with the limit at 1 MiB: the load stops at the limit instead of holding the line.
        var path = Path.Combine(_zones.Directory, "long.test.zone");
        using (var file = File.Create(path))
        {
            file.Write(Encoding.ASCII.GetBytes(Head("long.test") + "txt IN TXT "));
            var chunk = new byte[1 << 20];
            chunk.AsSpan().Fill((byte)'a');
            for (int i = 0; i < 64; i++)
                file.Write(chunk);
            file.Write("\n"u8);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var service = Start(new ZoneOptions { MaxLineLength = 1 << 20 });
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(["good.test"], Served);
        Logged("long.test.zone:6: the line is longer than 1048576 bytes (Zones:MaxLineLength)");
        Assert.True(allocated < 32L << 20, $"allocated {allocated} bytes for a 64 MiB line");
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_before_it_is_read()
    {
        _zones.Write("good.test.zone", Head("good.test"));
        _zones.Write("big.test.zone", Head("big.test") + string.Concat(Enumerable.Range(0, 2000).Select(i => $"h{i} IN A 192.0.2.1\n")));
        using var service = Start(new ZoneOptions { MaxFileBytes = 16 * 1024 });
        Assert.Equal(["good.test"], Served);
        Logged("big.test.zone");
        Logged("(Zones:MaxFileBytes)");
    }

    [Fact]
    public void An_include_fan_out_bomb_stops_at_the_include_limit_and_the_other_zones_serve()
    {
        _zones.Write("good.test.zone", Head("good.test"));
        // Eight levels of ten includes each, within the depth limit: 10^8 copies of the leaf if nothing stops it.
        _zones.Write("l8.inc", string.Concat(Enumerable.Range(0, 20).Select(i => $"x{i} IN A 192.0.2.1\n")));
        for (int level = 7; level >= 1; level--)
            _zones.Write($"l{level}.inc", string.Concat(Enumerable.Repeat($"$INCLUDE l{level + 1}.inc\n", 10)));
        _zones.Write("bomb.test.zone", Head("bomb.test") + string.Concat(Enumerable.Repeat("$INCLUDE l1.inc\n", 10)));
        using var service = Start();
        Assert.Equal(["good.test"], Served);
        Logged("(Zones:MaxIncludes)");
    }

    [Fact]
    public void The_total_size_of_a_zone_across_includes_is_capped()
    {
        _zones.Write("part.inc", string.Concat(Enumerable.Range(0, 200).Select(i => $"p{i} IN A 192.0.2.1\n")));
        _zones.Write("sum.test.zone", Head("sum.test") + string.Concat(Enumerable.Repeat("$INCLUDE part.inc\n", 20)));
        using var service = Start(new ZoneOptions { MaxZoneBytes = 32 * 1024 });
        Assert.Empty(Served);
        Logged("(Zones:MaxZoneBytes)");
    }

    [Fact]
    public void A_zone_over_the_record_limit_is_not_served()
    {
        _zones.Write("many.test.zone", Head("many.test") + "$GENERATE 1-500 h$ A 192.0.2.1\n");
        using var service = Start(new ZoneOptions { MaxRecords = 100 });
        Assert.Empty(Served);
        Logged("more than 100 records (Zones:MaxRecords)");
    }

    [Fact]
    public async Task A_named_pipe_as_a_zone_file_or_an_include_is_refused_without_blocking_a_reload()
    {
        if (OperatingSystem.IsWindows())
            return;
        _zones.Write("good.test.zone", Head("good.test"));
        var inc = _zones.Write("inc.test.zone", Head("inc.test") + "$INCLUDE pipe.inc\n");
        using var service = Start();
        Mkfifo(Path.Combine(_zones.Directory, "fifo.test.zone"));
        Mkfifo(Path.Combine(_zones.Directory, "pipe.inc"));
        var newZone = _zones.Write("new.test.zone", Head("new.test"));

        // Each reload would hang on open() if it opened the pipe for reading; a timeout turns a hang into a failure.
        var sighup = Task.Run(() => service.ReloadAll("SIGHUP"));
        Assert.True(await Task.WhenAny(sighup, Task.Delay(TimeSpan.FromSeconds(60))) == sighup, "the SIGHUP reload blocked on a named pipe");
        await sighup;
        var change = Task.Run(() => service.ReloadFiles([Path.Combine(_zones.Directory, "fifo.test.zone"), newZone, inc], "file change"));
        Assert.True(await Task.WhenAny(change, Task.Delay(TimeSpan.FromSeconds(60))) == change, "the file reload blocked on a named pipe");
        await change;
        Assert.Equal(["good.test", "new.test"], Served);
        Logged("fifo.test.zone: not a regular file (a named pipe)");
        Logged("not a regular file (a named pipe)");
    }

    [Fact]
    public void A_device_as_an_include_is_refused()
    {
        if (OperatingSystem.IsWindows())
            return;
        _zones.Write("dev.test.zone", Head("dev.test") + "$INCLUDE zero.inc\n");
        File.CreateSymbolicLink(Path.Combine(_zones.Directory, "zero.inc"), "/dev/zero");
        using var service = Start(new ZoneOptions { IncludeOutsideFolder = true });
        Assert.Empty(Served);
        Logged("not a regular file (a device)");
    }

    [Fact]
    public void An_include_outside_the_zones_folder_is_refused_and_nothing_it_holds_is_logged()
    {
        if (OperatingSystem.IsWindows())
            return;
        var outside = Path.Combine(Path.GetTempPath(), "dnshost-outside-" + Guid.NewGuid().ToString("N") + ".inc");
        File.WriteAllText(outside, "root:SECRET-FIRST-LINE:0:0::/root:/bin/sh\n");
        try
        {
            _zones.Write("abs.test.zone", Head("abs.test") + $"$INCLUDE {outside}\n");
            _zones.Write("dots.test.zone", Head("dots.test") + $"$INCLUDE ../{Path.GetFileName(outside)}\n");
            _zones.Write("etc.test.zone", Head("etc.test") + "$INCLUDE /etc/passwd\n");
            File.CreateSymbolicLink(Path.Combine(_zones.Directory, "link.inc"), outside);
            _zones.Write("link.test.zone", Head("link.test") + "$INCLUDE link.inc\n");
            using var service = Start();
            Assert.Empty(Served);
            foreach (var zone in new[] { "abs", "dots", "etc", "link" })
                Logged($"{zone}.test.zone:6:10: $INCLUDE");
            Logged("the file is outside the zones folder; not read (Zones:IncludeOutsideFolder)");
            Assert.DoesNotContain("SECRET", _log.All);
            Assert.DoesNotContain("root:", _log.All);

            // Allowed by the setting, the include is read, but its content still never reaches the log.
            var allowed = new ZoneContainmentTests();
            try
            {
                allowed._zones.Write("abs.test.zone", Head("abs.test") + $"$INCLUDE {outside}\n");
                using var second = allowed.Start(new ZoneOptions { IncludeOutsideFolder = true });
                Assert.Empty(allowed.Served);
                allowed.Logged(Path.GetFileName(outside) + ":1");
                Assert.DoesNotContain("SECRET", allowed._log.All);
                Assert.DoesNotContain("root:", allowed._log.All);
            }
            finally
            {
                allowed.Dispose();
            }
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public void An_include_inside_the_folder_still_loads()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(_zones.Directory, "sub"));
        _zones.Write("sub/hosts.inc", "www IN A 192.0.2.80\n");
        _zones.Write("ok.test.zone", Head("ok.test") + "$INCLUDE sub/hosts.inc\n");
        using var service = Start();
        Assert.Equal(["ok.test"], Served);
        Assert.Contains(ServedZone("ok.test")!.Records, r => r.Type == 1 && r.RData.SequenceEqual(new byte[] { 192, 0, 2, 80 }));
    }

    [Fact]
    public void A_txt_record_over_65535_bytes_of_rdata_is_an_error_with_file_and_line_not_a_truncated_answer()
    {
        // 300 strings of 255 bytes: 76,800 bytes of RDATA.
        string strings = string.Join(" ", Enumerable.Repeat("\"" + new string('t', 255) + "\"", 300));
        _zones.Write("txt.test.zone", Head("txt.test") + "big IN TXT " + strings + "\n");
        using var service = Start();
        Assert.Empty(Served);
        Logged("txt.test.zone:6:");
        Logged("TXT needs one or more character strings: the RDATA is longer than 65535 octets");
    }

    [Fact]
    public void An_error_in_a_nested_include_names_the_file_it_is_in()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(_zones.Directory, "sub"));
        _zones.Write("sub/inner.inc", "www IN A 192.0.2.1\nbad IN A not-an-address\n");
        _zones.Write("sub/outer.inc", "$INCLUDE sub/inner.inc\n");
        _zones.Write("nest.test.zone", Head("nest.test") + "$INCLUDE sub/outer.inc\n");
        using var service = Start();
        Assert.Empty(Served);
        string folder = Path.GetFileName(_zones.Directory);
        Logged($"{Path.Combine(folder, "sub", "inner.inc")}:2:");
        Assert.DoesNotContain(Path.Combine("sub", "sub"), _log.All);
    }

    [Fact]
    public void Warnings_of_one_zone_are_capped_and_counted()
    {
        // 5,000 simple record sets that name a health check: one warning each without a cap.
        var sets = string.Join(",\n", Enumerable.Range(0, 5000).Select(i =>
            $$"""{ "Name": "w{{i}}.warn.test.", "Type": "A", "TTL": 60, "HealthCheckId": "hc-{{i}}", "ResourceRecords": [ { "Value": "192.0.2.1" } ] }"""));
        _zones.Write("warn.test.json", $$"""{ "HostedZone": { "Name": "warn.test." }, "ResourceRecordSets": [ {{sets}} ] }""");
        using var service = Start();
        Assert.Equal(["warn.test"], Served);
        int warnings = _log.Lines.Count(l => l.Level == LogLevel.Warning);
        Assert.True(warnings <= 101, $"{warnings} warning lines");
        Assert.Contains(_log.Lines, l => l.Message.Contains("more warnings not shown", StringComparison.Ordinal));
    }

    /// <summary>Asserts a log line holds <paramref name="text"/>, showing the whole log when none does.</summary>
    private void Logged(string text) => Assert.True(_log.All.Contains(text, StringComparison.Ordinal), $"not logged: {text}\n--- log:\n{_log.All}");

    private static void Mkfifo(string path)
    {
        using var process = System.Diagnostics.Process.Start("mkfifo", [path])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
