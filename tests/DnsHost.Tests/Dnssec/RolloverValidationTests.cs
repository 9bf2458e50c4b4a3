using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using DnsHost.Dnssec;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// A ZSK rollover and a KSK double-DS rollover on a schedule of seconds, while Unbound, trusting
/// only the parent's key, validates the child's answers continuously: not one SERVFAIL. The parent
/// (<c>parent.</c>, one combined key) and the child (<c>child.parent.</c>, rolled) are two DnsHosts
/// on loopback; the operator's part (new DS into the parent, <c>dnshost dnssec ds-seen</c>, old DS
/// out) is done by the test as an operator would, by editing the parent's zone file.
/// </summary>
/// <remarks>
/// This one runs on the real clock: Unbound caches by it and checks signature windows by it, so a
/// fake clock would test a schedule Unbound does not live in. It asserts no time window, only that
/// validation never fails while the schedule runs; the waits are for the rollover's own steps.
/// </remarks>
[Trait("Kind", "Interop")]
public sealed class RolloverValidationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Kek = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    private readonly TestZones _parentZones = new();
    private readonly TestZones _childZones = new();
    private RunningServer? _parent;
    private RunningServer? _child;
    private PeerProcess? _unbound;
    private string ParentKeys => _parentZones.Directory + "-keys";
    private string ChildKeys => _childZones.Directory + "-keys";

    public async Task InitializeAsync()
    {
        // Every TTL 2 s, Dprp 1 s, parent DS TTL 2 s: each safety interval is 3 s.
        _childZones.Write("child.parent.zone", """
            $ORIGIN child.parent.
            $TTL 2
            @    SOA ns hostmaster 1 3600 600 86400 2
            @    NS  ns
            ns   A   127.0.0.1
            www  A   192.0.2.1
            *.wild TXT "wildcard"
            """ + "\n");
        _child = await RunningServer.StartAsync(_childZones.Directory, "--Dnssec:SignedZones:0=child.parent", $"--Dnssec:KeyEncryptionKey={Kek}",
            $"--Dnssec:KeyDirectory={ChildKeys}", "--Dnssec:Rollover:Enabled=true", "--Dnssec:Rollover:ZskLifetime=00:00:06",
            "--Dnssec:Rollover:KskLifetime=00:00:08", "--Dnssec:Rollover:PropagationDelay=00:00:01", "--Dnssec:Rollover:ParentDsTtl=00:00:02",
            "--Dnssec:Rollover:ParentPropagationDelay=00:00:01");
        await _child.UdpRawAsync(TestQuery.Build("child.parent", RecordType.DNSKEY, dnssecOk: true));
        WriteParent([ActiveKsk()]);
        _parent = await RunningServer.StartAsync(_parentZones.Directory, "--Dnssec:SignedZones:0=parent", $"--Dnssec:KeyEncryptionKey={Kek}",
            $"--Dnssec:KeyDirectory={ParentKeys}");
        var raw = await _parent.UdpRawAsync(TestQuery.Build("parent", RecordType.DNSKEY));
        var parentKey = SignedAnswers.Read(raw!).In(0).Single(r => r.Type == (ushort)RecordType.DNSKEY).RData;
        var anchor = Path.Combine(_parentZones.Directory, "anchor.ds");
        File.WriteAllText(anchor, $"parent. IN DS {DsText(DnsName.Parse("parent."), parentKey)}\n");
        _unbound = await UnboundServer.StartAsync(anchor, [("parent.", $"127.0.0.1@{_parent.Port}"), ("child.parent.", $"127.0.0.1@{_child.Port}")]);
    }

    public async Task DisposeAsync()
    {
        if (_unbound is not null)
            await _unbound.DisposeAsync();
        if (_parent is not null)
            await _parent.DisposeAsync();
        if (_child is not null)
            await _child.DisposeAsync();
        foreach (var directory in new[] { ParentKeys, ChildKeys })
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        _parentZones.Dispose();
        _childZones.Dispose();
    }

    private KeyRingStore Store => new(new KeyStore(ChildKeys, Convert.FromBase64String(Kek)));

    private byte[] ActiveKsk() => Store.Load("child.parent.")!.Keys.Single(k => k.Role == KeyRole.Ksk && k.State == KeyState.Active).DnskeyRData;

    private static string DsText(byte[] origin, byte[] dnskey) =>
        RecordData.ToText((ushort)RecordType.DS, ZoneKeySet.Ds(origin, dnskey));

    /// <summary>The parent's zone with the child's delegation and a DS for each of <paramref name="childKsks"/>.</summary>
    private void WriteParent(IEnumerable<byte[]> childKsks)
    {
        var ds = string.Join("\n", childKsks.Select(k => $"child DS {DsText(DnsName.Parse("child.parent."), k)}"));
        _parentZones.Write("parent.zone", $"""
            $ORIGIN parent.
            $TTL 2
            @        SOA ns hostmaster 1 3600 600 86400 2
            @        NS  ns
            ns       A   127.0.0.1
            child    NS  ns.child
            ns.child A   127.0.0.1
            {ds}
            """ + "\n");
    }

    /// <summary>Waits until the parent serves exactly these DS key tags for the child (it reloads the file on change).</summary>
    private async Task ParentServes(params ushort[] tags)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var raw = await _parent!.UdpRawAsync(TestQuery.Build("child.parent", RecordType.DS));
            var served = SignedAnswers.Read(raw!).In(0).Where(r => r.Type == (ushort)RecordType.DS).Select(r => (ushort)(r.RData[0] << 8 | r.RData[1])).Order();
            if (served.SequenceEqual(tags.Order()))
                return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"the parent did not serve DS {string.Join(' ', tags)}");
            await Task.Delay(100);
        }
    }

    private async Task<RingKey> WaitForKey(Func<KeyRing, RingKey?> find, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Store.Load("child.parent.") is { } ring && find(ring) is { } key)
                return key;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Unbound_validates_every_answer_through_a_zsk_and_a_ksk_rollover()
    {
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentBag<(string Query, int Rcode, bool Ad)>();
        var asking = AskContinuously(answers, stop.Token);

        // KSK: the new key appears (lifetime 8 s); the operator puts its DS beside the old one in the parent.
        var oldKsk = ActiveKsk();
        var newKsk = await WaitForKey(r => r.Find(KeyRole.Ksk, KeyState.Generated), "a new KSK");
        WriteParent([oldKsk, newKsk.DnskeyRData]);
        await ParentServes(KeyTag.Compute(oldKsk), newKsk.KeyTag);
        var ok = DnssecCommand.Run(CommandLine.Parse(["dnssec", "ds-seen", "child.parent", newKsk.KeyTag.ToString(),
            $"--Dnssec:KeyEncryptionKey={Kek}", $"--Dnssec:KeyDirectory={ChildKeys}", "--Dnssec:Rollover:Enabled=true"]));
        Assert.Equal(0, ok);

        // The swap, then the old KSK's removal; then its DS leaves the parent.
        await WaitForKey(r => r.Keys.FirstOrDefault(k => k.KeyTag == KeyTag.Compute(oldKsk) && k.State == KeyState.Removed), "the old KSK's removal");
        WriteParent([newKsk.DnskeyRData]);
        await ParentServes(newKsk.KeyTag);
        // At least one ZSK has gone through all its states meanwhile (lifetime 6 s); ask on a little longer.
        await WaitForKey(r => r.Keys.FirstOrDefault(k => k.Role == KeyRole.Zsk && k.State == KeyState.Removed), "a removed ZSK");
        await Task.Delay(TimeSpan.FromSeconds(4));
        stop.Cancel();
        await asking;

        var steps = _child!.Services.GetRequiredService<DnssecSigning>().Signers!.RolloverSteps("child.parent.");
        var start = steps[0].At;
        foreach (var step in steps)
            output.WriteLine($"+{(step.At - start).TotalSeconds,6:F1} s  {step.Role} {step.KeyTag,-5} -> {step.State,-9} {step.Why}");
        var byQuery = answers.GroupBy(a => a.Query).Select(g => $"{g.Key}: {g.Count()} answers, {g.Count(a => a.Rcode == 2)} SERVFAIL, {g.Count(a => a.Ad)} with AD");
        output.WriteLine(string.Join("\n", byQuery));

        Assert.Contains(steps, s => s.Role == KeyRole.Zsk && s.State == KeyState.Removed);
        Assert.Contains(steps, s => s.Role == KeyRole.Ksk && s.State == KeyState.Removed);
        Assert.True(answers.Count > 100, $"only {answers.Count} answers");
        Assert.DoesNotContain(answers, a => a.Rcode == 2);
        // Every answer was validated (AD), so the chain from the parent's key held at every moment.
        Assert.All(answers, a => Assert.True(a.Ad, $"{a.Query}: rcode {a.Rcode} without AD"));
    }

    private async Task AskContinuously(ConcurrentBag<(string, int, bool)> answers, CancellationToken stop)
    {
        (string Name, RecordType Type)[] queries = [("www.child.parent", RecordType.A), ("nope.child.parent", RecordType.A),
            ("child.parent", RecordType.DNSKEY), ("x.wild.child.parent", RecordType.TXT), ("www.child.parent", RecordType.MX)];
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(_unbound!.EndPoint);
        ushort id = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var (name, type) in queries)
            {
                var query = TestQuery.Build(name, type, id: ++id, rd: true, dnssecOk: true);
                await udp.SendAsync(query, CancellationToken.None);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var reply = await udp.ReceiveAsync(timeout.Token);
                var response = SignedAnswers.Read(reply.Buffer);
                answers.Add(($"{name} {type}", response.Rcode, (response.Flags & DnsHeader.AdBit) != 0));
            }
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
