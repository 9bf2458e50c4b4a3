using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Server.Traffic;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// The console's data in the real host: queries over UDP show up in the traffic history when the
/// host's clock moves on, and a configured sync job's runs are recorded with what they changed.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class ConsoleDataHostTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task Queries_answered_over_udp_are_in_the_next_traffic_sample_and_the_top_lists()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(_time));
        var history = server.Services.GetRequiredService<TrafficHistory>();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(server.EndPoint);
        var query = TestQuery.Build("www.example.test", RecordType.A);
        for (int i = 0; i < 256; i++)
        {
            await udp.SendAsync(query);
            using var cts = new CancellationTokenSource(3000);
            var answer = TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
            Assert.Equal(ResponseCode.NoError, answer.ResponseCode);
        }
        _time.Advance(TimeSpan.FromSeconds(10));

        var snapshot = history.Snapshot();
        var point = Assert.Single(snapshot.Points);
        Assert.Equal(256, point.AnswersByRcode[0]);
        Assert.Equal(25.6, snapshot.QueriesPerSecond()[0].Value);
        Assert.Equal(new RankedName("example.test.", 256), snapshot.TopZones[0]);
        // Names are counted on the timed queries (one in 16 per thread), scaled back up.
        var top = Assert.Single(snapshot.TopNames);
        Assert.Equal("www.example.test.", top.Name);
        Assert.True(top.Count > 0 && top.Count % DnsHost.Server.DnsMetrics.LatencySampling == 0, $"count {top.Count}");
    }

    [Fact]
    public async Task A_sync_jobs_runs_are_recorded_applied_then_in_sync_and_a_failing_job_with_its_error()
    {
        using var source = new TestZones();
        File.Copy(Path.Combine(TestZones.SampleZones, "shop.test.json"), Path.Combine(source.Directory, "shop.test.json"));
        using var broken = new TestZones();
        broken.Write("broken.test.json", "{ \"HostedZone\": ");
        await using var server = await RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
            "--Sync:Jobs:0:Source=dir:" + source.Directory, "--Sync:Jobs:0:Target=local", "--Sync:Jobs:0:IntervalSeconds=300",
            "--Sync:Jobs:1:Source=dir:" + broken.Directory, "--Sync:Jobs:1:Target=local", "--Sync:Jobs:1:IntervalSeconds=300");
        var runs = server.Services.GetRequiredService<SyncRunLog>();
        await Until(() => runs.Runs(0).Count >= 1 && runs.Runs(1).Count >= 1);

        var applied = runs.Runs(0)[0];
        Assert.Equal(SyncRunOutcome.Applied, applied.Outcome);
        Assert.Equal(1, applied.ZonesChanged);
        Assert.True(applied.RecordSetChanges > 0);
        Assert.Null(applied.Error);
        Assert.Equal(_time.GetUtcNow(), applied.Started);
        var failed = runs.Runs(1)[0];
        Assert.Equal(SyncRunOutcome.Failed, failed.Outcome);
        Assert.Contains("broken.test.json", failed.Error);

        // The next run, an interval later on the host's clock, finds nothing to do.
        await Until(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(300));
            return runs.Runs(0).Count >= 2;
        });
        Assert.Equal(SyncRunOutcome.InSync, runs.Runs(0)[0].Outcome);
        Assert.Equal(0, runs.Runs(0)[0].RecordSetChanges);
        Assert.Equal([SyncRunOutcome.InSync, SyncRunOutcome.Failed], runs.Latest().Select(r => r.Outcome));
    }

    // Waits for background work to finish (real I/O), not for a time window.
    private static async Task Until(Func<bool> done)
    {
        for (int i = 0; i < 600 && !done(); i++)
            await Task.Delay(50);
        Assert.True(done(), "the background work did not finish within 30 s");
    }
}
