using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Route53.Dnssec;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DnsHost.Tests.Route53;

/// <summary>
/// An API zone, signed through Route 53's DNSSEC API with the AWS CLI, rolls its ZSK twice on a schedule of seconds
/// (lifetime 6 s, every TTL 2 s, propagation delay 1 s) while Unbound, whose only trust anchor is the DS that
/// get-dnssec gives for the zone's KSK, validates its answers continuously: not one SERVFAIL, every answer AD.
/// </summary>
/// <remarks>
/// On the real clock, as <see cref="RolloverValidationTests"/>: Unbound caches by it and checks signature windows by
/// it. The test asserts no time window, only that validation never fails while the schedule runs.
/// </remarks>
[Trait("Kind", "Interop")]
public sealed class Route53ZskRolloverValidationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Zone = "zsk.rollover";
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private PeerProcess? _unbound;
    private string _zoneId = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", "--Dnssec:Rollover:HostedZoneZskLifetime=00:00:06", "--Dnssec:Rollover:PropagationDelay=00:00:01");
        var aws = new AwsCli(_server.ApiBase);
        var created = await aws.Ok("create-hosted-zone", "--name", Zone, "--caller-reference", "zsk-validation");
        _zoneId = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        // Every TTL 2 s, the apex's too (Route 53 gives NS two days and SOA 15 minutes), so each safety interval is 3 s.
        var sets = (await aws.Ok("list-resource-record-sets", "--hosted-zone-id", _zoneId)).GetProperty("ResourceRecordSets").EnumerateArray().ToList();
        string ns = string.Join('|', sets.Single(s => s.GetProperty("Type").GetString() == "NS").GetProperty("ResourceRecords").EnumerateArray().Select(r => r.GetProperty("Value").GetString()));
        string soa = sets.Single(s => s.GetProperty("Type").GetString() == "SOA").GetProperty("ResourceRecords")[0].GetProperty("Value").GetString()!;
        soa = string.Join(' ', soa.Split(' ')[..^1]) + " 2";
        object Upsert(string name, string type, string values) =>
            new { Action = "UPSERT", ResourceRecordSet = new { Name = name, Type = type, TTL = 2, ResourceRecords = values.Split('|').Select(v => new { Value = v }) } };
        var changes = new[] { Upsert(Zone, "NS", ns), Upsert(Zone, "SOA", soa), Upsert("www." + Zone, "A", "192.0.2.1"), Upsert("*.wild." + Zone, "TXT", "\"wildcard\"") };
        await aws.Ok("change-resource-record-sets", "--hosted-zone-id", _zoneId, "--change-batch", JsonSerializer.Serialize(new { Changes = changes }));
        await aws.Ok("create-key-signing-key", "--hosted-zone-id", _zoneId, "--name", "validated_ksk",
            "--key-management-service-arn", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--status", "ACTIVE", "--caller-reference", "ksk");
        await aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);

        // The trust anchor is the DS that get-dnssec gives, as a registrar would be given it.
        string ds = (await aws.Ok("get-dnssec", "--hosted-zone-id", _zoneId)).GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString()!;
        var anchor = Path.Combine(_zones.Directory, "anchor.ds");
        await File.WriteAllTextAsync(anchor, $"{Zone}. IN DS {ds}\n");
        _unbound = await UnboundServer.StartAsync(anchor, [(Zone + ".", $"127.0.0.1@{_server.Port}")]);
    }

    public async Task DisposeAsync()
    {
        if (_unbound is not null)
            await _unbound.DisposeAsync();
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private IReadOnlyList<KeyRollover.RolloverStep> Steps() => _server.Services.GetRequiredService<HostedZoneDnssec>().RolloverSteps(_zoneId);

    [Fact]
    public async Task Unbound_validates_every_answer_through_two_zsk_rollovers()
    {
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentBag<(string Query, int Rcode, bool Ad)>();
        var asking = AskContinuously(answers, stop.Token);

        // Two ZSKs go through every state: published, active, retired, removed.
        var deadline = Stopwatch.StartNew();
        while (Steps().Count(s => s.State == KeyState.Removed) < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting for two removed ZSKs; steps: {string.Join("; ", Steps())}");
            await Task.Delay(200);
        }
        // Ask on a little longer: the signatures of the last removed key were in Unbound's cache until just now.
        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await asking;

        var steps = Steps();
        var start = steps[0].At;
        foreach (var step in steps)
            output.WriteLine($"+{(step.At - start).TotalSeconds,6:F1} s  ZSK {step.KeyTag,-5} -> {step.State,-9} {step.Why}");
        output.WriteLine(string.Join("\n", answers.GroupBy(a => a.Query)
            .Select(g => $"{g.Key}: {g.Count()} answers, {g.Count(a => a.Rcode == 2)} SERVFAIL, {g.Count(a => a.Ad)} with AD")));

        Assert.True(answers.Count > 100, $"only {answers.Count} answers");
        Assert.DoesNotContain(answers, a => a.Rcode == 2);
        Assert.All(answers, a => Assert.True(a.Ad, $"{a.Query}: rcode {a.Rcode} without AD"));
    }

    private async Task AskContinuously(ConcurrentBag<(string, int, bool)> answers, CancellationToken stop)
    {
        (string Name, RecordType Type)[] queries = [("www." + Zone, RecordType.A), ("nope." + Zone, RecordType.A),
            (Zone, RecordType.DNSKEY), ("x.wild." + Zone, RecordType.TXT), ("www." + Zone, RecordType.MX)];
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
