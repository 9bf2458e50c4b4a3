using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;

namespace DnsHost.Tests.Abuse;

/// <summary>Findings of the afl++ runs of issue 16, each as the input that found it (also kept in fuzz/corpus).</summary>
[Trait("Kind", "Integration")]
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    /// <summary>
    /// masterfile, afl++ crash id:000000: an SOA owned by a wildcard ("* SOA ...") made the zone's apex
    /// "*.gen.test."; the builder then marked the apex's parent, outside the zone, as having a wildcard
    /// child and threw IndexOutOfRangeException, which no zone loader catches: the server did not start.
    /// </summary>
    [Fact]
    public async Task A_wildcard_soa_owner_neither_crashes_the_load_nor_stops_the_server()
    {
        var path = _zones.Write("gen.test.zone", "$ORIGIN gen.test.\n* SOA ns1 admin 1 2 3 4 5\n* NS ns1\n");
        try { MasterFileLoader.Load(path, _zones.Directory); }
        catch (ZoneLoadException) { }

        await using var server = await RunningServer.StartAsync(_zones.Directory);
        var response = await server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        Assert.Equal(2, response.Answer.Count);
    }
}
