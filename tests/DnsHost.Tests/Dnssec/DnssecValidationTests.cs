using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// Validation over the wire against the signed tree of <see cref="SignedHierarchy"/>: DnsHost iterating
/// from the tree's root, DnsHost forwarding to a validating Unbound, and DnsHost forwarding to a
/// non-validating Unbound must all answer every case as expected, and as Unbound itself does.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class DnssecValidationTests(SignedHierarchy tree, ITestOutputHelper output) : IClassFixture<SignedHierarchy>, IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _iterating = null!;
    private RunningServer _behindValidator = null!;
    private RunningServer _behindPlain = null!;

    public async Task InitializeAsync()
    {
        _iterating = await tree.StartResolver(_zones);
        string[] forwarding = [$"--Resolver:TrustAnchors={tree.AnchorPath}", .. SignedHierarchy.Patient];
        _behindValidator = await RunningServer.StartAsync(_zones.Directory, [$"--Resolver:Forwarders:0={tree.Unbound.EndPoint}", .. forwarding]);
        _behindPlain = await RunningServer.StartAsync(_zones.Directory, [$"--Resolver:Forwarders:0={tree.PlainUnbound.EndPoint}", .. forwarding]);
    }

    public async Task DisposeAsync()
    {
        await _iterating.DisposeAsync();
        await _behindValidator.DisposeAsync();
        await _behindPlain.DisposeAsync();
        _zones.Dispose();
    }

    public static TheoryData<string, string, ResponseCode, bool, int> Cases => new()
    {
        // name, type, RCODE, AD, extended error (-1: none)
        { "www.ok.sec", "A", ResponseCode.NoError, true, -1 },
        { "nope.ok.sec", "A", ResponseCode.NXDomain, true, -1 },
        { "www.ok.sec", "TXT", ResponseCode.NoError, true, -1 },                 // NODATA, NSEC
        { "ent.ok.sec", "A", ResponseCode.NoError, true, -1 },                   // empty non-terminal
        { "some.wild.ok.sec", "TXT", ResponseCode.NoError, true, -1 },          // wildcard answer, NSEC
        { "some.wild.ok.sec", "A", ResponseCode.NoError, true, -1 },            // wildcard NODATA
        { "alias.ok.sec", "A", ResponseCode.NoError, true, -1 },                // CNAME in a signed zone
        { "www.ed.sec", "A", ResponseCode.NoError, true, -1 },                  // Ed25519, DS digest 4
        { "nope.ed.sec", "A", ResponseCode.NXDomain, true, -1 },                // NSEC3 NXDOMAIN
        { "www.ed.sec", "MX", ResponseCode.NoError, true, -1 },                 // NSEC3 NODATA
        { "some.wild.ed.sec", "TXT", ResponseCode.NoError, true, -1 },          // wildcard answer, NSEC3
        { "www.rsa.sec", "A", ResponseCode.NoError, true, -1 },                 // RSA/SHA-512
        { "www.p384.sec", "A", ResponseCode.NoError, true, -1 },                // ECDSA P-384
        { "nope.p384.sec", "A", ResponseCode.NXDomain, true, -1 },
        { "www.insecure.sec", "A", ResponseCode.NoError, false, -1 },           // opt-out span, no DS: insecure
        { "nope.insecure.sec", "A", ResponseCode.NXDomain, false, -1 },
        { "nope.sec", "A", ResponseCode.NXDomain, false, -1 },                  // NXDOMAIN covered by an opt-out span: insecure
        { "www.badsig.sec", "A", ResponseCode.ServFail, false, ExtendedDnsError.DnssecBogus },
        { "www.expired.sec", "A", ResponseCode.ServFail, false, ExtendedDnsError.SignatureExpired },
        { "www.nokey.sec", "A", ResponseCode.ServFail, false, ExtendedDnsError.DnskeyMissing },
        { "www.wrongds.sec", "A", ResponseCode.ServFail, false, ExtendedDnsError.DnskeyMissing },
        { "nope.badnsec3.sec", "A", ResponseCode.ServFail, false, ExtendedDnsError.NsecMissing },
        { "www.iter.sec", "A", ResponseCode.NoError, true, -1 },                // signed data still validates
        { "nope.iter.sec", "A", ResponseCode.NXDomain, false, -1 },             // RFC 9276 3.2: 200 iterations, insecure
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Answers_as_expected_and_as_unbound(string name, string type, ResponseCode rcode, bool ad, int ede)
    {
        RecordTypeInfo.TryGet(type, out var info);
        var query = TestQuery.Build(name, info.Type, rd: true, dnssecOk: true);
        var unbound = await AskAsync(tree.Unbound.EndPoint, query);
        output.WriteLine($"unbound: {unbound.ResponseCode} AD={Ad(unbound)} EDE={unbound.ExtendedError?.InfoCode}");
        foreach (var (label, server) in new[] { ("iterating", _iterating), ("behind validating unbound", _behindValidator), ("behind plain unbound", _behindPlain) })
        {
            // Longer than Resolver:ResolutionTimeoutMs (30 s here): a resolution that gives up still answers SERVFAIL.
            var bytes = await server.UdpRawAsync(query, timeoutMs: 35000);
            if (bytes is null)
                Assert.Fail($"{label}: no UDP response in 35 s; upstreams: {Upstreams(server)}");
            var response = TestResponse.Parse(bytes);
            output.WriteLine($"{label}: {response.ResponseCode} AD={Ad(response)} EDE={response.ExtendedError?.InfoCode}; upstreams: {Upstreams(server)}");
            Assert.True(rcode == response.ResponseCode, $"{label}: {response.ResponseCode}, expected {rcode}");
            Assert.True(ad == Ad(response), $"{label}: AD={Ad(response)}, expected {ad}");
            if (ede >= 0)
                Assert.Equal(ede, response.ExtendedError?.InfoCode);
            Assert.True(unbound.ResponseCode == response.ResponseCode && Ad(unbound) == Ad(response),
                $"{label} differs from Unbound: {response.ResponseCode} AD={Ad(response)} against {unbound.ResponseCode} AD={Ad(unbound)}");
        }
    }

    private static string Upstreams(RunningServer server) => string.Join(", ",
        server.Services.GetRequiredService<DnsHost.Server.RecursionService>().Resolver!.Metrics.Servers.Values
            .Select(s => $"{s.EndPoint} {s.Queries} queries {s.Responses} responses {s.Timeouts} timeouts {s.Errors} errors"));

    [Fact]
    public async Task Checking_disabled_gives_the_bogus_data_without_ad()
    {
        var query = TestQuery.Build("www.badsig.sec", RecordType.A, rd: true, dnssecOk: true);
        query[3] |= (byte)DnsHeader.CdBit;
        foreach (var server in new[] { _iterating, _behindValidator })
        {
            var response = await server.UdpAsync(query, timeoutMs: 35000);
            Assert.Equal(ResponseCode.NoError, response.ResponseCode);
            Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
            Assert.False(Ad(response));
        }
        // And without CD it stays SERVFAIL (the bogus answer is cached as bogus).
        var plain = await _iterating.UdpAsync(TestQuery.Build("www.badsig.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.ServFail, plain.ResponseCode);
    }

    [Fact]
    public async Task Ad_only_when_the_client_asks_with_ad_or_do()
    {
        var plain = await _iterating.UdpAsync(TestQuery.Build("www.ok.sec", RecordType.A, rd: true), timeoutMs: 35000);
        Assert.Equal(["192.0.2.1"], plain.AnswerData("A"));
        Assert.False(Ad(plain));
        Assert.DoesNotContain(plain.Answer, r => r.Type == "RRSIG");
        var withAd = TestQuery.Build("www.ok.sec", RecordType.A, rd: true);
        withAd[3] |= (byte)DnsHeader.AdBit;
        Assert.True(Ad(await _iterating.UdpAsync(withAd, timeoutMs: 35000)));
        var withDo = await _iterating.UdpAsync(TestQuery.Build("www.ok.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.True(Ad(withDo));
        Assert.Contains(withDo.Answer, r => r.Type == "RRSIG");
    }

    [Fact]
    public async Task A_negative_trust_anchor_makes_a_bogus_zone_insecure()
    {
        await using var server = await tree.StartResolver(_zones, "--Resolver:NegativeTrustAnchors:0=badsig.sec");
        var response = await server.UdpAsync(TestQuery.Build("www.badsig.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.False(Ad(response));
        // Zones outside it still validate.
        Assert.True(Ad(await server.UdpAsync(TestQuery.Build("www.ok.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000)));
    }

    [Fact]
    public async Task With_validation_off_bogus_data_passes_without_ad()
    {
        await using var server = await tree.StartResolver(_zones, "--Resolver:Dnssec=false");
        var response = await server.UdpAsync(TestQuery.Build("www.badsig.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.False(Ad(await server.UdpAsync(TestQuery.Build("www.ok.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000)));
    }

    [Fact]
    public async Task With_validation_off_a_clients_cd_is_passed_to_a_validating_forwarder()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory,
            [$"--Resolver:Forwarders:0={tree.Unbound.EndPoint}", "--Resolver:Dnssec=false", .. SignedHierarchy.Patient]);
        // Without CD the validating upstream will not hand over the bogus data.
        Assert.Equal(ResponseCode.ServFail, (await server.UdpAsync(TestQuery.Build("www.badsig.sec", RecordType.A, rd: true), timeoutMs: 35000)).ResponseCode);
        // With CD it must (RFC 4035 3.2.2), unchecked: AD=0.
        var query = TestQuery.Build("www.badsig.sec", RecordType.A, rd: true, dnssecOk: true);
        query[3] |= (byte)DnsHeader.CdBit;
        var response = await server.UdpAsync(query, timeoutMs: 35000);
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(["192.0.2.1"], response.AnswerData("A"));
        Assert.False(Ad(response));
        // The unchecked answer is cached apart: a client without CD still gets SERVFAIL.
        Assert.Equal(ResponseCode.ServFail, (await server.UdpAsync(TestQuery.Build("www.badsig.sec", RecordType.A, rd: true), timeoutMs: 35000)).ResponseCode);
    }

    [Fact]
    public async Task A_name_inside_a_validated_nsec_span_is_nxdomain_without_asking_again()
    {
        await using var server = await tree.StartResolver(_zones);
        var first = await server.UdpAsync(TestQuery.Build("nope1.ok.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NXDomain, first.ResponseCode);
        var resolver = server.Services.GetRequiredService<DnsHost.Server.RecursionService>().Resolver!;
        var leaves = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.4"), tree.Port);
        long asked = resolver.Metrics.Servers[leaves].Queries;
        // RFC 8198: nope2 falls in the same NSEC span (host.deep.ent.ok.sec. to ns.ok.sec.), and *.ok.sec is covered too.
        var second = await server.UdpAsync(TestQuery.Build("nope2.ok.sec", RecordType.AAAA, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NXDomain, second.ResponseCode);
        Assert.True(Ad(second));
        Assert.Contains(second.Authority, r => r.Type == "NSEC");
        Assert.Contains(second.Authority, r => r.Type == "SOA");
        Assert.Equal(asked, resolver.Metrics.Servers[leaves].Queries);
        Assert.Equal(1, resolver.Metrics.Synthesized);
        // A name that exists is not denied from the cache.
        Assert.Equal(["192.0.2.1"], (await server.UdpAsync(TestQuery.Build("www.ok.sec", RecordType.A, rd: true), timeoutMs: 35000)).AnswerData("A"));
    }

    [Fact]
    public async Task A_name_whose_nsec3_proof_is_all_in_the_cache_is_nxdomain_without_asking_again()
    {
        await using var server = await tree.StartResolver(_zones);
        var first = await server.UdpAsync(TestQuery.Build("nope1.ed.sec", RecordType.A, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NXDomain, first.ResponseCode);
        var spans = first.Authority.Where(r => r.Type == "NSEC3").Select(Nsec3Span).ToList();
        Assert.NotEmpty(spans);
        // A second name below the apex whose hash falls in one of the spans the first answer brought: the
        // apex's match and the wildcard's cover are in that answer too, so the whole proof is cached.
        var (salt, iterations) = (spans[0].Salt, spans[0].Iterations);
        string second = Enumerable.Range(2, 10_000).Select(i => $"nope{i}.ed.sec").First(n => spans.Any(s => s.Covers(Hash(n, salt, iterations))));
        var resolver = server.Services.GetRequiredService<DnsHost.Server.RecursionService>().Resolver!;
        var leaves = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.4"), tree.Port);
        long asked = resolver.Metrics.Servers[leaves].Queries;
        var response = await server.UdpAsync(TestQuery.Build(second, RecordType.TXT, rd: true, dnssecOk: true), timeoutMs: 35000);
        Assert.Equal(ResponseCode.NXDomain, response.ResponseCode);
        Assert.True(Ad(response));
        Assert.Contains(response.Authority, r => r.Type == "SOA");
        Assert.InRange(response.Authority.Count(r => r.Type == "NSEC3"), 2, 3);
        Assert.Equal(asked, resolver.Metrics.Servers[leaves].Queries);
        Assert.Equal(1, resolver.Metrics.Synthesized);
        // Unbound, asked the same second name with the same proofs on the wire, answers NXDOMAIN too.
        var unbound = await AskAsync(tree.Unbound.EndPoint, TestQuery.Build(second, RecordType.TXT, rd: true, dnssecOk: true));
        Assert.Equal(ResponseCode.NXDomain, unbound.ResponseCode);
        // A name that exists is not denied from the cache; a name whose hash lies in a span not yet seen is asked.
        Assert.Equal(ResponseCode.NoError, (await server.UdpAsync(TestQuery.Build("www.ed.sec", RecordType.A, rd: true), timeoutMs: 35000)).ResponseCode);
        Assert.Equal(1, resolver.Metrics.Synthesized);
    }

    private sealed record Nsec3Record(byte[] Owner, byte[] Next, byte[] Salt, int Iterations)
    {
        public bool Covers(byte[] hash) => Owner.AsSpan().SequenceCompareTo(Next) < 0
            ? hash.AsSpan().SequenceCompareTo(Owner) > 0 && hash.AsSpan().SequenceCompareTo(Next) < 0
            : hash.AsSpan().SequenceCompareTo(Owner) > 0 || hash.AsSpan().SequenceCompareTo(Next) < 0;
    }

    private static Nsec3Record Nsec3Span(TestRecord record)
    {
        // "1 0 0 ab12 NEXTHASH A RRSIG" (algorithm, flags, iterations, salt, next hashed owner, types).
        var fields = record.Data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new Nsec3Record(FromBase32Hex(record.Name.Split('.')[0]), FromBase32Hex(fields[4]),
            fields[3] == "-" ? [] : Convert.FromHexString(fields[3]), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static byte[] FromBase32Hex(string text)
    {
        var hash = new byte[64];
        int length = DnsHost.Dnssec.Nsec3Hash.FromBase32Hex(System.Text.Encoding.ASCII.GetBytes(text), hash);
        return hash[..length];
    }

    private static byte[] Hash(string name, byte[] salt, int iterations)
    {
        var hash = new byte[DnsHost.Dnssec.Nsec3Hash.Length];
        Assert.True(DnsHost.Dnssec.Nsec3Hash.TryCompute(DnsHost.Dnssec.Nsec3Hash.Sha1, DnsName.Parse(name + "."), salt, iterations, hash));
        return hash;
    }

    private static bool Ad(TestResponse response) => (response.Flags & DnsHeader.AdBit) != 0;

    private static async Task<TestResponse> AskAsync(System.Net.IPEndPoint endPoint, byte[] query)
    {
        using var udp = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
        udp.Connect(endPoint);
        await udp.SendAsync(query);
        using var cts = new CancellationTokenSource(10000);
        return TestResponse.Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
    }
}
