using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Route53;

/// <summary>JSON hosted zones reload like master files: a change shows at once, a broken file keeps the last good zone.</summary>
[Trait("Kind", "Integration")]
public sealed class HostedZoneReloadTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static string Zone(string weightA, string value) => $$"""
        { "HostedZone": { "Name": "reload.test." },
          "ResourceRecordSets": [
            { "Name": "w.reload.test.", "Type": "A", "SetIdentifier": "a", "Weight": {{weightA}}, "TTL": 60, "ResourceRecords": [ { "Value": "{{value}}" } ] },
            { "Name": "w.reload.test.", "Type": "A", "SetIdentifier": "b", "Weight": 0, "TTL": 60, "ResourceRecords": [ { "Value": "10.9.9.9" } ] } ] }
        """;

    [Fact]
    public async Task A_changed_json_zone_answers_at_once_and_a_broken_one_keeps_serving_the_last_good_version()
    {
        _zones.Write("reload.test.json", Zone("1", "10.0.0.1"));
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Zones:Watch=false");
        var service = server.Services.GetRequiredService<ZoneDirectoryService>();
        async Task<string> Answer() => (await server.UdpAsync(TestQuery.Build("w.reload.test", RecordType.A))).AnswerData("A").Single();

        Assert.Equal("10.0.0.1", await Answer());
        _zones.Write("reload.test.json", Zone("1", "10.0.0.2"));
        service.ReloadAll("test");
        Assert.Equal("10.0.0.2", await Answer());

        _zones.Write("reload.test.json", Zone("1", "10.0.0.2").Replace("\"Weight\": 1", "\"Weight\": 1, \"Region\": \"us-east-1\""));
        service.ReloadAll("test");
        Assert.Equal("10.0.0.2", await Answer());

        File.Delete(Path.Combine(_zones.Directory, "reload.test.json"));
        service.ReloadAll("test");
        Assert.Equal(ResponseCode.Refused, (await server.UdpAsync(TestQuery.Build("w.reload.test", RecordType.A))).ResponseCode);
    }
}
