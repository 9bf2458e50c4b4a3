using System.Net;
using Microsoft.Extensions.DependencyInjection;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Resolver;

/// <summary>
/// A small DNS tree on loopback, every server on its own 127.0.0.x address and one shared port
/// (named by the hints file and Resolver:IterationPort):
/// <code>
/// 127.0.0.2  NSD   .          root; delegates lab. with glue
/// 127.0.0.3  NSD   lab.       delegates corp.lab. (glue), other.lab. (glueless: ns1.corp.lab.),
///                             lame.lab., slow.lab., broken.lab., dead.lab., evil.lab. and a glueless loop,
///                             mixed.lab. (ns1.mixed with glue at 127.0.0.6, which never answers; ns1.corp.lab. glueless)
/// 127.0.0.4  Knot  corp.lab., other.lab., lame.lab., slow.lab., broken.lab., mixed.lab.
/// 127.0.0.5  NSD   elsewhere.lab. only: lame for lame.lab. (REFUSED)
/// 127.0.0.6  fake  never answers (second server of slow.lab.)
/// 127.0.0.7  fake  SERVFAIL to everything (broken.lab., and the only server of dead.lab.)
/// 127.0.0.8  fake  evil.lab.: answers with a CNAME into corp.lab. plus a forged address for it
/// </code>
/// </summary>
public sealed class IterationHierarchy : IAsyncLifetime
{
    private static readonly IPAddress[] Addresses = Enumerable.Range(2, 7).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToArray();
    private readonly TestZones _files = new();
    private readonly List<PeerProcess> _peers = [];
    private readonly List<FakeUpstream> _fakes = [];

    public int Port { get; private set; }
    public string HintsPath { get; private set; } = "";

    public static IPEndPoint At(int last, int port) => new(IPAddress.Parse($"127.0.0.{last}"), port);

