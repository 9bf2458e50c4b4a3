using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Resolver;

/// <summary>Failover between forwarders and the choice by measured response time, with scripted upstreams on loopback.</summary>
[Trait("Kind", "Integration")]
public sealed class UpstreamSelectionTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static FakeUpstream Upstream() => new FakeUpstream("up.lab.")
        .A("a.up.lab", "192.0.2.1").A("b.up.lab", "192.0.2.2").A("c.up.lab", "192.0.2.3").A("d.up.lab", "192.0.2.4")
        .A("e.up.lab", "192.0.2.5").A("f.up.lab", "192.0.2.6").A("g.up.lab", "192.0.2.7").A("h.up.lab", "192.0.2.8");

    private static readonly string[] Names = ["a", "b", "c", "d", "e", "f", "g", "h"];

    [Fact]
    public async Task A_forwarder_that_never_answers_is_failed_over_and_then_avoided()
    {
        using var silent = Upstream();
        silent.Mode = FakeUpstream.Behaviour.Silent;
        using var good = Upstream();
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Resolver:Dnssec=false",
            $"--Resolver:Forwarders:0={silent.Address}", $"--Resolver:Forwarders:1={good.Address}", "--Resolver:UpstreamTimeoutMs=1000");
        for (int i = 0; i < Names.Length; i++)
        {
            // The client waits out the silent forwarder's timeout and then some: a loaded machine is slow.
            var response = await server.UdpAsync(TestQuery.Build($"{Names[i]}.up.lab", RecordType.A, rd: true), timeoutMs: 10000);
            Assert.Equal(ResponseCode.NoError, response.ResponseCode);
            Assert.Equal([$"192.0.2.{i + 1}"], response.AnswerData("A"));
        }
        // The silent one was tried at most once: after its timeout its measured time keeps it last.
        Assert.InRange(silent.Queries, 0, 1);
        Assert.Equal(Names.Length, good.Queries);
    }

    [Fact]
    public async Task A_forwarder_answering_servfail_is_failed_over()
    {
        using var failing = Upstream();
        failing.Mode = FakeUpstream.Behaviour.ServFail;
        using var good = Upstream();
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Resolver:Dnssec=false",
            $"--Resolver:Forwarders:0={failing.Address}", $"--Resolver:Forwarders:1={good.Address}");
        var response = await server.UdpAsync(TestQuery.Build("a.up.lab", RecordType.A, rd: true));
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
    }

    [Fact]
    public async Task All_forwarders_failing_gives_servfail()
    {
        using var failing = Upstream();
        failing.Mode = FakeUpstream.Behaviour.ServFail;
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Resolver:Dnssec=false", $"--Resolver:Forwarders:0={failing.Address}");
        var response = await server.UdpAsync(TestQuery.Build("a.up.lab", RecordType.A, rd: true));
        Assert.Equal(ResponseCode.ServFail, response.ResponseCode);
        Assert.True(response.RA);
    }

    [Fact]
    public async Task The_faster_forwarder_gets_the_queries()
    {
        using var slow = Upstream();
        // Far slower than a loaded machine's scheduling jitter, so the fast one measures faster however busy
        // the machine is; the timeout stays well above the slow one's delay.
        slow.DelayMs = 400;
        using var fast = Upstream();
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Resolver:Dnssec=false",
            $"--Resolver:Forwarders:0={slow.Address}", $"--Resolver:Forwarders:1={fast.Address}", "--Resolver:UpstreamTimeoutMs=3000");
        foreach (var name in Names)
            Assert.Single((await server.UdpAsync(TestQuery.Build($"{name}.up.lab", RecordType.A, rd: true), timeoutMs: 10000)).Answer);
        // Each is tried once while unmeasured; after that the faster one wins every time.
        Assert.InRange(slow.Queries, 0, 1);
        Assert.InRange(fast.Queries, Names.Length - 1, Names.Length);
    }
}
