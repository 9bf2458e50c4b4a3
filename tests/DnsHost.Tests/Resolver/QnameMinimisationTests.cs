using System.Net;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Resolver;

/// <summary>
/// QNAME minimisation (RFC 9156) while iterating, seen from the servers' side: a scripted root at
/// 127.0.0.11 delegates <c>lab.</c> to a scripted server at 127.0.0.12, and each records every question
/// it gets. Each test builds its own tree, so the questions counted are its own.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class QnameMinimisationTests : IAsyncLifetime
{
    private const string Deep = "a.b.c.d.e.f.g.lab.";
    private readonly TestZones _zones = new();
    private FakeUpstream _root = null!;
    private FakeUpstream _lab = null!;
    private int _port;

    public Task InitializeAsync()
    {
        var root = IPAddress.Parse("127.0.0.11");
        var lab = IPAddress.Parse("127.0.0.12");
        _port = PeerProcess.FreePort([root, lab]);
        _root = new FakeUpstream(".", endPoint: new IPEndPoint(root, _port)).Delegate("lab.", "ns.lab.", "127.0.0.12");
        _lab = new FakeUpstream("lab.", endPoint: new IPEndPoint(lab, _port))
            .A(Deep, "10.0.0.1")
            .A("top.lab", "10.0.0.2");
        _zones.Write("hints", """
            .            3600000 IN NS a.root.
            a.root.      3600000 IN A  127.0.0.11
            """);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        _lab.Dispose();
        _zones.Dispose();
        return Task.CompletedTask;
    }

    private Task<RunningServer> Resolver(params string[] settings) =>
        RunningServer.StartAsync(_zones.Directory, [$"--Resolver:RootHints={Path.Combine(_zones.Directory, "hints")}", "--Resolver:AllowLoopbackServers=true",
            $"--Resolver:IterationPort={_port}", "--Resolver:Dnssec=false", .. settings]);

    private static Task<TestResponse> Ask(RunningServer server, string name, RecordType type = RecordType.A) =>
        server.UdpAsync(TestQuery.Build(name, type, rd: true), timeoutMs: 8000);

    [Fact]
    public async Task The_root_sees_only_the_next_label_with_qtype_A_and_the_zone_sees_the_name_grow()
    {
        await using var server = await Resolver();
        var answer = await Ask(server, Deep, RecordType.TXT);
        Assert.Equal(ResponseCode.NoError, answer.ResponseCode);
        Assert.Empty(answer.Answer); // NODATA: the name has an A record only

        Assert.Equal([("lab.", RecordType.A)], _root.Questions.Distinct());
        var asked = _lab.Questions.ToList();
        // One label at a time for the first four steps (RFC 9156 2.3), and only the last question has the real name and type.
        Assert.Equal(["g.lab.", "f.g.lab.", "e.f.g.lab.", "d.e.f.g.lab."], asked.Select(q => q.Name).Distinct().Take(4));
        Assert.Equal((Deep, RecordType.TXT), asked[^1]);
        Assert.All(asked.SkipLast(1), q => Assert.Equal(RecordType.A, q.Type));
    }

    [Fact]
    public async Task Switched_off_the_root_is_asked_the_whole_name()
    {
        await using var server = await Resolver("--Resolver:QnameMinimisation=false");
        var answer = await Ask(server, Deep);
        Assert.Equal(["10.0.0.1"], answer.AnswerData("A"));
        Assert.Contains((Deep, RecordType.A), _root.Questions);
        Assert.Equal([(Deep, RecordType.A)], _lab.Questions.Distinct());
    }

    [Fact]
    public async Task A_server_that_calls_empty_non_terminals_nxdomain_is_asked_the_full_name()
    {
        _lab.NxdomainForEmptyNonTerminals = true;
        await using var server = await Resolver();
        var answer = await Ask(server, Deep);
        Assert.Equal(ResponseCode.NoError, answer.ResponseCode);
        Assert.Equal(["10.0.0.1"], answer.AnswerData("A"));
        var asked = _lab.Questions.ToList();
        Assert.Equal(("g.lab.", RecordType.A), asked[0]);
        Assert.Equal((Deep, RecordType.A), asked[^1]);
    }

    [Fact]
    public async Task A_name_that_is_not_there_is_still_nxdomain_and_a_name_one_label_down_is_asked_at_once()
    {
        await using var server = await Resolver();
        Assert.Equal(ResponseCode.NXDomain, (await Ask(server, "x.y.lab.")).ResponseCode);
        Assert.Equal(["10.0.0.2"], (await Ask(server, "top.lab.")).AnswerData("A"));
        Assert.Contains(("top.lab.", RecordType.A), _lab.Questions);
    }

    [Fact]
    public async Task A_longNamename_costs_at_most_ten_minimised_questions()
    {
        const string longName = "l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13.l14.l15.l16.l17.l18.l19.l20.lab.";
        _lab.A(longName, "10.0.0.3");
        await using var server = await Resolver();
        Assert.Equal(["10.0.0.3"], (await Ask(server, longName)).AnswerData("A"));
        var asked = _lab.Questions.Select(q => q.Name).Distinct().ToList();
        // RFC 9156 2.3 (MAX_MINIMISE_COUNT 10): the later steps take several labels at once.
        Assert.InRange(asked.Count, 2, 11);
        Assert.Equal(longName, asked[^1]);
    }
}