    public async Task InitializeAsync()
    {
        Port = PeerProcess.FreePort(Addresses);
        var root = _files.Write("root.zone", """
            $TTL 86400
            .            IN SOA a.root. hostmaster.root. 1 3600 600 86400 60
            .            IN NS  a.root.
            a.root.      IN A   127.0.0.2
            lab.         IN NS  ns.lab.
            ns.lab.      IN A   127.0.0.3
            """);
        var lab = _files.Write("lab.zone", """
            $ORIGIN lab.
            $TTL 3600
            @            IN SOA ns hostmaster 1 3600 600 86400 60
            @            IN NS  ns
            ns           IN A   127.0.0.3
            corp         IN NS  ns.corp
            corp         IN DS  60485 8 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A
            ns.corp      IN A   127.0.0.4
            other        IN NS  ns1.corp.lab.
            lame         IN NS  ns1.lame
            lame         IN NS  ns2.lame
            ns1.lame     IN A   127.0.0.5
            ns2.lame     IN A   127.0.0.4
            slow         IN NS  ns1.slow
            slow         IN NS  ns2.slow
            ns1.slow     IN A   127.0.0.6
            ns2.slow     IN A   127.0.0.4
            broken       IN NS  ns1.broken
            broken       IN NS  ns2.broken
            ns1.broken   IN A   127.0.0.7
            ns2.broken   IN A   127.0.0.4
            dead         IN NS  ns.dead
            ns.dead      IN A   127.0.0.7
            evil         IN NS  ns.evil
            ns.evil      IN A   127.0.0.8
            mixed        IN NS  ns1.mixed
            mixed        IN NS  ns1.corp.lab.
            ns1.mixed    IN A   127.0.0.6
            loop1        IN NS  ns.loop2.lab.
            loop2        IN NS  ns.loop1.lab.
            """);
        var corp = _files.Write("corp.lab.zone", """
            $ORIGIN corp.lab.
            $TTL 300
            @            IN SOA ns hostmaster 1 3600 600 86400 2
            @            IN NS  ns
            ns           IN A   127.0.0.4
            ns1          IN A   127.0.0.4
            host         IN A   10.0.0.1
            short    2   IN A   10.0.0.2
            www          IN CNAME web.other.lab.
            cycle1       IN CNAME cycle2
            cycle2       IN CNAME cycle1
            """ + "\n" + string.Join("\n", Enumerable.Range(1, 100).Select(i => $"big IN A 10.1.{i / 256}.{i % 256}")) + "\n");
        var other = _files.Write("other.lab.zone", """
            $ORIGIN other.lab.
            $TTL 300
            @            IN SOA ns1.corp.lab. hostmaster 1 3600 600 86400 2
            @            IN NS  ns1.corp.lab.
            web          IN A   10.0.0.80
            """);
        string Child(string name, string lastOctets, string host) => _files.Write($"{name}.lab.zone", $"""
            $ORIGIN {name}.lab.
            $TTL 300
            @            IN SOA ns1 hostmaster 1 3600 600 86400 2
            @            IN NS  ns1
            @            IN NS  ns2
            ns1          IN A   127.0.0.{lastOctets}
            ns2          IN A   127.0.0.4
            host         IN A   {host}
            """);
        var lame = Child("lame", "5", "10.0.0.5");
        var slow = Child("slow", "6", "10.0.0.6");
        var broken = Child("broken", "7", "10.0.0.7");
        var mixed = _files.Write("mixed.lab.zone", """
            $ORIGIN mixed.lab.
            $TTL 300
            @            IN SOA ns1.corp.lab. hostmaster 1 3600 600 86400 2
            @            IN NS  ns1
            @            IN NS  ns1.corp.lab.
            ns1          IN A   127.0.0.6
            host         IN A   10.0.0.9
            """);
        var elsewhere = _files.Write("elsewhere.lab.zone", """
            $ORIGIN elsewhere.lab.
            $TTL 300
            @            IN SOA ns hostmaster 1 3600 600 86400 2
            @            IN NS  ns
            ns           IN A   127.0.0.5
            """);
        HintsPath = _files.Write("hints", """
            ; the test hierarchy's root (port: Resolver:IterationPort)
            .            3600000 IN NS a.root.
            a.root.      3600000 IN A  127.0.0.2
            """);

        _fakes.Add(new FakeUpstream("slow.lab.", endPoint: At(6, Port)) { Mode = FakeUpstream.Behaviour.Silent });
        _fakes.Add(new FakeUpstream("broken.lab.", endPoint: At(7, Port)) { Mode = FakeUpstream.Behaviour.ServFail });
        _fakes.Add(new FakeUpstream("evil.lab.", endPoint: At(8, Port)).Cname("host.evil.lab", "host.corp.lab").A("host.corp.lab", "203.0.113.66"));
        var starts = new[]
        {
            NsdServer.StartAsync([(".", root)], Addresses[0], Port),
            NsdServer.StartAsync([("lab.", lab)], Addresses[1], Port),
            KnotServer.StartAsync([("corp.lab.", corp), ("other.lab.", other), ("lame.lab.", lame), ("slow.lab.", slow), ("broken.lab.", broken), ("mixed.lab.", mixed)], Addresses[2], Port),
            NsdServer.StartAsync([("elsewhere.lab.", elsewhere)], Addresses[3], Port),
        };
        try
        {
            foreach (var start in starts)
                _peers.Add(await start);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A DnsHost that iterates from this hierarchy's root (short timeouts for the servers that never answer).</summary>
    public Task<RunningServer> StartResolver(TestZones zones, params string[] settings) => StartResolver(zones, null, settings);

    /// <param name="clock">The host's clock, for tests that move time through TTLs.</param>
    public Task<RunningServer> StartResolver(TestZones zones, TimeProvider? clock, params string[] settings) =>
        RunningServer.StartAsync(zones.Directory, clock is null ? null : services => services.AddSingleton(clock), [$"--Resolver:RootHints={HintsPath}", "--Resolver:AllowLoopbackServers=true",
            $"--Resolver:IterationPort={Port}", "--Resolver:UpstreamTimeoutMs=400", "--Resolver:Dnssec=false", .. settings]);

    public async Task DisposeAsync()
    {
        foreach (var peer in _peers)
            await peer.DisposeAsync();
        foreach (var fake in _fakes)
            fake.Dispose();
        _files.Dispose();
    }
}
