using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Rollover steps are taken on the host's timer (RolloverTimer), not only at the next signed answer: on a fake
/// clock, a zone nobody queries gets its keys, pre-publishes its next ZSK when the ZSK's lifetime ends and activates
/// it after the publication interval, each step stamped at (within a second of) its due time.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RolloverTimerTests : IAsyncLifetime
{
    private const string Zone = """
        $ORIGIN quiet.test.
        $TTL 300
        @    SOA ns1 hostmaster 1 3600 600 86400 300
        @    NS  ns1
        ns1  A   192.0.2.1
        """;

    // Dprp 1 h + TTLkey 300 s.
    private static readonly TimeSpan PublishSafety = TimeSpan.FromHours(1) + TimeSpan.FromSeconds(300);

    private readonly SignedZoneFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _folder.Zones.Write("quiet.test.zone", Zone);
        _server = await RunningServer.StartAsync(_folder.Zones.Directory, s => s.AddSingleton<TimeProvider>(_time),
            "--Dnssec:SignedZones:0=quiet.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", $"--Dnssec:KeyDirectory={_folder.KeyDirectory}",
            "--Dnssec:Rollover:Enabled=true", "--Dnssec:Rollover:ZskLifetime=1.00:00:00", "--Dnssec:Rollover:KskLifetime=0",
            "--Dnssec:Rollover:PropagationDelay=01:00:00");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private KeyRing? Ring() => new KeyRingStore(new KeyStore(_folder.KeyDirectory, Convert.FromBase64String(SignedZoneFolder.Kek))).Load("quiet.test.");

    [Fact]
    public async Task An_unqueried_zone_rolls_its_zsk_on_time()
    {
        var start = _time.GetUtcNow();
        // No query at all: the first tick makes the zone's keys.
        _time.Advance(RolloverTimer.Period);
        var first = Assert.Single(Ring()!.Keys, k => k.Role == KeyRole.Zsk && k.State == KeyState.Active);

        _time.Advance(TimeSpan.FromDays(1));
        var published = Assert.Single(Ring()!.Keys, k => k.Role == KeyRole.Zsk && k.State == KeyState.Published);
        var due = first.Activated!.Value + TimeSpan.FromDays(1);
        Assert.InRange(published.Published!.Value, due, due + RolloverTimer.Period);

        _time.Advance(PublishSafety + RolloverTimer.Period);
        var ring = Ring()!;
        Assert.Equal(published.KeyTag, Assert.Single(ring.Keys, k => k.Role == KeyRole.Zsk && k.State == KeyState.Active).KeyTag);
        Assert.Equal(KeyState.Retired, Assert.Single(ring.Keys, k => k.KeyTag == first.KeyTag).State);
        Assert.True(start < first.Activated!.Value + TimeSpan.FromSeconds(2));

        // What the first signed answer then sees is the new ZSK signing (the timer's steps are the server's steps).
        var www = SignedAnswers.Read((await _server.UdpRawAsync(TestQuery.Build("ns1.quiet.test", RecordType.A, dnssecOk: true)))!);
        var rrsig = Assert.Single(www.In(0), r => r.Type == (ushort)RecordType.RRSIG);
        Assert.Equal(published.KeyTag, (ushort)(rrsig.RData[16] << 8 | rrsig.RData[17]));
    }
}
