using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Route53;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// The sample Route 53 zone (shop.test) signed: every routing policy and the apex alias answer with
/// signatures made for the answer the client gets, which verify with the zone's DNSKEY.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class SignedRoutingTests : IAsyncLifetime
{
    private readonly SignedZoneFolder _folder = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        File.Copy(Path.Combine(TestZones.SampleZones, "shop.test.json"), Path.Combine(_folder.Zones.Directory, "shop.test.json"));
        _server = await _folder.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<SignedAnswers> AskAsync(string name, RecordType type, string? subnet = null)
    {
        var raw = await _server.UdpRawAsync(TestQuery.Build(name, type, dnssecOk: true, ednsOptions: subnet is null ? null : RoutingServerFixture.Ecs(subnet)));
        return SignedAnswers.Read(raw!);
    }

    [Theory]
    [InlineData("shop.test", null)]          // alias at the apex
    [InlineData("www.shop.test", null)]      // simple
    [InlineData("api.shop.test", null)]      // weighted
    [InlineData("db.shop.test", null)]       // failover
    [InlineData("cdn.shop.test", null)]      // geolocation (default location)
    [InlineData("app.shop.test", null)]      // latency
    [InlineData("pool.shop.test", null)]     // multivalue answer
    [InlineData("edge.shop.test", null)]     // IP-based, default location
    [InlineData("edge.shop.test", "203.0.113.0/24")] // IP-based, the office block
    public async Task Each_routing_policy_answers_with_a_signature_over_what_it_chose(string name, string? subnet)
    {
        var keys = await AskAsync("shop.test", RecordType.DNSKEY);
        var dnskey = keys.In(0).Single(r => r.Type == (ushort)RecordType.DNSKEY).RData;
        var response = await AskAsync(name, RecordType.A, subnet);
        Assert.Equal(0, response.Rcode);
        Assert.Contains(response.In(0), r => r.Type == (ushort)RecordType.A);
        Assert.All(response.Check(0, dnskey), c => Assert.True(c.Verified, $"{c.Owner} {c.Type}"));
    }

    [Fact]
    public async Task The_office_block_and_everyone_else_get_different_signed_answers()
    {
        var office = await AskAsync("edge.shop.test", RecordType.A, "203.0.113.0/24");
        var others = await AskAsync("edge.shop.test", RecordType.A);
        Assert.Equal("192.0.2.61", office.In(0).Single(r => r.Type == (ushort)RecordType.A).Text);
        Assert.Equal("192.0.2.69", others.In(0).Single(r => r.Type == (ushort)RecordType.A).Text);
        Assert.NotEqual(office.In(0).Single(r => r.Type == (ushort)RecordType.RRSIG).RData, others.In(0).Single(r => r.Type == (ushort)RecordType.RRSIG).RData);
    }
}
