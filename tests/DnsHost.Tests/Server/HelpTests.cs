using System.Diagnostics;

namespace DnsHost.Tests.Server;

/// <summary>What the dnshost executable prints about itself: no arguments, --help, and each verb's --help.</summary>
[Trait("Kind", "Integration")]
public sealed class HelpTests
{
    private static readonly string DnsHostDll = Path.Combine(AppContext.BaseDirectory, "dnshost.dll");

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DnsHostDll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(); throw new TimeoutException($"dnshost {string.Join(' ', args)} did not exit: it may have started a server"); }
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task No_arguments_prints_the_overview_and_exits_with_the_usage_code_without_serving()
    {
        var (code, stdout, stderr) = await Run();
        Assert.Equal(64, code);
        Assert.Equal("", stdout);
        Assert.Contains("Usage:", stderr);
        foreach (var verb in new[] { "serve", "check-zone", "explain", "health", "drill", "sync", "flush", "ping" })
            Assert.Contains("dnshost " + verb, stderr);
        Assert.DoesNotContain("listening", stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_prints_the_overview_with_exit_codes_and_exits_0(string flag)
    {
        var (code, stdout, _) = await Run(flag);
        Assert.Equal(0, code);
        Assert.Contains("dnshost serve [options]", stdout);
        Assert.Contains("Exit codes:", stdout);
        Assert.Contains("64 usage error", stdout);
    }

    [Theory]
    [InlineData("serve", new[] { "--zones DIR", "(default ./zones)", "--port N", "(default 53)", "--api ADDR:PORT", "(default 127.0.0.1:8053)", "--data PATH", "--address IP", "--config FILE" })]
    [InlineData("check-zone", new[] { "check-zone FILE", "--print" })]
    [InlineData("explain", new[] { "--client IP", "--subnet CIDR", "--json" })]
    [InlineData("health", new[] { "override ID healthy|unhealthy", "--api URL", "(default 127.0.0.1:8053)" })]
    [InlineData("drill", new[] { "--check ID", "--mode endpoint|override", "(default endpoint)", "--flips N", "(default 10)", "--server IP:PORT", "(default 127.0.0.1:53)", "--query-ms MS", "(default 20)", "--settle S", "(default 1)", "--timeout S", "500 ms" })]
    [InlineData("sync", new[] { "--source SIDE", "--target SIDE", "--zone NAME", "--exclude NAME", "--prune", "--include-apex", "--profile NAME", "--no-wait", "--max-attempts N", "(default 10)" })]
    [InlineData("flush", new[] { "flush [NAME]", "--api URL" })]
    [InlineData("ping", new[] { "--server IP:PORT", "(default 127.0.0.1:53)", "--api URL", "(default 127.0.0.1:8053)" })]
    public async Task Each_verb_help_lists_its_options_and_defaults_and_exits_0(string verb, string[] expected)
    {
        var (code, stdout, stderr) = await Run(verb, "--help");
        Assert.True(code == 0, stderr);
        Assert.StartsWith($"Usage: dnshost {verb}", stdout);
        foreach (var text in expected)
            Assert.Contains(text, stdout);
        var again = await Run("help", verb);
        Assert.Equal(0, again.Code);
        Assert.Equal(stdout, again.Out);
    }

    [Fact]
    public async Task Options_before_a_command_and_unknown_commands_are_usage_errors_in_one_line()
    {
        var (code, _, stderr) = await Run("--port", "5380");
        Assert.Equal(64, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("the command comes first", stderr);

        (code, _, stderr) = await Run("srve", "--help");
        Assert.Equal(64, code);
        Assert.Contains("unknown command 'srve'", stderr);
    }
}
