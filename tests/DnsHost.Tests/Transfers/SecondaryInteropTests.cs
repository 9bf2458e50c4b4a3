using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// Knot DNS and NSD as secondaries of DnsHost over loopback, everything signed with TSIG: each pulls the
/// zone by AXFR, then on each change DnsHost sends NOTIFY, the secondary pulls IXFR, and its whole zone
/// equals ours.
/// </summary>
[Trait("Kind", "Interop")]
public abstract class SecondaryInteropTests : IAsyncLifetime
{
    private const string Head = "$TTL 300\n@ SOA ns hostmaster {0} 7200 900 1209600 60\n@ NS ns\nns A 192.0.2.1\n";
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private PeerProcess _knot = null!;
    private string _path = null!;

    public async Task InitializeAsync()
    {
        _path = _zones.Write("sec.test.zone", string.Format(Head, 1) + "www A 192.0.2.10\n");
        int knotPort = PeerProcess.FreePort();
        var key = TransferAgreementTests.Key;
        _server = await RunningServer.StartAsync(_zones.Directory, "--Tsig:Keys:0=" + key.Kdig,
            "--Transfers:StateDirectory=" + Path.Combine(_zones.Directory, "state"),
            "--Transfers:Zones:0:Name=sec.test", "--Transfers:Zones:0:Allow:0=127.0.0.0/8 key:xfr",
            $"--Transfers:Zones:0:Notify:0=127.0.0.1:{knotPort} key:xfr", "--Transfers:NotifyRetrySeconds=1");
        _knot = await StartSecondary(_server, knotPort);
    }

    protected abstract Task<PeerProcess> StartSecondary(RunningServer primary, int port);

    /// <summary>Checks in the secondary's log that the changes came as IXFR after one AXFR.</summary>
    protected abstract void AssertIncremental(string log);

    public async Task DisposeAsync()
    {
        await _knot.DisposeAsync();
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<uint> KnotSerialAsync()
    {
        var soa = await DnsTool.KdigAsync(_knot.EndPoint, null, "sec.test", "SOA", "+short");
        return uint.TryParse(soa.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2), out uint serial) ? serial : 0;
    }

    /// <summary>Waits (bounded) until Knot serves <paramref name="serial"/>: it gets there only by NOTIFY, its refresh timer is two hours.</summary>
    private async Task WaitForKnot(uint serial)
    {
        for (int i = 0; i < 150; i++)
        {
            if (await KnotSerialAsync() == serial)
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"The secondary did not reach serial {serial} (it has {await KnotSerialAsync()}):\n{_knot.Log}");
    }

    private async Task AssertSameZone()
    {
        var key = TransferAgreementTests.Key.Kdig;
        var ours = await DnsTool.KdigAsync(_server.EndPoint, key, "sec.test", "AXFR");
        var theirs = await DnsTool.KdigAsync(_knot.EndPoint, null, "sec.test", "AXFR");
        Assert.Equal(Normalize(ours.Records), Normalize(theirs.Records));
    }

    private static List<string> Normalize(IEnumerable<string> records) =>
        records.Select(r => Regex.Replace(r, @"\s+", " ").Trim()).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task The_secondary_follows_every_change_by_notify_and_ixfr_and_serves_what_we_serve()
    {
        await WaitForKnot(1);
        await AssertSameZone();

        // An edit without a serial bump: DnsHost serves it as serial 2 and tells Knot.
        File.WriteAllText(_path, string.Format(Head, 1) + "www A 192.0.2.10\nwww A 192.0.2.11\nmail MX 10 www\n");
        await WaitForKnot(2);
        await AssertSameZone();
        var answer = await DnsTool.KdigAsync(_knot.EndPoint, null, "www.sec.test", "A", "+short");
        Assert.Equal(["192.0.2.10", "192.0.2.11"], answer.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        File.WriteAllText(_path, string.Format(Head, 1) + "www A 192.0.2.11\nmail MX 20 www\n");
        await WaitForKnot(3);
        await AssertSameZone();
        // The changes came as IXFR from the journal, not whole zones.
        Assert.Equal(2, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<DnsHost.Server.TransferService>(_server.Services).IncrementalTransfers);
        AssertIncremental(_knot.Log);
    }
}

public sealed class KnotSecondaryTests : SecondaryInteropTests
{
    protected override Task<PeerProcess> StartSecondary(RunningServer primary, int port) =>
        KnotPeer.StartSecondaryAsync(["sec.test"], primary.EndPoint, TransferAgreementTests.Key, port);

    protected override void AssertIncremental(string log)
    {
        Assert.True(Regex.Count(log, @"IXFR, incoming, remote \S+, finished") == 2, log);
        Assert.True(Regex.Count(log, @"AXFR, incoming, remote \S+, finished") == 1, log);
        Assert.Contains("notify, incoming", log);
    }
}

public sealed class NsdSecondaryTests : SecondaryInteropTests
{
    protected override Task<PeerProcess> StartSecondary(RunningServer primary, int port) =>
        NsdPeer.StartSecondaryAsync(["sec.test"], primary.EndPoint, TransferAgreementTests.Key, port);

    protected override void AssertIncremental(string log)
    {
        // NSD logs nothing per transfer at its default verbosity: the primary's count above is the check.
    }
}
