using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// RFC 2136 updates sent by nsupdate (BIND) and knsupdate (Knot) to the real server: accepted ones are
/// served, raise the serial and are on disk (the zone file written back; for an API zone, the Route 53
/// store, so ListResourceRecordSets shows them); refused ones change nothing.
/// </summary>
[Trait("Kind", "Interop")]
public sealed partial class DynamicUpdateTests : IAsyncLifetime
{
    private const string Secret = "ISUxaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=";
    private const string UpdateKey = "hmac-sha256:upd:" + Secret;
    private const string AcmeKey = "hmac-sha256:acme:c2Vjb25kIGtleSBmb3IgdGhlIGFjbWUgY2xpZW50IHRlc3Q=";
    private const string Head = "$TTL 300\n@ SOA ns hostmaster 10 7200 900 1209600 60\n@ NS ns\n@ NS ns2\nns A 192.0.2.1\nns2 A 192.0.2.2\nwww A 192.0.2.10\n";
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private string _path = null!;

    private static string[] Settings(string zone) =>
    [
        "--Tsig:Keys:0=" + UpdateKey, "--Tsig:Keys:1=" + AcmeKey,
        "--Transfers:Zones:0:Name=" + zone,
        "--Transfers:Zones:0:Update:0=key:upd zonesub ANY",
        $"--Transfers:Zones:0:Update:1=key:acme name _acme-challenge.{zone} TXT",
    ];

