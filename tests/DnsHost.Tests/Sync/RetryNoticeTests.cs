using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using DnsHost.Route53.Client;

namespace DnsHost.Tests.Sync;

/// <summary>A Route 53 client retrying an unreachable endpoint says each time what failed and how long it waits.</summary>
[Trait("Kind", "Integration")]
public sealed class RetryNoticeTests
{
    [Fact]
    public async Task Each_retry_to_an_unreachable_endpoint_is_told_with_the_reason_and_the_wait()
    {
        // A port nobody listens on: bound, then closed, so connecting is refused.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var notices = new List<string>();
        using var client = new Route53RestClient(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), new Route53ClientOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}"),
            MaxAttempts = 3,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            MaxDelay = TimeSpan.FromMilliseconds(5),
            OnRetry = notices.Add,
        });

        var e = await Assert.ThrowsAsync<Route53ClientException>(() => client.ListHostedZonesAsync());
        Assert.Equal("ConnectionError", e.Code);
        Assert.Equal(2, notices.Count);
        Assert.StartsWith("ConnectionError: GET /2013-04-01/hostedzone", notices[0]);
        Assert.Contains($"127.0.0.1:{port}", notices[0]);
        Assert.Matches(@"; attempt 2 of 3 in \d+\.\d{3} s$", notices[0]);
        Assert.Matches(@"; attempt 3 of 3 in \d+\.\d{3} s$", notices[1]);
    }
}
