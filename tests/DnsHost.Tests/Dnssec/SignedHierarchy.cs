using System.Net;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// A signed DNS tree on loopback, signed at start with ldns-signzone and served by NSD, every server
/// on its own 127.0.0.x address and one shared port; Unbound validates the same tree for comparison.
/// <code>
/// 127.0.0.2  NSD  .         ECDSA P-256, NSEC; delegates sec. with DS
/// 127.0.0.3  NSD  sec.      RSA/SHA-256, NSEC3 opt-out; delegates the zones below, with DS where they are secure
/// 127.0.0.4  NSD  ok.sec.        ECDSA P-256, NSEC: www, a wildcard, a CNAME, an empty non-terminal
///                 ed.sec.        Ed25519, NSEC3 (DS digest 4)
///                 rsa.sec.       RSA/SHA-512, NSEC
///                 p384.sec.      ECDSA P-384, NSEC3
///                 insecure.sec.  unsigned, no DS
///                 badsig.sec.    one bit of the RRSIG of www A flipped
///                 expired.sec.   signatures expired in 2020
///                 nokey.sec.     DS in the parent, no DNSKEY served
///                 wrongds.sec.   the parent's DS matches no key
///                 badnsec3.sec.  NSEC3 records from another salt than its NSEC3PARAM: wrong proofs
///                 iter.sec.      NSEC3 with 200 iterations, over RFC 9276's limit: its denials are insecure
/// </code>
/// </summary>
public sealed class SignedHierarchy : IAsyncLifetime
{
    private static readonly IPAddress[] Addresses = Enumerable.Range(2, 3).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToArray();
    private readonly List<PeerProcess> _peers = [];
    private string _directory = "";

    public int Port { get; private set; }
    public string HintsPath { get; private set; } = "";
    public string AnchorPath { get; private set; } = "";
    public PeerProcess Unbound { get; private set; } = null!;
    /// <summary>Unbound on the same tree without its validator: the "non-validating upstream".</summary>
    public PeerProcess PlainUnbound { get; private set; } = null!;

    private static readonly string[] Leaves = ["ok", "ed", "rsa", "p384", "insecure", "badsig", "expired", "nokey", "wrongds", "badnsec3", "iter"];