    public async Task InitializeAsync()
    {
        _path = _zones.Write("dyn.test.zone", Head);
        _server = await RunningServer.StartAsync(_zones.Directory, Settings("dyn.test"));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private Task<DnsTool.Result> Nsupdate(string? key, string commands, string tool = "nsupdate")
    {
        var script = $"server 127.0.0.1 {_server.Port}\nzone dyn.test\n{commands}\nsend\n";
        return DnsTool.RunAsync(tool, key is null ? [] : ["-y", key], script);
    }

    private async Task<List<string>> Answer(string name, RecordType type) =>
        (await _server.UdpAsync(TestQuery.Build(name, type))).Answer.Select(r => r.Data).Order().ToList();

    private async Task<uint> Serial() => uint.Parse((await Answer("dyn.test", RecordType.SOA)).Single().Split(' ')[2]);

    [Theory]
    [InlineData("nsupdate")]
    [InlineData("knsupdate")]
    public async Task A_signed_update_is_served_raises_the_serial_and_is_written_to_the_zone_file(string tool)
    {
        var result = await Nsupdate(UpdateKey, "update add new.dyn.test 300 A 192.0.2.77\nupdate add new.dyn.test 300 TXT \"hello\"\nupdate delete www.dyn.test A", tool);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(["192.0.2.77"], await Answer("new.dyn.test", RecordType.A));
        Assert.Equal(["\"hello\""], await Answer("new.dyn.test", RecordType.TXT));
        Assert.Empty(await Answer("www.dyn.test", RecordType.A));
        Assert.Equal(11u, await Serial());
        var file = File.ReadAllText(_path);
        Assert.Contains("new.dyn.test. 300 IN A 192.0.2.77", file);
        Assert.DoesNotContain("192.0.2.10", file);
        Assert.Contains(" 11 7200 900 1209600 60", file);
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_and_out_of_policy_updates_are_refused_and_change_nothing()
    {
        var unsigned = await Nsupdate(null, "update add a.dyn.test 300 A 192.0.2.1");
        Assert.Contains("REFUSED", unsigned.All);
        var wrong = await Nsupdate("hmac-sha256:upd:AAAAaM7tEWlToSehWauZ/pyn5mL9vHmLBtfUYUx2f7o=", "update add a.dyn.test 300 A 192.0.2.1");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Matches(new Regex("NOTAUTH|BADSIG|tsig", RegexOptions.IgnoreCase), wrong.All);
        var unknown = await Nsupdate("hmac-sha256:nobody:" + Secret, "update add a.dyn.test 300 A 192.0.2.1");
        Assert.NotEqual(0, unknown.ExitCode);
        // The ACME key may change one TXT set only.
        var outside = await Nsupdate(AcmeKey, "update add a.dyn.test 300 A 192.0.2.1");
        Assert.Contains("REFUSED", outside.All);
        var wrongType = await Nsupdate(AcmeKey, "update add _acme-challenge.dyn.test 300 CAA 0 issue \"ca.test\"");
        Assert.Contains("REFUSED", wrongType.All);
        Assert.Empty(await Answer("a.dyn.test", RecordType.A));
        Assert.Equal(10u, await Serial());

        var acme = await Nsupdate(AcmeKey, "update add _acme-challenge.dyn.test 60 TXT \"token-123\"", "knsupdate");
        Assert.True(acme.ExitCode == 0, acme.All);
        Assert.Equal(["\"token-123\""], await Answer("_acme-challenge.dyn.test", RecordType.TXT));
    }

    [Fact]
    public async Task Prerequisites_not_met_are_answered_with_their_rcode_and_change_nothing()
    {
        var yxdomain = await Nsupdate(UpdateKey, "prereq nxdomain www.dyn.test\nupdate add b.dyn.test 300 A 192.0.2.1");
        Assert.Contains("YXDOMAIN", yxdomain.All);
        var nxrrset = await Nsupdate(UpdateKey, "prereq yxrrset www.dyn.test MX\nupdate add b.dyn.test 300 A 192.0.2.1");
        Assert.Contains("NXRRSET", nxrrset.All);
        var valueDependent = await Nsupdate(UpdateKey, "prereq yxrrset www.dyn.test A 192.0.2.99\nupdate add b.dyn.test 300 A 192.0.2.1");
        Assert.Contains("NXRRSET", valueDependent.All);
        Assert.Empty(await Answer("b.dyn.test", RecordType.A));
        var met = await Nsupdate(UpdateKey, "prereq yxrrset www.dyn.test A 192.0.2.10\nprereq nxdomain b.dyn.test\nupdate add b.dyn.test 300 A 192.0.2.1");
        Assert.True(met.ExitCode == 0, met.All);
        Assert.Equal(["192.0.2.1"], await Answer("b.dyn.test", RecordType.A));
    }

    [Fact]
    public async Task The_apex_keeps_its_soa_and_last_ns_and_a_cname_does_not_join_other_data()
    {
        var result = await Nsupdate(UpdateKey, "update delete dyn.test\nupdate delete dyn.test NS ns.dyn.test.\nupdate delete dyn.test NS ns2.dyn.test.\nupdate add www.dyn.test 300 CNAME elsewhere.test.");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Single(await Answer("dyn.test", RecordType.SOA));
        // Deleting both NS one at a time keeps the last one (RFC 2136 3.4.2.4).
        Assert.Single(await Answer("dyn.test", RecordType.NS));
        Assert.Equal(["192.0.2.10"], await Answer("www.dyn.test", RecordType.A));
    }

    [Fact]
    public async Task An_update_of_an_api_zone_goes_to_the_route53_store_and_shows_in_list_resource_record_sets()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, Settings("api.test"));
        using var client = new SignedRoute53Client(server.ApiBase);
        var (status, created) = await client.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone",
            "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>api.test</Name><CallerReference>dyn</CallerReference></CreateHostedZoneRequest>");
        Assert.Equal(201, status);
        string id = created.Descendants(SignedRoute53Client.Ns + "Id").First().Value.Split('/').Last();
        var script = $"server 127.0.0.1 {server.Port}\nzone api.test\nupdate add host.api.test 120 A 192.0.2.55\nupdate add host.api.test 120 A 192.0.2.56\nsend\n";
        var result = await DnsTool.RunAsync("nsupdate", ["-y", UpdateKey], script);
        Assert.True(result.ExitCode == 0, result.All);
        var (listed, body) = await client.SendAsync(HttpMethod.Get, $"2013-04-01/hostedzone/{id}/rrset?name=host.api.test&type=A&maxitems=1");
        Assert.Equal(200, listed);
        var set = body.Descendants(SignedRoute53Client.Ns + "ResourceRecordSet").First();
        Assert.Equal("host.api.test.", set.Element(SignedRoute53Client.Ns + "Name")!.Value);
        Assert.Equal(["192.0.2.55", "192.0.2.56"], set.Descendants(SignedRoute53Client.Ns + "Value").Select(v => v.Value).Order());
        var answer = await server.UdpAsync(TestQuery.Build("host.api.test", RecordType.A));
        Assert.Equal(2, answer.Answer.Count);
    }

    [GeneratedRegex(@"on port (\d+)")]
    private static partial Regex PortLine();

    /// <summary>
    /// A stream of signed updates (two records each) to a zone file and to an API zone, the server process
    /// killed with SIGKILL at a random moment, five times: after each restart every acknowledged update is
    /// served, and no update is there in part.
    /// </summary>
    [Fact]
    public async Task Sigkill_during_a_stream_of_updates_loses_no_acknowledged_update_and_leaves_none_half_applied()
    {
        var key = TsigKey.Parse(UpdateKey);
        var zones = new TestZones();
        try
        {
            zones.Write("kill.test.zone", Head.Replace("dyn", "kill"));
            string data = Path.Combine(zones.Directory, "state", "api.db");
            var acknowledged = new List<(string Zone, int N)>();
            int next = 0;
            bool apiCreated = false;
            for (int round = 0; round <= 5; round++)
            {
                var (process, port, api) = await StartProcess(zones.Directory, data);
                try
                {
                    var endPoint = new IPEndPoint(IPAddress.Loopback, port);
                    if (!apiCreated)
                    {
                        using var client = new SignedRoute53Client(api);
                        var (status, _) = await client.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone",
                            "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>kapi.test</Name><CallerReference>kill</CallerReference></CreateHostedZoneRequest>");
                        Assert.Equal(201, status);
                        apiCreated = true;
                    }
                    for (int n = 0; n < next; n++)
                    {
                        foreach (var zone in new[] { "kill.test", "kapi.test" })
                        {
                            bool a = await Exists(endPoint, $"a{n}.{zone}"), b = await Exists(endPoint, $"b{n}.{zone}");
                            Assert.Equal(a, b);
                            if (acknowledged.Contains((zone, n)))
                                Assert.True(a, $"acknowledged update {n} of {zone} is missing after kill {round}");
                        }
                    }
                    if (round == 5)
                        break;
                    int before;
                    lock (acknowledged)
                        before = acknowledged.Count;
                    var writer = Task.Run(async () =>
                    {
                        try
                        {
                            while (true)
                            {
                                int n = Interlocked.Increment(ref next) - 1;
                                var zone = n % 2 == 0 ? "kill.test" : "kapi.test";
                                var message = UpdateMessage.AddA(zone, (ushort)n, key, ($"a{n}.{zone}", "192.0.2.1"), ($"b{n}.{zone}", "192.0.2.2"));
                                var response = await Tcp(endPoint, message);
                                Assert.Equal(0, response[3] & 0x0F);
                                lock (acknowledged)
                                    acknowledged.Add((zone, n));
                            }
                        }
                        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or EndOfStreamException)
                        {
                            // The server died under the update: not acknowledged.
                        }
                    });
                    // Kill after a random number of acknowledged updates, while the writer is sending the next one:
                    // the moment depends on progress, not on how fast a loaded machine is.
                    int target = before + Random.Shared.Next(3, 12);
                    for (int wait = 0; wait < 600 && !writer.IsCompleted; wait++)
                    {
                        lock (acknowledged)
                        {
                            if (acknowledged.Count >= target)
                                break;
                        }
                        await Task.Delay(100);
                    }
                    process.Kill(); // SIGKILL
                    await process.WaitForExitAsync();
                    await writer;
                }
                finally
                {
                    if (!process.HasExited)
                        process.Kill();
                    process.Dispose();
                }
            }
            Assert.True(acknowledged.Count >= 15, $"only {acknowledged.Count} updates were acknowledged");
        }
        finally
        {
            zones.Dispose();
        }
    }

    private static async Task<bool> Exists(IPEndPoint server, string name)
    {
        var response = TestResponse.Parse(await Tcp(server, TestQuery.Build(name, RecordType.A)));
        return response.ResponseCode == ResponseCode.NoError && response.Answer.Count > 0;
    }

    private static async Task<byte[]> Tcp(IPEndPoint server, byte[] message)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(5000);
        await client.ConnectAsync(server, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(new[] { (byte)(message.Length >> 8), (byte)message.Length }, cts.Token);
        await stream.WriteAsync(message, cts.Token);
        return await RunningServer.ReadMessage(stream, cts.Token);
    }

    private static async Task<(Process Process, int Port, Uri Api)> StartProcess(string zonesDirectory, string data)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "serve", "--zones", zonesDirectory,
                     "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0", "--data", data, "--HealthChecks:Enabled=false",
                     "--Tsig:Keys:0=" + UpdateKey,
                     "--Transfers:Zones:0:Name=kill.test", "--Transfers:Zones:0:Update:0=key:upd zonesub ANY",
                     "--Transfers:Zones:1:Name=kapi.test", "--Transfers:Zones:1:Update:0=key:upd zonesub ANY" })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var api = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            if (e.Data.Contains("Answering DNS over TCP") && PortLine().Match(e.Data) is { Success: true } m)
                port.TrySetResult(int.Parse(m.Groups[1].Value));
            if (Regex.Match(e.Data, @"Serving HTTP at (http://\S+)") is { Success: true } h)
                api.TrySetResult(new Uri(h.Groups[1].Value + "/"));
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var both = Task.WhenAll(port.Task, api.Task);
        if (await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(30))) != both)
        {
            process.Kill();
            Assert.Fail("the server did not start");
        }
        return (process, await port.Task, await api.Task);
    }
}
