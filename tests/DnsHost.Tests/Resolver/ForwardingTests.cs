using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Resolver;

/// <summary>Upstream resolvers on loopback, shared by the forwarding tests: NSD for fwd.lab. (and a rival example.test.), Knot for corp.lab.</summary>
public sealed class ForwardingUpstreams : IAsyncLifetime
{
    private readonly TestZones _files = new();
    public PeerProcess Nsd { get; private set; } = null!;
    public PeerProcess Knot { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var fwd = _files.Write("fwd.lab.zone", """
            $TTL 300
            @      IN SOA ns.fwd.lab. hostmaster.fwd.lab. 1 3600 600 86400 5
            @      IN NS  ns
            ns     IN A   192.0.2.53
            www    IN A   192.0.2.1
            alias  IN CNAME www
            txt    IN TXT "forwarded"
            """ + "\n" + string.Join("\n", Enumerable.Range(1, 100).Select(i => $"big IN A 10.2.0.{i}")) + "\n");
        // The same name as the local sample zone, with other data: local answers must win.
        var rival = _files.Write("example.test.zone", """
            $TTL 300
            @      IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 5
            @      IN NS  ns
            www    IN A   198.51.100.99
            """);
        var corp = _files.Write("corp.lab.zone", """
            $TTL 300
            @      IN SOA ns.corp.lab. hostmaster.corp.lab. 1 3600 600 86400 5
            @      IN NS  ns
            ns     IN A   10.1.2.53
            host   IN A   10.1.2.3
            """);
        // A public priv.lab. upstream; DnsHost also holds a private priv.lab. for one VPC.
        var priv = _files.Write("priv.lab.zone", """
            $TTL 300
            @      IN SOA ns.priv.lab. hostmaster.priv.lab. 1 3600 600 86400 5
            @      IN NS  ns
            www    IN A   192.0.2.99
            """);
        Nsd = await NsdServer.StartAsync([("fwd.lab.", fwd), ("example.test.", rival), ("priv.lab.", priv)]);
        Knot = await KnotServer.StartAsync([("corp.lab.", corp)]);
    }

    public string NsdAddress => $"127.0.0.1:{Nsd.EndPoint.Port}";
    public string KnotAddress => $"127.0.0.1:{Knot.EndPoint.Port}";

    public async Task DisposeAsync()
    {
        await Nsd.DisposeAsync();
        await Knot.DisposeAsync();
        _files.Dispose();
    }
}

/// <summary>Forwarding, conditional forwarding, local-first, and who may recurse, over the wire against NSD and Knot.</summary>
[Trait("Kind", "Interop")]
public sealed class ForwardingTests(ForwardingUpstreams upstreams) : IClassFixture<ForwardingUpstreams>, IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(_zones.Directory,
        "--Resolver:Dnssec=false", $"--Resolver:Forwarders:0={upstreams.NsdAddress}",
        $"--Resolver:ConditionalForwarders:lab:0={upstreams.NsdAddress}",
        $"--Resolver:ConditionalForwarders:corp.lab:0={upstreams.KnotAddress}");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private Task<TestResponse> Ask(string name, RecordType type, bool dnssecOk = false) => _server.UdpAsync(TestQuery.Build(name, type, rd: true, dnssecOk: dnssecOk));

    [Fact]
    public async Task Forwards_a_name_outside_the_zones_and_offers_recursion()
    {
        var response = await Ask("www.fwd.lab", RecordType.A);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.True(response.RA);
        Assert.True(response.RD);
        Assert.False(response.AA);
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
        Assert.Equal(300u, response.Answer[0].Ttl);
    }

    [Fact]
    public async Task Forwarded_cname_chain_comes_back_whole()
    {
        var response = await Ask("alias.fwd.lab", RecordType.A);
        Assert.Equal(["www.fwd.lab."], response.AnswerData("CNAME"));
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
    }

    [Fact]
    public async Task Longest_conditional_forwarder_wins()
    {
        // "lab" goes to NSD, which does not serve corp.lab and would refuse; "corp.lab" goes to Knot.
        var response = await Ask("host.corp.lab", RecordType.A);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(["10.1.2.3"], response.AnswerData("A"));
        Assert.Equal(["\"forwarded\""], (await Ask("txt.fwd.lab", RecordType.TXT)).AnswerData("TXT"));
    }

    [Fact]
    public async Task Hosted_zones_answer_first_and_are_never_forwarded()
    {
        var response = await Ask("www.example.test", RecordType.A);
        Assert.True(response.AA);
        Assert.True(response.RA);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], response.AnswerData("A").Order());
        // A name missing from the hosted zone is NXDOMAIN from the zone, not a forwarded answer.
        var missing = await Ask("nope.example.test", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, missing.ResponseCode);
        Assert.True(missing.AA);
    }

    [Fact]
    public async Task Forwarded_nxdomain_keeps_the_soa_with_the_negative_ttl()
    {
        var response = await Ask("nope.fwd.lab", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, response.ResponseCode);
        var soa = Assert.Single(response.Authority);
        Assert.Equal("SOA", soa.Type);
        Assert.Equal(5u, soa.Ttl);
    }

    [Fact]
    public async Task Special_use_names_are_answered_here()
    {
        var localhost = await Ask("printer.localhost", RecordType.A);
        Assert.Equal(["127.0.0.1"], localhost.AnswerData("A"));
        Assert.Equal(ResponseCode.NXDomain, (await Ask("anything.invalid", RecordType.A)).ResponseCode);
        Assert.Equal(ResponseCode.NXDomain, (await Ask("printer.local", RecordType.AAAA)).ResponseCode);
    }

    [Fact]
    public async Task Recursion_works_over_tcp_too()
    {
        var responses = await _server.TcpAsync(TestQuery.Build("www.fwd.lab", RecordType.A, id: 7, rd: true), TestQuery.Build("host.corp.lab", RecordType.A, id: 8, rd: true));
        // RFC 7766 6.2.1.1: answers to pipelined recursive queries may come in any order.
        responses = [.. responses.OrderBy(r => r.Id)];
        Assert.Equal([7, 8], responses.Select(r => (int)r.Id));
        Assert.Equal(["192.0.2.1"], responses[0].AnswerData("A"));
        Assert.Equal(["10.1.2.3"], responses[1].AnswerData("A"));
    }

    [Fact]
    public async Task A_truncated_forwarded_answer_is_fetched_over_tcp()
    {
        // 100 addresses do not fit the 1232 bytes the resolver offers NSD over UDP.
        var response = (await _server.TcpAsync(TestQuery.Build("big.fwd.lab", RecordType.A, rd: true)))[0];
        Assert.Equal(100, response.AnswerData("A").Count());
    }

    [Fact]
    public async Task Answers_echo_the_client_question_case_and_id()
    {
        var response = await _server.UdpAsync(TestQuery.Build("WwW.FwD.LaB", RecordType.A, id: 0xBEEF, rd: true));
        Assert.Equal(0xBEEF, response.Id);
        Assert.Equal("WwW.FwD.LaB.", response.QuestionName);
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
    }
}

