using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>The dnshost executable as a user runs it: its verbs, signals, exit codes and messages.</summary>
public sealed partial class ProcessTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private static string DnsHostDll => Path.Combine(AppContext.BaseDirectory, "dnshost.dll");

    public void Dispose() => _zones.Dispose();

    /// <summary>
    /// Starts dnshost as <c>nohup</c> would, with SIGHUP ignored, whatever state the test runner is in:
    /// an ignored signal is inherited through exec, and the server must reload on SIGHUP all the same.
    /// </summary>
    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var shell in new[] { "-c", "trap '' HUP; exec \"$@\"", "sh", "dotnet" })
            info.ArgumentList.Add(shell);
        info.ArgumentList.Add(DnsHostDll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static async Task<(int Code, string Out, string Err)> RunToEnd(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>A started dnshost that is killed when the test ends, passed or failed, so a failure leaves no server running.</summary>
    private sealed class Owned(Process process) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
            process.Dispose();
        }
    }

    /// <summary>Sends a signal with the shell's built-in kill, which needs no extra package.</summary>
    private static void Signal(Process process, string signal) =>
        Process.Start("/bin/sh", ["-c", $"kill -{signal} {process.Id}"])!.WaitForExit();

    [GeneratedRegex(@"on port (\d+)")]
    private static partial Regex PortLine();

    /// <summary>Starts "serve" on port 0 and reads the bound port from the log.</summary>
    private static async Task<(Process Process, int Port, Func<string> Log)> Serve(string zones, params string[] extra)
    {
        var p = Start(["serve", "--zones", zones, "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0", "--data", Path.Combine(zones, "api.db"), .. extra]);
        var log = new System.Text.StringBuilder();
        var portFound = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            var m = PortLine().Match(e.Data);
            if (m.Success) portFound.TrySetResult(int.Parse(m.Groups[1].Value));
        };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var done = await Task.WhenAny(portFound.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != portFound.Task)
        {
            p.Kill();
            throw new TimeoutException("dnshost did not report its port: " + log);
        }
        return (p, portFound.Task.Result, () => { lock (log) return log.ToString(); });
    }

    private static async Task<TestResponse?> Query(int port, string name, RecordType type)
    {
        using var udp = new UdpClient();
        udp.Connect("127.0.0.1", port);
        await udp.SendAsync(TestQuery.Build(name, type));
        using var cts = new CancellationTokenSource(3000);
        try { return TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer); }
        catch (OperationCanceledException) { return null; }
    }

    [Fact]
    public async Task Serve_answers_reloads_on_sighup_even_under_nohup_and_exits_cleanly_on_sigterm()
    {
        var (p, port, log) = await Serve(_zones.Directory, "--Zones:Watch=false");
        using var _ = new Owned(p);
        var before = await Query(port, "www.example.test", RecordType.A);
        Assert.Equal(2, before!.Answer.Count);

        var path = Path.Combine(_zones.Directory, "example.test.zone");
        File.AppendAllText(path, "hup IN A 192.0.2.77\n");
        Assert.Equal(ResponseCode.NXDomain, (await Query(port, "hup.example.test", RecordType.A))!.ResponseCode);
        Signal(p, "HUP");
        TestResponse? after = null;
        for (int i = 0; i < 300 && after?.ResponseCode != ResponseCode.NoError; i++)
        {
            await Task.Delay(100);
            after = await Query(port, "hup.example.test", RecordType.A);
        }
        Assert.True(after?.ResponseCode == ResponseCode.NoError, log());
        Assert.Equal("192.0.2.77", after!.Answer[0].Data);

        Signal(p, "TERM");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await p.WaitForExitAsync(cts.Token);
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public async Task Busy_port_gives_one_line_naming_the_port_option()
    {
        using var taken = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)taken.Client.LocalEndPoint!).Port;
        var (code, stdout, err) = await RunToEnd("serve", "--zones", _zones.Directory, "--address", "127.0.0.1", "--port", port.ToString(), "--data", Path.Combine(_zones.Directory, "api.db"));
        Assert.Equal(78, code);
        Assert.Contains("--port", err);
        Assert.Single(err.Trim().Split('\n'));
        AssertNoStackTrace(stdout + err);
    }

    [Fact]
    public async Task Busy_http_port_gives_one_line_naming_the_api_option()
    {
        using var taken = new TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (code, stdout, err) = await RunToEnd("serve", "--zones", _zones.Directory, "--address", "127.0.0.1", "--port", "0", "--api", $"127.0.0.1:{port}", "--data", Path.Combine(_zones.Directory, "api.db"));
        Assert.Equal(78, code);
        Assert.Contains("--api", err);
        Assert.Single(err.Trim().Split('\n'));
        AssertNoStackTrace(stdout + err);
    }

    [Fact]
    public async Task Ping_exits_0_when_dns_and_http_answer_and_1_when_the_server_is_gone()
    {
        var (p, port, log) = await Serve(_zones.Directory);
        using var _ = new Owned(p);
        string? api = null;
        for (int i = 0; i < 100 && api is null; i++)
        {
            var m = System.Text.RegularExpressions.Regex.Match(log(), @"Serving HTTP at (http://\S+)");
            if (m.Success) api = m.Groups[1].Value; else await Task.Delay(100);
        }
        Assert.NotNull(api);
        var (code, stdout, err) = await RunToEnd("ping", "--server", $"127.0.0.1:{port}", "--api", api, "--timeout", "30");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("healthz: ok", stdout);

        p.Kill();
        await p.WaitForExitAsync();
        (code, stdout, err) = await RunToEnd("ping", "--server", $"127.0.0.1:{port}", "--api", api);
        Assert.True(code == 1, stdout + err);
        Assert.Contains($"dns 127.0.0.1:{port}: ", stdout);
        Assert.DoesNotContain("answered", stdout);
    }

    private static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("Hosting failed to start", output);
    }

    [Fact]
    public async Task Missing_zones_folder_is_one_line_naming_the_option_with_exit_78()
    {
        var missing = Path.Combine(_zones.Directory, "no-such-folder");
        var (code, stdout, err) = await RunToEnd("serve", "--zones", missing, "--address", "127.0.0.1", "--port", "0", "--api", "off", "--data", Path.Combine(_zones.Directory, "api.db"));
        Assert.Equal(78, code);
        Assert.Equal($"dnshost: the zones folder '{missing}' does not exist: create it or point --zones (Zones:Directory) at the folder of your *.zone and *.json files", err.Trim());
        AssertNoStackTrace(stdout + err);
    }

    [Theory]
    [InlineData("--port", "abc", "dnshost: invalid setting --port (Dns:Port): 'abc' is not a whole number")]
    [InlineData("--Dns:MaxTcpConnections", "lots", "dnshost: invalid setting Dns:MaxTcpConnections: 'lots' is not a whole number")]
    [InlineData("--Zones:Watch", "maybe", "dnshost: invalid setting Zones:Watch: 'maybe' is not true or false")]
    [InlineData("--HealthChecks:MinimumInterval", "soon", "dnshost: invalid setting HealthChecks:MinimumInterval: 'soon' is not a whole number")]
    [InlineData("--api", "nonsense", "dnshost: Api:Listen: 'nonsense' is not ADDRESS:PORT (e.g. 127.0.0.1:8053), or off (use --api)")]
    public async Task Bad_setting_is_one_line_naming_it_with_exit_78(string option, string value, string expected)
    {
        string[] args = ["serve", "--zones", _zones.Directory, "--address", "127.0.0.1", "--data", Path.Combine(_zones.Directory, "api.db")];
        if (option != "--port")
            args = [.. args, "--port", "0"];
        if (option != "--api")
            args = [.. args, "--api", "off"];
        var (code, stdout, err) = await RunToEnd([.. args, option, value]);
        Assert.Equal(78, code);
        Assert.Equal(expected, err.Trim());
        AssertNoStackTrace(stdout + err);
    }

    [Fact]
    public async Task Sample_zones_start_without_a_fail_or_warn_line()
    {
        foreach (var file in Directory.GetFiles(TestZones.SampleZones))
            File.Copy(file, Path.Combine(_zones.Directory, Path.GetFileName(file)), overwrite: true);
        var (p, port, log) = await Serve(_zones.Directory);
        using var _ = new Owned(p);
        // The HTTP endpoint starts after the health checker, so once it serves every check has been set up.
        for (int i = 0; i < 100 && !log().Contains("Serving HTTP at"); i++)
            await Task.Delay(100);
        var db = await Query(port, "db.shop.test", RecordType.A);
        p.Kill();
        await p.WaitForExitAsync();
        Assert.Contains("Serving HTTP at", log());
        Assert.Contains("Zone shop.test. serial 1 loaded", log());
        Assert.DoesNotContain("fail:", log());
        Assert.DoesNotContain("warn:", log());
        Assert.Equal("192.0.2.31", Assert.Single(db!.Answer).Data);
    }

    [Fact]
    public async Task Bad_zone_is_reported_with_file_and_line_and_other_zones_keep_serving()
    {
        _zones.Write("broken.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.1\nmx IN MX ten mail\n");
        var (p, port, log) = await Serve(_zones.Directory);
        using var _ = new Owned(p);
        var ok = await Query(port, "www.example.test", RecordType.A);
        Assert.Equal(ResponseCode.NoError, ok!.ResponseCode);
        var refused = await Query(port, "ns.broken.test", RecordType.A);
        Assert.Equal(ResponseCode.Refused, refused!.ResponseCode);
        p.Kill();
        await p.WaitForExitAsync();
        Assert.Contains("broken.test.zone:5:10: MX needs a preference and a host name", log());
    }

    [Fact]
    public async Task Check_zone_prints_a_summary_for_a_good_zone()
    {
        var (code, stdout, _) = await RunToEnd("check-zone", Path.Combine(_zones.Directory, "example.test.zone"));
        Assert.Equal(0, code);
        Assert.Contains("zone example.test./IN: loaded serial 2026112501", stdout);
    }

    [Theory]
    [InlineData("x IN A 1.2.3.4.5\n", 4, "A needs an IPv4 address")]
    [InlineData("x IN CNAME a\nx IN A 192.0.2.1\n", 4, "has a CNAME and other data")]
    [InlineData("$INCLUDE missing.inc\n", 4, "$INCLUDE 'missing.inc': no such file")]
    public async Task Check_zone_names_file_line_and_problem(string tail, int line, string message)
    {
        var path = _zones.Write("bad.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n" + tail);
        var (code, _, stderr) = await RunToEnd("check-zone", path);
        Assert.Equal(1, code);
        Assert.Contains($"bad.test.zone:{line}:", stderr);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task Zone_without_soa_is_rejected()
    {
        var path = _zones.Write("nosoa.test.zone", "$TTL 60\n@ IN NS ns\nns IN A 192.0.2.1\n");
        var (code, _, stderr) = await RunToEnd("check-zone", path);
        Assert.Equal(1, code);
        Assert.Contains("no SOA record at the zone apex nosoa.test.", stderr);
    }
}
