using System.Text.Json;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// A zone signed through Route 53's DNSSEC API (AWS CLI: create-key-signing-key, enable-hosted-zone-dnssec),
/// validated by BIND's delv with the DS that get-dnssec gives as its only trust anchor: plain, routed,
/// alias, wildcard and negative answers come out "fully validated"; once signing is disabled, none does.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53DnssecValidationTests : IAsyncLifetime
{
    private const string Zone = "r53signed.test";
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private AwsCli _aws = null!;
    private string _zoneId = null!;
    private string _anchor = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}");
        _aws = new AwsCli(_server.ApiBase);
        var created = await _aws.Ok("create-hosted-zone", "--name", Zone, "--caller-reference", "validation");
        _zoneId = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
        object Simple(string name, string type, params string[] values) =>
            new { Action = "CREATE", ResourceRecordSet = new { Name = name, Type = type, TTL = 300, ResourceRecords = values.Select(v => new { Value = v }) } };
        object Weighted(string id, long weight, string value) =>
            new { Action = "CREATE", ResourceRecordSet = new { Name = "weighted." + Zone, Type = "A", SetIdentifier = id, Weight = weight, TTL = 60, ResourceRecords = new[] { new { Value = value } } } };
        var changes = new[]
        {
            Simple("www." + Zone, "A", "192.0.2.10"),
            Simple(Zone, "MX", "10 mail." + Zone + "."),
            Simple("mail." + Zone, "A", "192.0.2.25"),
            Simple("*.wild." + Zone, "TXT", "\"wildcard\""),
            Simple("cname." + Zone, "CNAME", "www." + Zone + "."),
            Weighted("one", 1, "192.0.2.31"),
            Weighted("two", 1, "192.0.2.32"),
            new { Action = "CREATE", ResourceRecordSet = new { Name = "alias." + Zone, Type = "A", AliasTarget = new { HostedZoneId = _zoneId, DNSName = "www." + Zone, EvaluateTargetHealth = false } } },
        };
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", _zoneId, "--change-batch", JsonSerializer.Serialize(new { Changes = changes }));
        await _aws.Ok("create-key-signing-key", "--hosted-zone-id", _zoneId, "--name", "validation_ksk",
            "--key-management-service-arn", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--status", "ACTIVE", "--caller-reference", "ksk");
        await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);

        // The trust anchor is the DS that get-dnssec gives, as a registrar would be given it.
        string ds = (await _aws.Ok("get-dnssec", "--hosted-zone-id", _zoneId)).GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString()!;
        var parts = ds.Split(' ');
        _anchor = Path.Combine(_zones.Directory, "anchor.conf");
        await File.WriteAllTextAsync(_anchor, $"trust-anchors {{ \"{Zone}.\" static-ds {parts[0]} {parts[1]} {parts[2]} \"{parts[3]}\"; }};\n");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private async Task<string> DelvAsync(string name, string type)
    {
        return await Delv.RunAsync(_server.Port, _anchor, Zone, name, type);
    }

    [Fact]
    public async Task Delv_validates_every_kind_of_answer_with_the_ds_from_get_dnssec_until_signing_is_disabled()
    {
        (string Name, string Type, string Expected)[] cases =
        [
            ("www." + Zone, "A", "; fully validated"),
            (Zone, "MX", "; fully validated"),
            (Zone, "DNSKEY", "; fully validated"),
            ("x.wild." + Zone, "TXT", "; fully validated"),
            ("cname." + Zone, "A", "; fully validated"),
            ("weighted." + Zone, "A", "; fully validated"),
            ("alias." + Zone, "A", "; fully validated"),
            ("nope." + Zone, "A", "; negative response, fully validated"),
            ("www." + Zone, "TXT", "; negative response, fully validated"),
        ];
        foreach (var (name, type, expected) in cases)
        {
            var output = await DelvAsync(name, type);
            Assert.True(output.Contains(expected) && !output.Contains("resolution failed: failure") && !output.Contains("no valid signature"), $"{name} {type}: expected '{expected}', delv said:\n{output}");
        }

        await _aws.Ok("disable-hosted-zone-dnssec", "--hosted-zone-id", _zoneId);
        var unsigned = await DelvAsync("www." + Zone, "A");
        Assert.DoesNotContain("fully validated", unsigned);
    }
}
