using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Server.Traffic;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.WebConsole;

/// <summary>The console's top query names: Space-Saving counts, fed by the answer path without allocating.</summary>
[Trait("Kind", "Unit")]
public sealed class TopQueryNamesTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    private static byte[] Name(string text) => DnsName.Parse(text);

    [Fact]
    public void The_most_asked_names_come_first_with_counts_scaled_back_from_the_sample()
    {
        var top = new TopQueryNames(capacity: 8);
        for (int i = 0; i < 30; i++)
            top.Add(Name("www.example.test."));
        for (int i = 0; i < 10; i++)
            top.Add(Name("mail.example.test."));
        top.Add(Name("once.example.test."));

        var ranked = top.Rotate(2);
        Assert.Equal(["www.example.test.", "mail.example.test."], ranked.Select(r => r.Name));
        Assert.Equal(30 * DnsMetrics.LatencySampling, ranked[0].Count);
        Assert.Equal(0, ranked[0].Error);
        // Rotating starts a new period.
        Assert.Empty(top.Rotate(5));
    }

    [Fact]
    public void A_heavy_name_survives_a_stream_of_one_off_names_larger_than_the_capacity()
    {
        var top = new TopQueryNames(capacity: 16);
        for (int i = 0; i < 2000; i++)
        {
            top.Add(Name($"n{i}.example.test."));
            if (i % 4 == 0)
                top.Add(Name("hot.example.test."));
        }
        var first = top.Peek(1).Single();
        Assert.Equal("hot.example.test.", first.Name);
        // Space-Saving never undercounts: the true count (500 samples) is within [Count - Error, Count].
        Assert.InRange(500L * DnsMetrics.LatencySampling, first.Count - first.Error, first.Count);
    }

    [Fact]
    public void The_answer_path_counts_the_timed_queries_names_and_allocates_nothing_for_it()
    {
        var top = new TopQueryNames();
        var processor = new QueryProcessor(_zones.LoadRegistry(), new DnsServerOptions()) { TopNames = top };
        var query = TestQuery.Build("WWW.example.test", RecordType.A);
        var response = new byte[4096];
        for (int i = 0; i < 64 * DnsMetrics.LatencySampling; i++)
            processor.Process(query, response, overTcp: false, transferAllowed: false, out _, out _);
        var ranked = top.Peek(5);
        Assert.Equal("www.example.test.", Assert.Single(ranked).Name);
        Assert.Equal(64 * DnsMetrics.LatencySampling, ranked[0].Count);
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int i = 0; i < 4000; i++)
                processor.Process(query, response, overTcp: false, transferAllowed: false, out _, out _);
        }));
    }
}
