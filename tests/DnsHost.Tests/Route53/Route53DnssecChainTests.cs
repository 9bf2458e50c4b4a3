using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Tests.Dnssec;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Peers;

namespace DnsHost.Tests.Route53;

/// <summary>
/// A chain of trust built only with Route 53's API and the AWS CLI: a parent and a child hosted zone,
/// both signed (create-key-signing-key, enable-hosted-zone-dnssec), the child's DS from get-dnssec
/// added to the parent with change-resource-record-sets. Unbound, whose only trust anchor is the
/// parent's DS from get-dnssec, resolves through the parent and validates the child's answers (AD).
/// The zones are under "example." because Unbound answers NXDOMAIN for "test." itself (RFC 6761 names).
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53DnssecChainTests(Route53DnssecChainTests.Chain chain) : IClassFixture<Route53DnssecChainTests.Chain>
{
    [Theory]
    [InlineData("www.app.chain.example", RecordType.A)]
    [InlineData("x.wild.app.chain.example", RecordType.TXT)]
    [InlineData("nope.app.chain.example", RecordType.A)]
    [InlineData("www.app.chain.example", RecordType.MX)]
    [InlineData("www.chain.example", RecordType.A)]
    public async Task Unbound_validates_the_child_through_the_parents_ds(string name, RecordType type)
    {
        var answer = await chain.ResolveAsync(name, type);
        Assert.Equal((int)ResponseCode.NoError, answer.Rcode);
        Assert.True((answer.Flags & DnsHeader.AdBit) != 0, $"{name} {type}: no AD bit; Unbound's log:\n{chain.UnboundLog}");
    }

    /// <summary>The server, the two zones signed through the API, and Unbound, shared by the cases.</summary>
    public sealed class Chain : IAsyncLifetime
    {
        private const string Parent = "chain.example", Child = "app.chain.example";
        private readonly TestZones _zones = new();
        private RunningServer _server = null!;
        private AwsCli _aws = null!;
        private PeerProcess _unbound = null!;

        public async Task InitializeAsync()
        {
            _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
                $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}");
            _aws = new AwsCli(_server.ApiBase);
            string parent = await CreateZone(Parent, Change("UPSERT", "www." + Parent, "A", "192.0.2.1"));
            string child = await CreateZone(Child, Change("UPSERT", "www." + Child, "A", "192.0.2.2"), Change("UPSERT", "*.wild." + Child, "TXT", "\"wild\""));

            // The parent delegates to the child's own name servers (else HostedZonePartiallyDelegated), then holds its DS.
            var childNs = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", child)).GetProperty("ResourceRecordSets").EnumerateArray()
                .Single(s => s.GetProperty("Type").GetString() == "NS").GetProperty("ResourceRecords").EnumerateArray().Select(r => r.GetProperty("Value").GetString()!).ToArray();
            await Changes(parent, Change("UPSERT", Child, "NS", childNs));
            string childDs = await SignAsync(child, "child_ksk");
            await Changes(parent, Change("UPSERT", Child, "DS", childDs));
            string parentDs = await SignAsync(parent, "parent_ksk");

            var anchor = Path.Combine(_zones.Directory, "anchor.ds");
            await File.WriteAllTextAsync(anchor, $"{Parent}. IN DS {parentDs}\n");
            string at = $"127.0.0.1@{_server.Port}";
            _unbound = await UnboundServer.StartAsync(anchor, [(Parent, at), (Child, at)]);
        }

        public async Task DisposeAsync()
        {
            if (_unbound is not null)
                await _unbound.DisposeAsync();
            await _server.DisposeAsync();
            _zones.Dispose();
        }

        private static object Change(string action, string name, string type, params string[] values) =>
            new { Action = action, ResourceRecordSet = new { Name = name, Type = type, TTL = 300, ResourceRecords = values.Select(v => new { Value = v }) } };

        private async Task<string> CreateZone(string name, params object[] changes)
        {
            var created = await _aws.Ok("create-hosted-zone", "--name", name, "--caller-reference", "chain-" + name);
            string id = created.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/')[^1];
            await Changes(id, changes);
            return id;
        }

        private Task<System.Text.Json.JsonElement> Changes(string zoneId, params object[] changes) =>
            _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zoneId, "--change-batch", JsonSerializer.Serialize(new { Changes = changes }));

        /// <summary>Makes an ACTIVE KSK, enables signing and returns the DS that get-dnssec gives.</summary>
        private async Task<string> SignAsync(string zoneId, string kskName)
        {
            await _aws.Ok("create-key-signing-key", "--hosted-zone-id", zoneId, "--name", kskName, "--status", "ACTIVE", "--caller-reference", kskName,
                "--key-management-service-arn", $"arn:aws:kms:us-east-1:111122223333:key/{kskName}");
            await _aws.Ok("enable-hosted-zone-dnssec", "--hosted-zone-id", zoneId);
            return (await _aws.Ok("get-dnssec", "--hosted-zone-id", zoneId)).GetProperty("KeySigningKeys")[0].GetProperty("DSRecord").GetString()!;
        }

        public async Task<(int Rcode, ushort Flags)> ResolveAsync(string name, RecordType type)
        {
            using var udp = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
            udp.Connect(_unbound.EndPoint);
            await udp.SendAsync(TestQuery.Build(name, type, rd: true, dnssecOk: true, ednsSize: 4096));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var answer = SignedAnswers.Read((await udp.ReceiveAsync(timeout.Token)).Buffer);
            return (answer.Rcode, answer.Flags);
        }

        public string UnboundLog => _unbound.Log;
    }
}
