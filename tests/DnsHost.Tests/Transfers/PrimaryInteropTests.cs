using System.Net;
using System.Text.RegularExpressions;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// DnsHost as a secondary of Knot DNS (and of NSD) over loopback, signed with TSIG: the first copy by AXFR, each change made on Knot
/// (knotc zone-begin/zone-set/zone-commit) followed by Knot's NOTIFY and an IXFR, the stored copy served after a restart
/// with the primary down, and expiry (SERVFAIL) on the SOA timers moved by a fake clock.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class PrimaryInteropTests : IAsyncLifetime
{
    private const string Zone = "$TTL 300\n@ SOA ns hostmaster 1 {0} {1} {2} 60\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.10\nmail MX 10 www\n";
    private static readonly KnotPeer.Key Key = TransferAgreementTests.Key;
    private readonly TestZones _zones = new();
    private readonly List<IAsyncDisposable> _running = [];
    private string _data = null!;

    public Task InitializeAsync()
    {
        _data = Path.Combine(_zones.Directory, "data", "api.db");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_running))
            await item.DisposeAsync();
        _zones.Dispose();
    }

    private string KnotZoneFile(int refresh = 3600, int retry = 600, int expire = 7200)
    {
        var folder = Path.Combine(_zones.Directory, "knot-zones");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "p.test.zone");
        File.WriteAllText(path, string.Format(Zone, refresh, retry, expire));
        return path;
    }

    private async Task<RunningServer> StartSecondary(int primaryPort, FakeTimeProvider? time = null, bool tsig = true, params string[] more)
    {
        string[] args =
        [
            .. more,
            "--data", _data, "--Tsig:Keys:0=" + Key.Kdig,
            "--Transfers:Secondary:Zones:0:Name=p.test", $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{primaryPort}",
            .. tsig ? new[] { "--Transfers:Secondary:Zones:0:TsigKey=xfr" } : [],
            "--Transfers:Secondary:BootstrapRetrySeconds=3600", "--Logging:LogLevel:DnsHost.Server.SecondaryService=Information",
        ];
        var server = time is null
            ? await RunningServer.StartAsync(_zones.Directory, args)
            : await RunningServer.StartAsync(_zones.Directory, s => s.AddSingleton<TimeProvider>(time), args);
        _running.Add(server);
        return server;
    }

    private static SecondaryService Secondaries(RunningServer server) => server.Services.GetRequiredService<SecondaryService>();

    /// <summary>Refreshes now (rather than waiting for the bootstrap retry) and fails the test with the reason when it fails.</summary>
    private static async Task Refresh(RunningServer server)
    {
        var service = Secondaries(server);
        Assert.Null(await service.RefreshNowAsync(service.Find("p.test")!));
    }

    private static async Task<string[]> Addresses(RunningServer server, string name = "www.p.test")
    {
        var result = await DnsTool.KdigAsync(server.EndPoint, null, name, "A", "+short");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
    }

    private static async Task<uint> Serial(IPEndPoint server)
    {
        var soa = await DnsTool.KdigAsync(server, null, "p.test", "SOA", "+short");
        return uint.TryParse(soa.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2), out uint serial) ? serial : 0;
    }

    private static async Task WaitForSerial(RunningServer server, uint serial, PeerProcess knot)
    {
        // Bounded wait for Knot's NOTIFY and our IXFR to happen (both over loopback): what is asserted is the data, not the time.
        for (int i = 0; i < 150 && await Serial(server.EndPoint) != serial; i++)
            await Task.Delay(100);
        Assert.True(await Serial(server.EndPoint) == serial, $"DnsHost did not reach serial {serial}; Knot's log:\n{knot.Log}");
    }

    private static async Task AssertSameZone(RunningServer server, PeerProcess knot)
    {
        var ours = await DnsTool.KdigAsync(server.EndPoint, Key.Kdig, "p.test", "AXFR");
        var theirs = await DnsTool.KdigAsync(knot.EndPoint, Key.Kdig, "p.test", "AXFR");
        Assert.Equal(Normalize(theirs.Records), Normalize(ours.Records));
    }

    private static List<string> Normalize(IEnumerable<string> records) =>
        records.Select(r => Regex.Replace(r, @"\s+", " ").Trim()).Order(StringComparer.Ordinal).ToList();

    /// <summary>As Knot and BIND do: the SOA check of a refresh goes over UDP, only the transfer over TCP (counted by Knot's mod-stats).</summary>
    [Fact]
    public async Task A_refresh_asks_the_soa_over_udp_and_only_the_transfer_goes_over_tcp()
    {
        int knotPort = PeerProcess.FreePort();
        var server = await StartSecondary(knotPort);
        // No NOTIFY from Knot: every refresh here is one the test starts, so Knot's counters are the test's alone.
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", KnotZoneFile(), Key, null, knotPort, requestStats: true);
        _running.Add(knot);
        await Refresh(server); // no copy yet: AXFR (the SOA and the AXFR over TCP)

        var before = await KnotPeer.RequestsAsync(knot);
        await Refresh(server); // up to date: one SOA query over UDP, no TCP at all
        var upToDate = await KnotPeer.RequestsAsync(knot);
        Assert.Equal((before.Udp + 1, before.Tcp), upToDate);

        await KnotPeer.KnotcAsync(knot, "zone-begin", "p.test");
        await KnotPeer.KnotcAsync(knot, "zone-set", "p.test", "new.p.test.", "300", "A", "192.0.2.77");
        await KnotPeer.KnotcAsync(knot, "zone-commit", "p.test");
        await Refresh(server); // newer: the SOA over UDP, then the IXFR over TCP
        var changed = await KnotPeer.RequestsAsync(knot);
        Assert.Equal((upToDate.Udp + 1, upToDate.Tcp + 1), changed);
        Assert.Equal(["192.0.2.77"], await Addresses(server, "new.p.test"));
        Assert.Equal(1, Secondaries(server).IncrementalTransfers);
        await AssertSameZone(server, knot);
    }

    [Fact]
    public async Task The_zone_comes_by_axfr_then_each_change_by_notify_and_ixfr_and_a_restart_serves_the_stored_copy_with_the_primary_down()
    {
        int knotPort = PeerProcess.FreePort();
        var server = await StartSecondary(knotPort);
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", KnotZoneFile(), Key, server.EndPoint, knotPort);
        _running.Add(knot);

        await Refresh(server);
        Assert.Equal(["192.0.2.10"], await Addresses(server));
        var answer = await DnsTool.KdigAsync(server.EndPoint, null, "www.p.test", "A");
        Assert.Contains(" aa", answer.Output);
        await AssertSameZone(server, knot);
        Assert.Equal(1, Secondaries(server).FullTransfers);

        // A change on Knot: its NOTIFY reaches us, and the change comes as IXFR.
        await KnotPeer.KnotcAsync(knot, "zone-begin", "p.test");
        await KnotPeer.KnotcAsync(knot, "zone-set", "p.test", "www", "300", "A", "192.0.2.11");
        await KnotPeer.KnotcAsync(knot, "zone-unset", "p.test", "mail", "MX");
        await KnotPeer.KnotcAsync(knot, "zone-commit", "p.test");
        await WaitForSerial(server, 2, knot);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], await Addresses(server));
        var mail = await DnsTool.KdigAsync(server.EndPoint, null, "mail.p.test", "MX");
        Assert.Contains("NXDOMAIN", mail.Output);
        await AssertSameZone(server, knot);
        Assert.Equal(1, Secondaries(server).IncrementalTransfers);
        Assert.Equal(1, Secondaries(server).FullTransfers);
        Assert.Matches(@"IXFR, outgoing, remote 127\.0\.0\.1@\d+, started, serial 1 -> 2", knot.Log);
        Assert.Contains("notify, outgoing", knot.Log);

        // A second change: the journal chain goes on.
        await KnotPeer.KnotcAsync(knot, "zone-begin", "p.test");
        await KnotPeer.KnotcAsync(knot, "zone-set", "p.test", "new", "60", "TXT", "\"hello\"");
        await KnotPeer.KnotcAsync(knot, "zone-commit", "p.test");
        await WaitForSerial(server, 3, knot);
        await AssertSameZone(server, knot);
        Assert.Equal(2, Secondaries(server).IncrementalTransfers);

        // Restart with the primary gone: the stored copy answers at once.
        var knotZone = Normalize((await DnsTool.KdigAsync(knot.EndPoint, Key.Kdig, "p.test", "AXFR")).Records);
        await knot.DisposeAsync();
        _running.Remove(knot);
        await server.DisposeAsync();
        _running.Remove(server);
        var restarted = await StartSecondary(knotPort);
        Assert.Equal(3u, await Serial(restarted.EndPoint));
        Assert.Equal(["192.0.2.10", "192.0.2.11"], await Addresses(restarted));
        Assert.Equal(knotZone, Normalize((await DnsTool.KdigAsync(restarted.EndPoint, Key.Kdig, "p.test", "AXFR")).Records));

        // dnshost explain answers from the stored copy and says where the zone comes from.
        await restarted.DisposeAsync();
        _running.Remove(restarted);
        var explain = await DnsTool.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "explain", "www.p.test", "A", "--client", "192.0.2.99",
            "--zones", _zones.Directory, "--data", _data, "--Tsig:Keys:0=" + Key.Kdig, "--Transfers:Secondary:Zones:0:Name=p.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{knotPort}", "--Transfers:Secondary:Zones:0:TsigKey=xfr"], timeoutMs: 60000);
        Assert.True(explain.ExitCode == 0, explain.All);
        Assert.Contains("NOERROR", explain.Output);
        Assert.Contains("192.0.2.11", explain.Output);
        Assert.Contains($"zone p.test. is a secondary of 127.0.0.1:{knotPort} (key xfr.) (read-only", explain.Output);
        Assert.Contains("serial 3", explain.Output);
    }

    [Fact]
    public async Task A_zone_not_refreshed_for_expire_answers_servfail_until_the_primary_is_back_and_a_restart_after_expire_does_too()
    {
        // SOA: refresh 30, retry 10, expire 120 (the fake clock moves less than the TSIG fudge, so signatures stay valid).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        int knotPort = PeerProcess.FreePort();
        var zoneFile = KnotZoneFile(refresh: 30, retry: 10, expire: 120);
        var server = await StartSecondary(knotPort, time);
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", zoneFile, Key, null, knotPort);
        _running.Add(knot);
        await Refresh(server);
        Assert.Equal(["192.0.2.10"], await Addresses(server));

        await knot.DisposeAsync();
        _running.Remove(knot);
        // Refreshes (30 s) and retries (every 10 s) fail; until EXPIRE the copy still answers.
        for (int i = 0; i < 11; i++)
            time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["192.0.2.10"], await Addresses(server));
        Assert.False(Secondaries(server).Find("p.test")!.Expired);
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(Secondaries(server).Find("p.test")!.Expired);
        var expired = await server.UdpAsync(TestQuery.Build("www.p.test", RecordType.A));
        Assert.Equal((int)ResponseCode.ServFail, expired.Rcode);
        Assert.Empty(expired.Answer);

        // The primary is back: the next successful refresh ends the expiry.
        knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", zoneFile, Key, null, knotPort);
        _running.Add(knot);
        await Refresh(server);
        Assert.Equal((int)ResponseCode.NoError, (await server.UdpAsync(TestQuery.Build("www.p.test", RecordType.A))).Rcode);

        // A restart later than EXPIRE after the last refresh, with the primary down: the stored copy is expired at once.
        await knot.DisposeAsync();
        _running.Remove(knot);
        await server.DisposeAsync();
        _running.Remove(server);
        var later = new FakeTimeProvider(time.GetUtcNow() + TimeSpan.FromSeconds(121));
        var restarted = await StartSecondary(knotPort, later);
        Assert.Equal((int)ResponseCode.ServFail, (await restarted.UdpAsync(TestQuery.Build("www.p.test", RecordType.A))).Rcode);
    }

    [Fact]
    public async Task Notify_is_accepted_only_from_a_primary_with_its_key_and_the_api_refuses_changes_to_the_secondary_zone()
    {
        int knotPort = PeerProcess.FreePort();
        var server = await StartSecondary(knotPort);
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", KnotZoneFile(), Key, null, knotPort);
        _running.Add(knot);
        await Refresh(server);
        var zone = Secondaries(server).Find("p.test")!.Zone!;
        var keys = server.Services.GetRequiredService<TransferService>().Keys;

        // Signed, from the primary's address (127.0.0.1): NOERROR with AA, as Knot answers its primary.
        var (signed, _) = NotifyService.Build(zone, 0x0101, keys.Find("xfr"), keys);
        var accepted = await server.UdpAsync(signed);
        Assert.Equal((int)ResponseCode.NoError, accepted.Rcode);
        Assert.True(accepted.AA);
        Assert.Equal((ushort)((int)OpCode.Notify << 11), (ushort)(accepted.Flags & 0x7800));

        // Unsigned although the primary has a key, or from another address: NOTAUTH, as Knot answers.
        var (unsigned, _) = NotifyService.Build(zone, 0x0102, null, keys);
        Assert.Equal((int)ResponseCode.NotAuth, (await server.UdpAsync(unsigned)).Rcode);
        var (other, _) = NotifyService.Build(zone, 0x0103, keys.Find("xfr"), keys);
        Assert.Equal((int)ResponseCode.NotAuth, (await server.UdpFromAsync("127.0.0.2", other)).Rcode);
        // A zone we are no secondary for: NOTAUTH.
        var notOurs = TestQuery.Build("other.test", RecordType.SOA, opcode: (byte)OpCode.Notify, ednsSize: null);
        Assert.Equal((int)ResponseCode.NotAuth, (await server.UdpAsync(notOurs)).Rcode);

        // The Route 53 API lists the zone, read-only: a change batch is refused with Route 53's InvalidInput.
        using var api = new SignedRoute53Client(server.ApiBase);
        var (status, list) = await api.SendAsync(HttpMethod.Get, "/2013-04-01/hostedzone");
        Assert.Equal(200, status);
        var hosted = list.Descendants(SignedRoute53Client.Ns + "HostedZone").Single(z => z.Element(SignedRoute53Client.Ns + "Name")!.Value == "p.test.");
        Assert.Contains("secondary", hosted.Element(SignedRoute53Client.Ns + "Config")!.Element(SignedRoute53Client.Ns + "Comment")!.Value);
        string id = hosted.Element(SignedRoute53Client.Ns + "Id")!.Value.Split('/').Last();
        var change = $"""
            <ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change>
            <Action>UPSERT</Action><ResourceRecordSet><Name>www.p.test.</Name><Type>A</Type><TTL>60</TTL>
            <ResourceRecords><ResourceRecord><Value>192.0.2.99</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
            </Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>
            """;
        var (refused, error) = await api.SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{id}/rrset", change);
        Assert.Equal(400, refused);
        Assert.Equal("InvalidInput", error.Descendants(SignedRoute53Client.Ns + "Code").Single().Value);
        Assert.Contains("secondary zone", error.Descendants(SignedRoute53Client.Ns + "Message").Single().Value);
        Assert.Equal(["192.0.2.10"], await Addresses(server));
    }

    [Fact]
    public async Task A_primary_without_a_journal_answers_ixfr_with_the_whole_zone_and_the_secondary_takes_it()
    {
        int knotPort = PeerProcess.FreePort();
        var server = await StartSecondary(knotPort);
        var zoneFile = KnotZoneFile();
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", zoneFile, Key, server.EndPoint, knotPort, journal: false);
        _running.Add(knot);
        await Refresh(server);
        await KnotPeer.KnotcAsync(knot, "zone-begin", "p.test");
        await KnotPeer.KnotcAsync(knot, "zone-set", "p.test", "www", "300", "A", "192.0.2.12");
        await KnotPeer.KnotcAsync(knot, "zone-commit", "p.test");
        await WaitForSerial(server, 2, knot);
        Assert.Equal(["192.0.2.10", "192.0.2.12"], await Addresses(server));
        await AssertSameZone(server, knot);
        Assert.Equal(0, Secondaries(server).IncrementalTransfers);
        Assert.Equal(2, Secondaries(server).FullTransfers);
    }

    [Fact]
    public async Task A_secondary_zone_is_served_on_to_our_own_secondary_by_notify_and_ixfr()
    {
        // Knot (primary) -> DnsHost (secondary, and primary of the next) -> Knot (secondary of DnsHost).
        int primaryPort = PeerProcess.FreePort();
        int lastPort = PeerProcess.FreePort();
        var server = await StartSecondary(primaryPort, null, true, "--Transfers:Zones:0:Name=p.test", "--Transfers:Zones:0:Allow:0=127.0.0.0/8 key:xfr",
            $"--Transfers:Zones:0:Notify:0=127.0.0.1:{lastPort} key:xfr", "--Transfers:NotifyRetrySeconds=1");
        var primary = await KnotPeer.StartJournaledPrimaryAsync("p.test", KnotZoneFile(), Key, server.EndPoint, primaryPort);
        _running.Add(primary);
        await Refresh(server);
        var last = await KnotPeer.StartSecondaryAsync(["p.test"], server.EndPoint, Key, lastPort);
        _running.Add(last);
        Assert.Equal(1u, await Serial(last.EndPoint));

        await KnotPeer.KnotcAsync(primary, "zone-begin", "p.test");
        await KnotPeer.KnotcAsync(primary, "zone-set", "p.test", "www", "300", "A", "192.0.2.13");
        await KnotPeer.KnotcAsync(primary, "zone-commit", "p.test");
        for (int i = 0; i < 150 && await Serial(last.EndPoint) != 2; i++)
            await Task.Delay(100);
        Assert.True(await Serial(last.EndPoint) == 2, $"the last secondary did not reach serial 2:\n{last.Log}");
        // Our serial is the primary's (not one of ours), and the change went on as IXFR from our journal.
        Assert.Equal(2u, await Serial(server.EndPoint));
        var answer = await DnsTool.KdigAsync(last.EndPoint, null, "www.p.test", "A", "+short");
        Assert.Equal(["192.0.2.10", "192.0.2.13"], answer.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Equal(1, server.Services.GetRequiredService<TransferService>().IncrementalTransfers);
        Assert.Matches(@"IXFR, incoming, remote \S+, finished", last.Log);
    }

    [Fact]
    public async Task Nsd_as_primary_the_zone_comes_by_axfr_and_a_reloaded_change_by_notify()
    {
        int nsdPort = PeerProcess.FreePort();
        var server = await StartSecondary(nsdPort);
        var zoneFile = KnotZoneFile();
        var nsd = await NsdPeer.StartPrimaryAsync("p.test", zoneFile, Key, server.EndPoint, nsdPort);
        _running.Add(nsd);
        await Refresh(server);
        Assert.Equal(["192.0.2.10"], await Addresses(server));
        await AssertSameZone(server, nsd);

        File.WriteAllText(zoneFile, string.Format(Zone, 3600, 600, 7200).Replace("SOA ns hostmaster 1 ", "SOA ns hostmaster 2 ") + "www A 192.0.2.14\n");
        await NsdPeer.ReloadAsync(nsd);
        await WaitForSerial(server, 2, nsd);
        Assert.Equal(["192.0.2.10", "192.0.2.14"], await Addresses(server));
        await AssertSameZone(server, nsd);
        Assert.Equal(2, Secondaries(server).IncrementalTransfers + Secondaries(server).FullTransfers);
    }

    [Fact]
    public async Task A_key_the_primary_does_not_know_gets_no_zone_and_the_failure_says_why()
    {
        int knotPort = PeerProcess.FreePort();
        var server = await StartSecondary(knotPort, null, false, "--Tsig:Keys:1=hmac-sha256:stranger:" + Key.Secret,
            "--Transfers:Secondary:Zones:0:TsigKey=stranger");
        var knot = await KnotPeer.StartJournaledPrimaryAsync("p.test", KnotZoneFile(), Key, null, knotPort);
        _running.Add(knot);
        var service = Secondaries(server);
        string? failure = await service.RefreshNowAsync(service.Find("p.test")!);
        Assert.NotNull(failure);
        Assert.Contains("NOTAUTH", failure);
        Assert.Contains("stranger", failure);
        // Never transferred: SERVFAIL, as Knot answers such a zone (UntransferredSecondaryTests).
        Assert.Equal((int)ResponseCode.ServFail, (await server.UdpAsync(TestQuery.Build("www.p.test", RecordType.A))).Rcode);
    }

    [Fact]
    public async Task Bind_as_primary_the_zone_comes_by_axfr_and_a_reloaded_change_by_notify_and_ixfr()
    {
        int bindPort = PeerProcess.FreePort();
        var server = await StartSecondary(bindPort);
        var bind = await BindPeer.StartPrimaryAsync("p.test", KnotZoneFile(), Key, server.EndPoint, bindPort);
        _running.Add(bind);
        await Refresh(server);
        Assert.Equal(["192.0.2.10"], await Addresses(server));
        await AssertSameZone(server, bind);

        await BindPeer.ReloadAsync(bind, "p.test", string.Format(Zone, 3600, 600, 7200).Replace("SOA ns hostmaster 1 ", "SOA ns hostmaster 2 ") + "www A 192.0.2.15\n");
        await WaitForSerial(server, 2, bind);
        Assert.Equal(["192.0.2.10", "192.0.2.15"], await Addresses(server));
        await AssertSameZone(server, bind);
        // BIND found the difference on reload (ixfr-from-differences) and sent it as IXFR.
        Assert.Equal(1, Secondaries(server).IncrementalTransfers);
        Assert.Equal(1, Secondaries(server).FullTransfers);
    }
}