    public async Task InitializeAsync()
    {
        Port = PeerProcess.FreePort(Addresses);
        _directory = PeerProcess.NewDirectory("signed");
        var signed = new Dictionary<string, ZoneSigner.Signed>();
        string Leaf(string name, string extra = "") => $"""
            $ORIGIN {name}.sec.
            $TTL 300
            @        IN SOA ns hostmaster 1 3600 600 86400 60
            @        IN NS  ns
            ns       IN A   127.0.0.4
            www      IN A   192.0.2.1
            *.wild   IN TXT "wildcard"
            alias    IN CNAME www
            host.deep.ent IN A 192.0.2.2
            {extra}
            """ + "\n";
        signed["ok"] = ZoneSigner.Sign(_directory, "ok.sec.", Leaf("ok"), "ECDSAP256SHA256");
        signed["ed"] = ZoneSigner.Sign(_directory, "ed.sec.", Leaf("ed"), "ED25519", nsec3: true, dsDigest: 4);
        signed["rsa"] = ZoneSigner.Sign(_directory, "rsa.sec.", Leaf("rsa"), "RSASHA512");
        signed["p384"] = ZoneSigner.Sign(_directory, "p384.sec.", Leaf("p384"), "ECDSAP384SHA384", nsec3: true);
        signed["badsig"] = ZoneSigner.Sign(_directory, "badsig.sec.", Leaf("badsig"), "ECDSAP256SHA256");
        signed["expired"] = ZoneSigner.Sign(_directory, "expired.sec.", Leaf("expired"), "ECDSAP256SHA256", expiration: "20200201000000");
        signed["nokey"] = ZoneSigner.Sign(_directory, "nokey.sec.", Leaf("nokey"), "ECDSAP256SHA256");
        signed["wrongds"] = ZoneSigner.Sign(_directory, "wrongds.sec.", Leaf("wrongds"), "ECDSAP256SHA256");
        signed["badnsec3"] = ZoneSigner.Sign(_directory, "badnsec3.sec.", Leaf("badnsec3"), "ECDSAP256SHA256", nsec3: true);
        signed["iter"] = ZoneSigner.Sign(_directory, "iter.sec.", Leaf("iter"), "ECDSAP256SHA256", nsec3: true, iterations: 200);
        var insecurePath = Path.Combine(_directory, "insecure.sec.zone");
        File.WriteAllText(insecurePath, Leaf("insecure"));

        // The broken ones, broken after signing as an operator's mistake or an attacker would.
        Edit(signed["badsig"].SignedPath, lines => lines.Select(l => IsRrsigOf(l, "www.badsig.sec.", "A") ? FlipSignatureBit(l) : l));
        Edit(signed["nokey"].SignedPath, lines => lines.Where(l => !l.Contains("\tDNSKEY\t") && !IsRrsigOf(l, "nokey.sec.", "DNSKEY")));
        var otherSalt = ZoneSigner.Sign(_directory, "badnsec3.sec.", Leaf("badnsec3"), "ECDSAP256SHA256", nsec3: true, salt: "cd34",
            keyName: signed["badnsec3"].KeyName, suffix: ".other");
        var foreignNsec3 = File.ReadAllLines(otherSalt.SignedPath).Where(l => l.Contains("\tNSEC3\t") || l.Contains("\tRRSIG\tNSEC3 ")).ToList();
        Edit(signed["badnsec3"].SignedPath, lines => lines.Where(l => !l.Contains("\tNSEC3\t") && !l.Contains("\tRRSIG\tNSEC3 ")).Concat(foreignNsec3));

        var delegations = string.Join("\n", Leaves.Select(l => $"{l} IN NS ns.{l}\nns.{l} IN A 127.0.0.4"));
        var ds = string.Join("\n", signed.SelectMany(s => s.Value.Ds.Select(d => s.Key == "wrongds" ? CorruptDigest(d) : d)));
        var tld = ZoneSigner.Sign(_directory, "sec.", $"""
            $ORIGIN sec.
            $TTL 3600
            @        IN SOA ns hostmaster 1 3600 600 86400 60
            @        IN NS  ns
            ns       IN A   127.0.0.3
            {delegations}
            """ + "\n" + ds + "\n", "RSASHA256", nsec3: true, optOut: true);
        var root = ZoneSigner.Sign(_directory, ".", $"""
            $ORIGIN .
            $TTL 86400
            .        IN SOA a.root. hostmaster.root. 1 3600 600 86400 60
            .        IN NS  a.root.
            a.root.  IN A   127.0.0.2
            sec.     IN NS  ns.sec.
            ns.sec.  IN A   127.0.0.3
            """ + "\n" + string.Join("\n", tld.Ds) + "\n", "ECDSAP256SHA256");
        AnchorPath = Path.Combine(_directory, "root.key");
        File.WriteAllLines(AnchorPath, ["; the test root's key, as Unbound's trust-anchor-file", .. root.Ds]);
        HintsPath = Path.Combine(_directory, "hints");
        File.WriteAllText(HintsPath, ".  3600000 IN NS a.root.\na.root. 3600000 IN A 127.0.0.2\n");

        var leaves = Leaves.Select(l => ($"{l}.sec.", l == "insecure" ? insecurePath : signed[l].SignedPath)).ToList();
        var starts = new[]
        {
            NsdServer.StartAsync([(".", root.SignedPath)], Addresses[0], Port),
            NsdServer.StartAsync([("sec.", tld.SignedPath)], Addresses[1], Port),
            NsdServer.StartAsync(leaves, Addresses[2], Port),
        };
        try
        {
            foreach (var start in starts)
                _peers.Add(await start);
            List<(string, string)> stubs = [(".", $"127.0.0.2@{Port}"), ("sec.", $"127.0.0.3@{Port}"), .. Leaves.Select(l => ($"{l}.sec.", $"127.0.0.4@{Port}"))];
            Unbound = await UnboundServer.StartAsync(AnchorPath, stubs);
            _peers.Add(Unbound);
            PlainUnbound = await UnboundServer.StartAsync(AnchorPath, stubs, validate: false);
            _peers.Add(PlainUnbound);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A DnsHost that iterates from this tree's root and trusts its key.</summary>
    public Task<RunningServer> StartResolver(TestZones zones, params string[] settings) =>
        RunningServer.StartAsync(zones.Directory, [$"--Resolver:RootHints={HintsPath}", "--Resolver:AllowLoopbackServers=true",
            $"--Resolver:IterationPort={Port}", $"--Resolver:TrustAnchors={AnchorPath}", .. Patient, .. settings]);

    /// <summary>
    /// Timeouts for a loaded machine: a cold validating resolution is a dozen steps, each retried after an
    /// upstream timeout, so the defaults (1.5 s a try, 10 s in all) can run out when the CPU is starved.
    /// These tests are about answers, not speed.
    /// </summary>
    public static readonly string[] Patient = ["--Resolver:UpstreamTimeoutMs=3000", "--Resolver:ResolutionTimeoutMs=30000"];

    private static bool IsRrsigOf(string line, string owner, string type)
    {
        var parts = line.Split('\t');
        return parts.Length >= 5 && parts[0].Equals(owner, StringComparison.OrdinalIgnoreCase) && parts[3] == "RRSIG" && parts[4].StartsWith(type + " ", StringComparison.Ordinal);
    }

    private static string FlipSignatureBit(string line)
    {
        // The signature is the last field, in base64: flip one bit of its first octet.
        int at = line.LastIndexOf(' ') + 1;
        var signature = Convert.FromBase64String(line[at..]);
        signature[0] ^= 0x01;
        return line[..at] + Convert.ToBase64String(signature);
    }

    private static string CorruptDigest(string ds)
    {
        char last = ds[^1];
        return ds[..^1] + (last == '0' ? '1' : '0');
    }

    private static void Edit(string path, Func<IEnumerable<string>, IEnumerable<string>> change) =>
        File.WriteAllLines(path, change(File.ReadAllLines(path)).ToList());

    public async Task DisposeAsync()
    {
        foreach (var peer in _peers)
            await peer.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