/// <summary>Recursion is only for the configured networks: others are refused and never see RA.</summary>
[Trait("Kind", "Interop")]
public sealed class RecursionAccessTests(ForwardingUpstreams upstreams) : IClassFixture<ForwardingUpstreams>
{
    [Fact]
    public async Task Clients_outside_allow_recursion_get_refused_without_ra()
    {
        using var zones = new TestZones().CopySamples();
        await using var server = await RunningServer.StartAsync(zones.Directory,
            "--Resolver:Dnssec=false", $"--Resolver:Forwarders:0={upstreams.NsdAddress}", "--Resolver:AllowRecursion:0=10.0.0.0/8");
        var outside = await server.UdpAsync(TestQuery.Build("www.fwd.lab", RecordType.A, rd: true));
        Assert.Equal(ResponseCode.Refused, outside.ResponseCode);
        Assert.False(outside.RA);
        var local = await server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A, rd: true));
        Assert.Equal(ResponseCode.NoError, local.ResponseCode);
        Assert.False(local.RA);
    }

    [Theory]
    [InlineData("127.0.0.1/32", "10.10.10.10", true)]
    [InlineData("10.9.0.0/16", "192.0.2.99", false)]
    public async Task A_private_zone_answers_only_the_clients_that_see_it(string vpcNetwork, string expected, bool authoritative)
    {
        using var zones = new TestZones();
        zones.Write("priv.lab.json", """
            { "HostedZone": { "Id": "/hostedzone/ZPRIVLAB", "Name": "priv.lab.", "Config": { "PrivateZone": true } },
              "VPCs": [ { "VPCRegion": "eu-west-1", "VPCId": "vpc-lab" } ],
              "ResourceRecordSets": [ { "Name": "www.priv.lab.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "10.10.10.10" } ] } ] }
            """);
        await using var server = await RunningServer.StartAsync(zones.Directory,
            "--Resolver:Dnssec=false", $"--Resolver:Forwarders:0={upstreams.NsdAddress}", $"--Vpcs:vpc-lab:0={vpcNetwork}");
        var response = await server.UdpAsync(TestQuery.Build("www.priv.lab", RecordType.A, rd: true));
        Assert.Equal([expected], response.AnswerData("A"));
        Assert.Equal(authoritative, response.AA);
        Assert.True(response.RA);
    }

    [Fact]
    public async Task Without_a_resolver_nothing_changes()
    {
        using var zones = new TestZones().CopySamples();
        await using var server = await RunningServer.StartAsync(zones.Directory);
        var outside = await server.UdpAsync(TestQuery.Build("www.fwd.lab", RecordType.A, rd: true));
        Assert.Equal(ResponseCode.Refused, outside.ResponseCode);
        Assert.False(outside.RA);
    }
}
