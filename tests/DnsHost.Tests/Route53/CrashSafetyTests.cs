using System.Diagnostics;
using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// A crash never loses an acknowledged change: change batches run in a loop against the real server
/// process, which is killed with SIGKILL at a random moment, 20 times; after each restart every
/// acknowledged batch is there, and no batch is there in part.
/// </summary>
[Trait("Kind", "Integration")]
public sealed partial class CrashSafetyTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    [GeneratedRegex(@"Serving HTTP at (http://\S+)")]
    private static partial Regex ApiLine();

    private async Task<(Process Process, Uri Api)> StartServer(string data)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "serve", "--zones", _zones.Directory,
                     "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0", "--data", data, "--HealthChecks:Enabled=false" })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var api = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ApiLine().Match(e.Data) is { Success: true } m)
                api.TrySetResult(new Uri(m.Groups[1].Value + "/"));
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(api.Task, Task.Delay(TimeSpan.FromSeconds(30))) != api.Task)
        {
            process.Kill();
            Assert.Fail("the server did not start");
        }
        return (process, await api.Task);
    }

    private static string Batch(int n) => $"""
        <ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes>
          <Change><Action>CREATE</Action><ResourceRecordSet><Name>a{n}.crash.test</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>"{n}"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
          <Change><Action>CREATE</Action><ResourceRecordSet><Name>b{n}.crash.test</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>"{n}"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
        </Changes></ChangeBatch></ChangeResourceRecordSetsRequest>
        """;

    private static async Task<HashSet<string>> Names(SignedRoute53Client client, string zone)
    {
        var names = new HashSet<string>();
        string query = "";
        while (true)
        {
            var (status, body) = await client.SendAsync(HttpMethod.Get, $"2013-04-01/hostedzone/{zone}/rrset?maxitems=300{query}");
            Assert.Equal(200, status);
            var ns = SignedRoute53Client.Ns;
            foreach (var set in body.Element(ns + "ResourceRecordSets")!.Elements(ns + "ResourceRecordSet"))
                names.Add(set.Element(ns + "Name")!.Value);
            if (body.Element(ns + "IsTruncated")!.Value != "true")
                return names;
            query = $"&name={body.Element(ns + "NextRecordName")!.Value}&type={body.Element(ns + "NextRecordType")!.Value}";
        }
    }

    [Fact]
    public async Task Twenty_kills_lose_no_acknowledged_batch_and_leave_none_half_applied()
    {
        string data = Path.Combine(_zones.Directory, "crash", "api.db");
        var acknowledged = new HashSet<int>();
        int next = 0;
        string? zone = null;
        for (int kill = 0; kill <= 20; kill++)
        {
            var (process, api) = await StartServer(data);
            try
            {
                using var client = new SignedRoute53Client(api);
                if (zone is null)
                {
                    var (status, created) = await client.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone",
                        "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>crash.test</Name><CallerReference>crash</CallerReference></CreateHostedZoneRequest>");
                    Assert.Equal(201, status);
                    zone = created.Descendants(SignedRoute53Client.Ns + "Id").First().Value.Split('/').Last();
                }
                // After each restart: every acknowledged batch is there, and each batch is whole or absent.
                var names = await Names(client, zone);
                foreach (int n in acknowledged)
                    Assert.True(names.Contains($"a{n}.crash.test.") && names.Contains($"b{n}.crash.test."), $"acknowledged batch {n} is missing after kill {kill}");
                for (int n = 0; n < next; n++)
                    Assert.Equal(names.Contains($"a{n}.crash.test."), names.Contains($"b{n}.crash.test."));
                if (kill == 20)
                    break;

                // Batches in a loop, and SIGKILL at a random moment after the first acknowledgement of this
                // round (however slow the machine), in the middle of whatever the server is doing.
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
                            var (status, _) = await client.SendAsync(HttpMethod.Post, $"2013-04-01/hostedzone/{zone}/rrset/", Batch(n));
                            Assert.Equal(200, status);
                            lock (acknowledged)
                                acknowledged.Add(n);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // The server died under the request: not acknowledged.
                    }
                });
                for (var bound = DateTime.UtcNow.AddSeconds(60); !writer.IsCompleted && DateTime.UtcNow < bound; await Task.Delay(10))
                {
                    lock (acknowledged)
                        if (acknowledged.Count > before)
                            break;
                }
                await Task.Delay(Random.Shared.Next(0, 300));
                process.Kill(); // SIGKILL: no shutdown code runs
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
        Assert.True(acknowledged.Count >= 20, $"only {acknowledged.Count} batches were acknowledged in 20 rounds");
    }
}
