using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// Every change gets a serial and a journal entry; IXFR (RFC 1995) answers from the journal, condensed,
/// or with the whole zone when the client's serial is older than the journal. Checked over the wire with kdig.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class IxfrJournalTests : IAsyncLifetime
{
    private const string Head = "$TTL 300\n@ SOA ns hostmaster {0} 7200 900 1209600 60\n@ NS ns\nns A 192.0.2.1\n";
    private readonly TestZones _zones = new();
    private readonly string _state = Path.Combine(Path.GetTempPath(), "dnshost-journal-" + Guid.NewGuid().ToString("N"));
    private string _path = null!;

    public Task InitializeAsync()
    {
        _path = _zones.Write("j.test.zone", string.Format(Head, 10) + "www A 192.0.2.10\nwww A 192.0.2.11\nmail A 192.0.2.25\n");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _zones.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private Task<RunningServer> Start(params string[] extra) =>
        RunningServer.StartAsync(_zones.Directory, ["--Transfers:StateDirectory=" + _state, "--Tsig:Keys:0=" + TransferAgreementTests.Key.Kdig, .. extra]);

    private static async Task<uint> SerialAsync(RunningServer server)
    {
        var response = await server.UdpAsync(TestQuery.Build("j.test", RecordType.SOA));
        return uint.Parse(response.Answer.Single().Data.Split(' ')[2]);
    }

    /// <summary>Edits the zone file and waits (bounded) until the server serves a serial other than <paramref name="before"/>.</summary>
    private async Task<uint> EditAsync(RunningServer server, uint before, string body, uint fileSerial = 10)
    {
        File.WriteAllText(_path, string.Format(Head, fileSerial) + body);
        for (int i = 0; i < 100; i++)
        {
            uint serial = await SerialAsync(server);
            if (serial != before)
                return serial;
            await Task.Delay(100);
        }
        throw new TimeoutException("the edit was not loaded");
    }

    private static List<string> Lines(DnsTool.Result result) =>
        result.Records.Select(r => string.Join(' ', r.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))).ToList();

    [Fact]
    public async Task An_edit_without_a_serial_bump_gets_the_next_serial_and_ixfr_sends_just_the_difference()
    {
        await using var server = await Start();
        Assert.Equal(10u, await SerialAsync(server));
        uint serial = await EditAsync(server, 10, "www A 192.0.2.10\nwww A 192.0.2.12\nmail A 192.0.2.25\n");
        Assert.Equal(11u, serial);
        var ixfr = await DnsTool.KdigAsync(server.EndPoint, TransferAgreementTests.Key.Kdig, "j.test", "IXFR=10");
        Assert.Equal(0, ixfr.ExitCode);
        Assert.Equal([
            "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 11 7200 900 1209600 60",
            "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 10 7200 900 1209600 60",
            "www.j.test. 300 IN A 192.0.2.11",
            "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 11 7200 900 1209600 60",
            "www.j.test. 300 IN A 192.0.2.12",
            "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 11 7200 900 1209600 60",
        ], Lines(ixfr));
    }

    [Fact]
    public async Task Several_changes_are_condensed_and_a_serial_older_than_the_journal_gets_the_whole_zone()
    {
        await using var server = await Start("--Transfers:JournalMaxChanges=2");
        uint s1 = await EditAsync(server, 10, "www A 192.0.2.10\nwww A 192.0.2.11\nmail A 192.0.2.25\ntemp A 192.0.2.99\n");
        uint s2 = await EditAsync(server, s1, "www A 192.0.2.10\nwww A 192.0.2.11\nmail A 192.0.2.26\n");
        Assert.Equal([11u, 12u], new[] { s1, s2 });
        // From 10: "temp" came and went, so only the mail change remains.
        var condensed = Lines(await DnsTool.KdigAsync(server.EndPoint, null, "j.test", "IXFR=10"));
        Assert.Equal(6, condensed.Count);
        Assert.Equal("mail.j.test. 300 IN A 192.0.2.25", condensed[2]);
        Assert.Equal("mail.j.test. 300 IN A 192.0.2.26", condensed[4]);
        Assert.DoesNotContain(condensed, l => l.Contains("temp"));

        uint s3 = await EditAsync(server, s2, "www A 192.0.2.10\nmail A 192.0.2.26\n");
        Assert.Equal(13u, s3);
        // The journal holds two changes (11->12, 12->13): a client at 10 gets the whole zone, in AXFR form.
        var whole = Lines(await DnsTool.KdigAsync(server.EndPoint, null, "j.test", "IXFR=10"));
        Assert.Equal(6, whole.Count); // SOA, NS, ns A, www A, mail A, SOA
        Assert.All(new[] { whole[0], whole[^1] }, l => Assert.Contains(" SOA ", l));
        Assert.Contains("mail.j.test. 300 IN A 192.0.2.26", whole);
        var fromEleven = Lines(await DnsTool.KdigAsync(server.EndPoint, null, "j.test", "IXFR=11"));
        Assert.Contains("temp.j.test. 300 IN A 192.0.2.99", fromEleven);
    }

    [Fact]
    public async Task A_bumped_serial_in_the_file_is_kept()
    {
        await using var server = await Start();
        uint serial = await EditAsync(server, 10, "www A 192.0.2.10\n", fileSerial: 50);
        Assert.Equal(50u, serial);
        var ixfr = Lines(await DnsTool.KdigAsync(server.EndPoint, null, "j.test", "IXFR=10"));
        // SOA 50, SOA 10, the two records deleted, SOA 50 (nothing added), SOA 50.
        Assert.Equal(6, ixfr.Count);
        Assert.Contains(" 50 ", ixfr[0]);
        Assert.Contains(" 10 ", ixfr[1]);
        Assert.Equal(["mail.j.test. 300 IN A 192.0.2.25", "www.j.test. 300 IN A 192.0.2.11"], ixfr[2..4].Order());
    }

    [Fact]
    public async Task After_a_restart_ixfr_from_an_older_serial_still_gets_the_difference_from_the_journal_on_disk()
    {
        await using (var server = await Start())
        {
            uint s1 = await EditAsync(server, 10, "www A 192.0.2.10\nwww A 192.0.2.11\nmail A 192.0.2.26\n");
            uint s2 = await EditAsync(server, s1, "www A 192.0.2.10\nmail A 192.0.2.26\nnew A 192.0.2.30\n");
            Assert.Equal([11u, 12u], new[] { s1, s2 });
        }
        Assert.True(File.Exists(Path.Combine(_state, "j.test.journal")));
        await using (var again = await Start())
        {
            Assert.Equal(12u, await SerialAsync(again));
            var fromTen = Lines(await DnsTool.KdigAsync(again.EndPoint, TransferAgreementTests.Key.Kdig, "j.test", "IXFR=10"));
            Assert.Equal([
                "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 12 7200 900 1209600 60",
                "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 10 7200 900 1209600 60",
                "mail.j.test. 300 IN A 192.0.2.25",
                "www.j.test. 300 IN A 192.0.2.11",
                "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 12 7200 900 1209600 60",
                "mail.j.test. 300 IN A 192.0.2.26",
                "new.j.test. 300 IN A 192.0.2.30",
                "j.test. 300 IN SOA ns.j.test. hostmaster.j.test. 12 7200 900 1209600 60",
            ], SortWithinSequences(fromTen));
            var fromEleven = Lines(await DnsTool.KdigAsync(again.EndPoint, null, "j.test", "IXFR=11"));
            Assert.Equal(6, fromEleven.Count);
            Assert.Equal("www.j.test. 300 IN A 192.0.2.11", fromEleven[2]);
            Assert.Equal("new.j.test. 300 IN A 192.0.2.30", fromEleven[4]);
            Assert.Equal(2, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<TransferService>(again.Services).IncrementalTransfers);
        }
        // Changed while the server was down: the journal does not lead to what is served, so it is dropped (whole zone once).
        File.WriteAllText(_path, string.Format(Head, 10) + "www A 192.0.2.77\n");
        await using (var third = await Start())
        {
            Assert.Equal(13u, await SerialAsync(third));
            var whole = Lines(await DnsTool.KdigAsync(third.EndPoint, null, "j.test", "IXFR=12"));
            Assert.Equal(5, whole.Count); // SOA, NS, ns A, www A, SOA
            Assert.False(File.Exists(Path.Combine(_state, "j.test.journal")));
        }
    }

    [Fact]
    public async Task The_journal_on_disk_keeps_within_its_bounds_and_a_torn_last_entry_is_dropped()
    {
        await using (var server = await Start("--Transfers:JournalMaxChanges=2"))
        {
            uint serial = 10;
            for (int i = 1; i <= 6; i++)
                serial = await EditAsync(server, serial, $"www A 192.0.2.{i}\n");
            Assert.Equal(16u, serial);
        }
        var journal = Path.Combine(_state, "j.test.journal");
        // At most twice the bound is on disk; only the last two steps are read back.
        Assert.InRange(JournalFile.Read(journal).Count, 2, 4);
        await using (var again = await Start("--Transfers:JournalMaxChanges=2"))
        {
            Assert.Equal(6, Lines(await DnsTool.KdigAsync(again.EndPoint, null, "j.test", "IXFR=14")).Count);
            Assert.Equal(5, Lines(await DnsTool.KdigAsync(again.EndPoint, null, "j.test", "IXFR=13")).Count); // older: whole zone
        }
        Assert.Equal(2, JournalFile.Read(journal).Count);
        // A crash in the middle of an append: the torn entry is not read, and the journal no longer reaches the served serial.
        var bytes = File.ReadAllBytes(journal);
        File.WriteAllBytes(journal, bytes[..^7]);
        Assert.Single(JournalFile.Read(journal));
        await using (var third = await Start("--Transfers:JournalMaxChanges=2"))
        {
            Assert.Equal(16u, await SerialAsync(third));
            Assert.Equal(5, Lines(await DnsTool.KdigAsync(third.EndPoint, null, "j.test", "IXFR=15")).Count);
        }
    }

    /// <summary>The records between SOAs sorted, so the test does not depend on the order within a deletion or addition list.</summary>
    private static List<string> SortWithinSequences(List<string> lines)
    {
        var result = new List<string>();
        var run = new List<string>();
        foreach (var line in lines)
        {
            if (line.Contains(" SOA "))
            {
                result.AddRange(run.Order(StringComparer.Ordinal));
                run.Clear();
                result.Add(line);
            }
            else
                run.Add(line);
        }
        result.AddRange(run.Order(StringComparer.Ordinal));
        return result;
    }

    [Fact]
    public async Task A_restart_serves_the_saved_serial_and_a_change_made_while_down_gets_the_next_one()
    {
        uint served;
        await using (var server = await Start())
            served = await EditAsync(server, 10, "www A 192.0.2.10\n");
        Assert.Equal(11u, served);
        // The file still says 10; the content is what was served as 11.
        await using (var again = await Start())
            Assert.Equal(11u, await SerialAsync(again));
        File.WriteAllText(_path, string.Format(Head, 10) + "www A 192.0.2.77\n");
        await using (var third = await Start())
            Assert.Equal(12u, await SerialAsync(third));
    }

    [Fact]
    public async Task A_zone_that_allows_a_key_refuses_unsigned_transfers_and_serves_signed_ones()
    {
        await using var server = await Start("--Transfers:Zones:0:Name=j.test", "--Transfers:Zones:0:Allow:0=key:xfr");
        var unsigned = await server.TcpAsync(TestQuery.Build("j.test", RecordType.AXFR, ednsSize: null));
        Assert.Equal(ResponseCode.Refused, unsigned[0].ResponseCode);
        var signed = await DnsTool.KdigAsync(server.EndPoint, TransferAgreementTests.Key.Kdig, "j.test", "AXFR");
        Assert.Equal(0, signed.ExitCode);
        Assert.Equal(7, signed.Records.Count);
    }

    [Theory]
    [InlineData(SerialPolicy.Increment, 2026112501u, 2026112502u)]
    [InlineData(SerialPolicy.DateSerial, 7u, 2026120300u)]
    [InlineData(SerialPolicy.DateSerial, 2026120305u, 2026120306u)]
    [InlineData(SerialPolicy.Increment, uint.MaxValue, 0u)]
    public void Serial_policies_give_a_serial_greater_than_the_served_one(SerialPolicy policy, uint current, uint expected)
    {
        uint next = SerialNumber.Next(current, policy, new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(expected, next);
        Assert.True(SerialNumber.IsGreater(next, current));
    }
}
