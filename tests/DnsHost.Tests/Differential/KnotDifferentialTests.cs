using System.Net;
using System.Net.Sockets;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;
using Xunit.Abstractions;

namespace DnsHost.Tests.Differential;

/// <summary>
/// Sends the same corpus to DnsHost and to a real Knot DNS serving the same zones, and compares
/// RCODE, flags, the question, and every section as a set. A difference fails the test unless the
/// allow-list below explains it.
/// </summary>
public sealed class KnotDifferentialTests(ITestOutputHelper output) : DifferentialTest(output)
{
    protected override string PeerName => "knot";

    protected override Task<PeerProcess> StartPeer(IReadOnlyList<(string Origin, string Path)> zones) => KnotServer.StartAsync(zones);

    /// <summary>Differences we accept, each with the reason. Keep it short.</summary>
    protected override (string Label, string Field, string Reason)[] AllowList { get; } =
    [
        ("CH version.bind", "rcode", "DnsHost refuses CHAOS version queries unless Dns:AnswerChaosQueries is set (the version helps attackers); Knot answers by default"),
        ("CH version.bind", "answer", "same as above"),
        ("CH id.server", "rcode", "same as above"),
        ("CH id.server", "answer", "same as above"),
        ("CD set", "CD", "RFC 4035 3.1.6: the CD bit is copied from query to response; Knot clears it"),
        ("qdcount 2", "response", "DnsHost answers FORMERR (RFC 1035 4.1.2 allows only one question here); Knot drops the packet"),
    ];
}

