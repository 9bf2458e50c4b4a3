using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

[Trait("Kind", "Integration")]
public sealed partial class ProcessTests
{
    /// <summary>
    /// Issue 16: a named pipe and an $INCLUDE with a NUL byte in the zones folder, there at start and
    /// there on SIGHUP: the process starts, serves the other zones, reloads on SIGHUP and stays up.
    /// </summary>
    [Fact]
    public async Task Zone_folder_attacks_at_start_and_on_sighup_leave_the_process_serving_the_other_zones()
    {
        if (OperatingSystem.IsWindows())
            return;
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(_zones.Directory, "fifo.test.zone")])!)
            mkfifo.WaitForExit();
        _zones.Write("nul.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\n$INCLUDE \"a\\000b\"\n$INCLUDE a\0b\n");
        var (p, port, log) = await Serve(_zones.Directory, "--Zones:Watch=false");
        using var _ = new Owned(p);
        Assert.Equal(2, (await Query(port, "www.example.test", RecordType.A))!.Answer.Count);

        File.AppendAllText(Path.Combine(_zones.Directory, "example.test.zone"), "hup IN A 192.0.2.77\n");
        Signal(p, "HUP");
        TestResponse? after = null;
        for (int i = 0; i < 300 && after?.ResponseCode != ResponseCode.NoError; i++)
        {
            await Task.Delay(100);
            after = await Query(port, "hup.example.test", RecordType.A);
        }
        Assert.True(after?.ResponseCode == ResponseCode.NoError, log());
        Assert.False(p.HasExited, log());
        Assert.Contains("fifo.test.zone: not a regular file (a named pipe); not read", log());
        Assert.Contains("nul.test.zone:4:", log());
        AssertNoStackTrace(log());

        Signal(p, "TERM");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await p.WaitForExitAsync(cts.Token);
        Assert.Equal(0, p.ExitCode);
    }
}
