using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Route53;

/// <summary>Api:RequestsPerSecond reproduces Route 53's account rate limit, so clients' retries can be tested.</summary>
[Trait("Kind", "Integration")]
public sealed class Route53ThrottlingTests
{
    [Fact]
    public async Task Requests_beyond_the_rate_get_throttling_and_the_next_second_is_served_again()
    {
        using var zones = new TestZones();
        // The clock stands still: all twelve requests fall in one second however slow the machine is.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RunningServer.StartAsync(zones.Directory, services => services.AddSingleton<TimeProvider>(clock), "--Api:RequestsPerSecond=5");
        using var client = new SignedRoute53Client(server.ApiBase);
        var statuses = new List<(int Status, string Code)>();
        for (int i = 0; i < 12; i++)
        {
            var (status, body) = await client.SendAsync(HttpMethod.Get, "2013-04-01/hostedzonecount");
            statuses.Add((status, body.Descendants(SignedRoute53Client.Ns + "Code").FirstOrDefault()?.Value ?? ""));
        }
        Assert.Contains((400, "Throttling"), statuses);
        Assert.Equal(5, statuses.Count(s => s.Status == 200));
        Assert.Equal(7, statuses.Count(s => s == (400, "Throttling")));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, "2013-04-01/hostedzonecount")).Status);
    }
}