/// <summary>The comparison itself, shared by every reference server.</summary>
[Trait("Kind", "Interop")]
public abstract class DifferentialTest(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private readonly TestZones _peerZones = new();
    private IPEndPoint _subject = null!;
    private IAsyncDisposable _subjectProcess = null!;
    private PeerProcess _peer = null!;

    protected abstract string PeerName { get; }
    protected abstract (string Label, string Field, string Reason)[] AllowList { get; }
    protected abstract Task<PeerProcess> StartPeer(IReadOnlyList<(string Origin, string Path)> zones);

    /// <summary>The folder under Differential/ whose files (zones and what they $INCLUDE) are served.</summary>
    protected virtual string ZoneFolder => "zones";

    /// <summary>Whether the sample zones of zones/ are served too.</summary>
    protected virtual bool WithSamples => true;

    protected virtual int MinimumQueries => 300;

    protected virtual IEnumerable<CorpusQuery> Corpus(string zonesDirectory) =>
        QueryCorpus.All().Concat(QueryCorpus.Any()).Concat(QueryCorpus.FromZones(zonesDirectory));

    /// <summary>The server under test (DnsHost; another reference server to compare two references).</summary>
    protected virtual async Task<(IPEndPoint EndPoint, IAsyncDisposable Process)> StartSubject(string zonesDirectory, IReadOnlyList<(string Origin, string Path)> peerZones)
    {
        var server = await RunningServer.StartAsync(zonesDirectory);
        return (server.EndPoint, server);
    }

    public async Task InitializeAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Differential", ZoneFolder)))
            File.Copy(file, Path.Combine(_zones.Directory, Path.GetFileName(file)));
        if (WithSamples)
            _zones.CopySamples();
        // The reference servers read a copy with $GENERATE expanded: neither Knot 3.2 nor NSD 4.6 reads it.
        foreach (var file in Directory.GetFiles(_zones.Directory))
            File.WriteAllText(Path.Combine(_peerZones.Directory, Path.GetFileName(file)), GenerateDirective.Expand(File.ReadAllText(file)));
        var zoneFiles = Directory.GetFiles(_peerZones.Directory, "*.zone").Order(StringComparer.Ordinal)
            .Select(f => (Origin: Path.GetFileNameWithoutExtension(f) + ".", Path: f)).ToList();
        (_subject, _subjectProcess) = await StartSubject(_zones.Directory, zoneFiles);
        _peer = await StartPeer(zoneFiles);
    }

    public async Task DisposeAsync()
    {
        await _subjectProcess.DisposeAsync();
        await _peer.DisposeAsync();
        _zones.Dispose();
        _peerZones.Dispose();
    }

    [Fact]
    public async Task DnsHost_answers_like_the_reference_server()
    {
        var differences = new List<string>();
        int compared = 0;
        foreach (var query in Corpus(_zones.Directory))
        {
            var ours = await Send(_subject, query);
            var theirs = await Send(_peer.EndPoint, query);
            compared++;
            var comparison = (ours, theirs) switch
            {
                (null, null) => [],
                (null, _) => [("response", $"ours none, {PeerName} {theirs.ResponseCode}")],
                (_, null) => [("response", $"ours {ours.ResponseCode}, {PeerName} none")],
                _ => Compare(ours, theirs).ToList(),
            };
            foreach (var (field, detail) in comparison)
            {
                if (AllowList.Any(a => Matches(a.Label, query.Label) && a.Field == field))
                    continue;
                differences.Add($"{query.Label}: {field}: {detail}");
            }
        }
        output.WriteLine($"{compared} queries compared with {PeerName}, {differences.Count} unexplained differences");
        foreach (var d in differences)
            output.WriteLine(d);
        Assert.True(compared >= MinimumQueries, $"corpus too small: {compared}");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>An allow-list label is exact, or "*suffix" / "prefix*".</summary>
    private static bool Matches(string pattern, string label) =>
        pattern == label
        || (pattern.StartsWith('*') && label.EndsWith(pattern[1..], StringComparison.Ordinal))
        || (pattern.EndsWith('*') && label.StartsWith(pattern[..^1], StringComparison.Ordinal));

    private IEnumerable<(string Field, string Detail)> Compare(TestResponse ours, TestResponse theirs)
    {
        if (ours.ResponseCode != theirs.ResponseCode)
            yield return ("rcode", $"ours {ours.ResponseCode}, {PeerName} {theirs.ResponseCode}");
        foreach (var (flag, a, b) in new[] { ("QR", ours.QR, theirs.QR), ("CD", (ours.Flags & 0x10) != 0, (theirs.Flags & 0x10) != 0), ("AD", (ours.Flags & 0x20) != 0, (theirs.Flags & 0x20) != 0), ("Z", (ours.Flags & 0x40) != 0, (theirs.Flags & 0x40) != 0), ("opcode", (ours.Flags & 0x7800) != 0, (theirs.Flags & 0x7800) != 0), ("AA", ours.AA, theirs.AA), ("TC", ours.TC, theirs.TC), ("RD", ours.RD, theirs.RD), ("RA", ours.RA, theirs.RA) })
        {
            if (a != b)
                yield return (flag, $"ours {a}, {PeerName} {b}");
        }
        if (ours.QuestionCount != theirs.QuestionCount || ours.QuestionName != theirs.QuestionName || ours.QuestionType != theirs.QuestionType)
            yield return ("question", $"ours {ours.QuestionCount}x {ours.QuestionName} {ours.QuestionType}, {PeerName} {theirs.QuestionCount}x {theirs.QuestionName} {theirs.QuestionType}");
        foreach (var (section, a, b) in new[] { ("answer", ours.Answer, theirs.Answer), ("authority", ours.Authority, theirs.Authority), ("additional", ours.Additional, theirs.Additional) })
        {
            var sa = Sorted(a);
            var sb = Sorted(b);
            if (!sa.SequenceEqual(sb))
                yield return (section, $"ours [{string.Join(", ", sa)}] {PeerName} [{string.Join(", ", sb)}]");
        }
        if (ours.HasOpt != theirs.HasOpt || ours.OptPayload != theirs.OptPayload || ours.OptFlags != theirs.OptFlags)
            yield return ("opt", $"ours {(ours.HasOpt ? $"{ours.OptPayload} flags {ours.OptFlags:x4}" : "none")}, {PeerName} {(theirs.HasOpt ? $"{theirs.OptPayload} flags {theirs.OptFlags:x4}" : "none")}");
        // RFC 8914: the Extended DNS Error's INFO-CODE (EXTRA-TEXT is free text for humans).
        if (ours.ExtendedError?.InfoCode != theirs.ExtendedError?.InfoCode)
            yield return ("ede", $"ours {ours.ExtendedError?.InfoCode.ToString() ?? "none"}, {PeerName} {theirs.ExtendedError?.InfoCode.ToString() ?? "none"}");
    }

    private static List<string> Sorted(List<TestRecord> records) =>
        records.Select(r => $"{r.Name.ToLowerInvariant()} {r.Ttl} {r.Class} {r.Type} {r.Data.ToLowerInvariant()}").Order(StringComparer.Ordinal).ToList();

    /// <summary>Sends one query; null when the server stays silent (as it should for some malformed ones).</summary>
    private static async Task<TestResponse?> Send(IPEndPoint server, CorpusQuery query)
    {
        try
        {
            return await SendOrThrow(server, query);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<TestResponse> SendOrThrow(IPEndPoint server, CorpusQuery query)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        if (query.OverTcp)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(server, cts.Token);
            var stream = tcp.GetStream();
            await stream.WriteAsync(new[] { (byte)(query.Packet.Length >> 8), (byte)query.Packet.Length }, cts.Token);
            await stream.WriteAsync(query.Packet, cts.Token);
            return TestResponse.Parse(await RunningServer.ReadMessage(stream, cts.Token));
        }
        using var udp = new UdpClient(server.AddressFamily);
        udp.Connect(server);
        await udp.SendAsync(query.Packet, cts.Token);
        var result = await udp.ReceiveAsync(cts.Token);
        try
        {
            return TestResponse.Parse(result.Buffer);
        }
        catch (Xunit.Sdk.XunitException)
        {
            return TestResponse.HeaderOnly(result.Buffer);
        }
    }
}
