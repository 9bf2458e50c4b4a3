using System.Text.Json;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Where DnsHost's API used to differ from Route 53 (issue 18): reused caller references, batch limits,
/// InvalidInput against InvalidChangeBatch, Route 53's message texts, zones sharing a name, listing
/// filters and order, alias names, country names and TestDNSAnswer's zone. Driven by the real AWS CLI
/// (and, for a body-less request as the JS SDK sends it, by AWSSDK.Core's signer), with DNS asked afterwards.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53ParityTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", Path.Combine(_zones.Directory, "api", "dnshost.db"),
            "--Vpcs:vpc-aaa:0=127.0.0.2/32", "--HealthChecks:Enabled=false");
        _aws = new AwsCli(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    private static string Batch(params object[] changes) => JsonSerializer.Serialize(new { Changes = changes });

    private static object Change(string action, string name, string type, long? ttl, params string[] values) =>
        new { Action = action, ResourceRecordSet = new { Name = name, Type = type, TTL = ttl, ResourceRecords = values.Select(v => new { Value = v }) } };

    private async Task<string> CreateZone(string name, string reference)
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", name, "--caller-reference", reference);
        return created.GetProperty("HostedZone").GetProperty("Id").GetString()!;
    }

    private Task<AwsCli.Result> Apply(string zone, string batch, AwsCli? cli = null) =>
        (cli ?? _aws).Run("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", batch);

    /// <summary>The message the CLI prints after "... operation: " (or "operation (reached max retries: 0): ").</summary>
    private static string Message(AwsCli.Result result) =>
        System.Text.RegularExpressions.Regex.Match(result.Stderr, @"operation(?: \([^)]*\))?: (.*)", System.Text.RegularExpressions.RegexOptions.Singleline) is { Success: true } m ? m.Groups[1].Value.Trim() : result.Stderr;

    private async Task<string[]> Dns(string name, RecordType type = RecordType.A, bool tcp = false)
    {
        var query = TestQuery.Build(name, type);
        var response = tcp ? (await _server.TcpAsync(query))[0] : await _server.UdpAsync(query);
        return response.ResponseCode == ResponseCode.NoError ? response.AnswerData(type.ToString()).Order().ToArray() : [response.ResponseCode.ToString()];
    }

    private static IEnumerable<string> Addresses(int first, int count) => Enumerable.Range(first, count).Select(i => $"10.{i / 65536}.{i / 256 % 256}.{i % 256}");

    [Fact]
    public async Task Batches_over_1000_records_or_32000_characters_are_refused_whole()
    {
        string zone = await CreateZone("limits.test", "limits");
        // 400 + 400 + 201 ResourceRecord elements: one too many.
        var over = await Apply(zone, Batch(
            Change("CREATE", "a.limits.test", "A", 60, [.. Addresses(0, 400)]),
            Change("CREATE", "b.limits.test", "A", 60, [.. Addresses(400, 400)]),
            Change("CREATE", "c.limits.test", "A", 60, [.. Addresses(800, 201)])));
        Assert.Equal("InvalidChangeBatch", over.ErrorCode);
        Assert.Equal("[Number of records limit of 1000 exceeded.]", Message(over));
        Assert.Equal(["NXDomain"], await Dns("a.limits.test"));

        // 501 UPSERTs of one value count 1,002.
        var upserts = Enumerable.Range(0, 501).Select(i => Change("UPSERT", $"u{i}.limits.test", "A", 60, "192.0.2.1")).ToArray();
        var doubled = await Apply(zone, Batch(upserts));
        Assert.Equal("[Number of records limit of 1000 exceeded.]", Message(doubled));
        Assert.Equal(["NXDomain"], await Dns("u0.limits.test"));
        // 500 of them are exactly the limit.
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(upserts[..500]));
        Assert.Equal(["192.0.2.1"], await Dns("u499.limits.test"));

        // Nine TXT values of 14 strings of 255 characters: 32,499 characters.
        string text = string.Join(' ', Enumerable.Repeat("\"" + new string('x', 255) + "\"", 14));
        var characters = await Apply(zone, Batch([.. Enumerable.Range(0, 9).Select(i => Change("CREATE", $"t{i}.limits.test", "TXT", 60, text))]));
        Assert.Equal("InvalidChangeBatch", characters.ErrorCode);
        Assert.Equal("[RDATA character limit of 32000 exceeded.]", Message(characters));
        Assert.Equal(["NXDomain"], await Dns("t0.limits.test", RecordType.TXT));
        // Eight are 28,888 characters as CREATE, but twice that as UPSERT.
        Assert.Equal("[RDATA character limit of 32000 exceeded.]", Message(await Apply(zone, Batch([.. Enumerable.Range(0, 8).Select(i => Change("UPSERT", $"t{i}.limits.test", "TXT", 60, text))]))));
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch([.. Enumerable.Range(0, 8).Select(i => Change("CREATE", $"t{i}.limits.test", "TXT", 60, text))]));
        // 3.6 KB of TXT: over TCP, as UDP without EDNS truncates it.
        Assert.Single(await Dns("t7.limits.test", RecordType.TXT, tcp: true));
    }

    [Fact]
    public async Task Shape_errors_are_invalid_input_in_route53s_words()
    {
        string zone = await CreateZone("shape.test", "shape");
        var none = await Apply(zone, Batch(new { Action = "CREATE", ResourceRecordSet = new { Name = "x.shape.test", Type = "A" } }));
        Assert.Equal("InvalidInput", none.ErrorCode);
        Assert.Equal("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=CREATE, Name=x.shape.test, Type=A, SetIdentifier=null]", Message(none));

        var both = await Apply(zone, Batch(new { Action = "CREATE", ResourceRecordSet = new { Name = "x.shape.test", Type = "A", TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.1" } }, AliasTarget = new { HostedZoneId = zone.Split('/')[^1], DNSName = "y.shape.test", EvaluateTargetHealth = false } } }));
        Assert.Equal("InvalidInput", both.ErrorCode);
        Assert.Contains("but found more than one in Change with [Action=CREATE, Name=x.shape.test, Type=A, SetIdentifier=null]", Message(both));

        var noIdentifier = await Apply(zone, Batch(new { Action = "CREATE", ResourceRecordSet = new { Name = "w.shape.test", Type = "A", Weight = 1, TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } }));
        Assert.Equal("InvalidInput", noIdentifier.ErrorCode);
        Assert.Equal("Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.shape.test, Type=A, SetIdentifier=null]", Message(noIdentifier));

        var noPolicy = await Apply(zone, Batch(new { Action = "CREATE", ResourceRecordSet = new { Name = "w.shape.test", Type = "A", SetIdentifier = "one", TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } }));
        Assert.Equal("InvalidInput", noPolicy.ErrorCode);
        Assert.StartsWith("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, or MultiValueAnswer], but found none", Message(noPolicy));

        var weight = await Apply(zone, Batch(new { Action = "CREATE", ResourceRecordSet = new { Name = "w.shape.test", Type = "A", SetIdentifier = "one", Weight = 256, TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } }));
        Assert.Equal("InvalidInput", weight.ErrorCode);
        Assert.Equal("1 validation error detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value less than or equal to 255", Message(weight));

        var action = await Apply(zone, Batch(Change("CREATE", "ok.shape.test", "A", 60, "192.0.2.1"), Change("MOVE", "x.shape.test", "A", 60, "192.0.2.1")));
        Assert.Equal("InvalidInput", action.ErrorCode);
        Assert.Equal("1 validation error detected: Value 'MOVE' at 'changeBatch.changes.2.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]", Message(action));

        // botocore refuses a negative TTL itself; without its validation the server says it.
        var ttl = await Apply(zone, Batch(Change("CREATE", "x.shape.test", "A", -1, "192.0.2.1")), new AwsCli(_server.ApiBase, clientValidation: false));
        Assert.Equal("InvalidInput", ttl.ErrorCode);
        Assert.Contains("at 'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value greater than or equal to 0", Message(ttl));
        Assert.Equal(["NXDomain"], await Dns("ok.shape.test"));
    }

    [Fact]
    public async Task Value_and_cname_messages_are_route53s_and_name_the_set_added()
    {
        string zone = await CreateZone("texts.test", "texts");
        var ipv4 = await Apply(zone, Batch(Change("CREATE", "a.texts.test", "A", 60, "192.0.2")));
        Assert.Equal("InvalidChangeBatch", ipv4.ErrorCode);
        Assert.Equal("[Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2']", Message(ipv4));

        string longText = "\"" + new string('y', 256) + "\"";
        var txt = await Apply(zone, Batch(Change("CREATE", "t.texts.test", "TXT", 60, longText)));
        Assert.Equal($"[Invalid Resource Record: FATAL problem: CharacterStringTooLong (Value is too long) encountered with '{longText}']", Message(txt));

        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(Change("CREATE", "a.texts.test", "A", 60, "192.0.2.1"), Change("CREATE", "c.texts.test", "CNAME", 60, "a.texts.test")));
        // A CNAME added beside an A, and an A added beside a CNAME: each message names the set being added.
        var cname = await Apply(zone, Batch(Change("CREATE", "a.texts.test", "CNAME", 60, "elsewhere.example")));
        Assert.Equal("[RRSet of type CNAME with DNS name a.texts.test. is not permitted as it conflicts with other records with the same DNS name in zone texts.test.]", Message(cname));
        var beside = await Apply(zone, Batch(Change("CREATE", "c.texts.test", "A", 60, "192.0.2.2")));
        Assert.Equal("[RRSet of type A with DNS name c.texts.test. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone texts.test.]", Message(beside));
        // One message for a CNAME at the apex, not one per set beside it.
        var apex = await Apply(zone, Batch(Change("CREATE", "texts.test", "CNAME", 60, "elsewhere.example")));
        Assert.Equal("[RRSet of type CNAME with DNS name texts.test. is not permitted at apex in zone texts.test.]", Message(apex));

        object Latency(string id, string value) => new { Action = "CREATE", ResourceRecordSet = new { Name = "l.texts.test", Type = "A", SetIdentifier = id, Region = "eu-west-1", TTL = 60, ResourceRecords = new[] { new { Value = value } } } };
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(Latency("one", "192.0.2.3")));
        var region = await Apply(zone, Batch(Latency("two", "192.0.2.4")));
        Assert.Equal("InvalidChangeBatch", region.ErrorCode);
        Assert.Equal("[RRSet with DNS name l.texts.test., type A, SetIdentifier two, and Region Name=eu-west-1 cannot be created because a latency RRSet with the same name, type and region already exists.]", Message(region));
        Assert.Equal(["192.0.2.1"], await Dns("a.texts.test"));
    }

    [Fact]
    public async Task A_second_public_zone_with_a_taken_name_is_created_and_dns_keeps_answering_from_the_first()
    {
        string first = await CreateZone("twice.test", "twice-1");
        string second = await CreateZone("twice.test", "twice-2");
        Assert.NotEqual(first, second);
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", first, "--change-batch", Batch(Change("CREATE", "www.twice.test", "A", 60, "192.0.2.1")));
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", second, "--change-batch", Batch(Change("CREATE", "www.twice.test", "A", 60, "192.0.2.2")));
        Assert.Equal(["192.0.2.1"], await Dns("www.twice.test"));
        var zones = (await _aws.Ok("list-hosted-zones-by-name", "--dns-name", "twice.test")).GetProperty("HostedZones").EnumerateArray()
            .Where(z => z.GetProperty("Name").GetString() == "twice.test.").Select(z => z.GetProperty("Id").GetString()).ToList();
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), zones);
        // TestDNSAnswer answers from the zone its id names.
        Assert.Equal("192.0.2.2", (await _aws.Ok("test-dns-answer", "--hosted-zone-id", second, "--record-name", "www.twice.test", "--record-type", "A")).GetProperty("RecordData")[0].GetString());

        // With the first one gone, DNS answers from the second.
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", first, "--change-batch", Batch(Change("DELETE", "www.twice.test", "A", 60, "192.0.2.1")));
        await _aws.Ok("delete-hosted-zone", "--id", first);
        Assert.Equal(["192.0.2.2"], await Dns("www.twice.test"));
    }

    [Fact]
    public async Task List_hosted_zones_filters_private_zones_and_comments_can_be_removed()
    {
        string open = await CreateZone("filter.test", "filter-public");
        var made = await _aws.Ok("create-hosted-zone", "--name", "filter.test", "--caller-reference", "filter-private", "--vpc", "VPCRegion=eu-west-1,VPCId=vpc-aaa",
            "--hosted-zone-config", "PrivateZone=true,Comment=inside");
        string inside = made.GetProperty("HostedZone").GetProperty("Id").GetString()!;
        var privateOnly = (await _aws.Ok("list-hosted-zones", "--hosted-zone-type", "PrivateHostedZone")).GetProperty("HostedZones").EnumerateArray().Select(z => z.GetProperty("Id").GetString()).ToList();
        Assert.Contains(inside, privateOnly);
        Assert.DoesNotContain(open, privateOnly);

        // The AWS CLI without --comment, and a request with no body at all (as the JS SDK sends it), delete the comment.
        var updated = await _aws.Ok("update-hosted-zone-comment", "--id", inside);
        Assert.False(updated.GetProperty("HostedZone").GetProperty("Config").TryGetProperty("Comment", out _));
        await _aws.Ok("update-hosted-zone-comment", "--id", open, "--comment", "to be removed");
        using var sdk = new SignedRoute53Client(_server.ApiBase);
        var (status, body) = await sdk.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone/" + open.Split('/')[^1]);
        Assert.Equal(200, status);
        Assert.Null(body.Descendants(SignedRoute53Client.Ns + "Comment").FirstOrDefault());
        Assert.False((await _aws.Ok("get-hosted-zone", "--id", open)).GetProperty("HostedZone").GetProperty("Config").TryGetProperty("Comment", out _));
    }

    [Fact]
    public async Task Names_sort_with_labels_reversed_and_their_dots_and_alias_names_list_fully_qualified()
    {
        string zone = await CreateZone("order.test", "order");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(
            Change("CREATE", "a.order.test", "A", 60, "192.0.2.1"),
            Change("CREATE", "a-b.order.test", "A", 60, "192.0.2.2"),
            Change("CREATE", "x.a.order.test", "A", 60, "192.0.2.3"),
            new { Action = "CREATE", ResourceRecordSet = new { Name = "alias.order.test", Type = "A", AliasTarget = new { HostedZoneId = zone.Split('/')[^1], DNSName = "a.order.test", EvaluateTargetHealth = false } } }));
        var sets = (await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", zone)).GetProperty("ResourceRecordSets").EnumerateArray().ToList();
        Assert.Equal(["order.test.", "order.test.", "a-b.order.test.", "a.order.test.", "x.a.order.test.", "alias.order.test."], sets.Select(s => s.GetProperty("Name").GetString()));
        Assert.Equal("a.order.test.", sets.Single(s => s.GetProperty("Name").GetString() == "alias.order.test.").GetProperty("AliasTarget").GetProperty("DNSName").GetString());
        Assert.Equal(["192.0.2.1"], await Dns("alias.order.test"));
        // Deleting names the alias as it is listed, or as it was sent.
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", Batch(
            new { Action = "DELETE", ResourceRecordSet = new { Name = "alias.order.test", Type = "A", AliasTarget = new { HostedZoneId = zone.Split('/')[^1], DNSName = "a.order.test", EvaluateTargetHealth = false } } }));
        Assert.Equal(["NXDomain"], await Dns("alias.order.test"));

        await CreateZone("a.sorted.test", "sorted-a");
        await CreateZone("a-b.sorted.test", "sorted-ab");
        var names = (await _aws.Ok("list-hosted-zones-by-name", "--dns-name", "a-b.sorted.test")).GetProperty("HostedZones").EnumerateArray().Select(z => z.GetProperty("Name").GetString()).Take(2);
        Assert.Equal(["a-b.sorted.test.", "a.sorted.test."], names);
    }

    [Fact]
    public async Task Countries_have_their_everyday_names()
    {
        Assert.Equal("United Kingdom", (await _aws.Ok("get-geo-location", "--country-code", "GB")).GetProperty("GeoLocationDetails").GetProperty("CountryName").GetString());
        Assert.Equal("United States", (await _aws.Ok("get-geo-location", "--country-code", "US", "--subdivision-code", "WA")).GetProperty("GeoLocationDetails").GetProperty("CountryName").GetString());
        var all = (await _aws.Ok("list-geo-locations")).GetProperty("GeoLocationDetailsList").EnumerateArray()
            .Where(l => l.TryGetProperty("CountryCode", out _) && !l.TryGetProperty("SubdivisionCode", out _))
            .ToDictionary(l => l.GetProperty("CountryCode").GetString()!, l => l.GetProperty("CountryName").GetString());
        Assert.Equal("Russia", all["RU"]);
        Assert.Equal("South Korea", all["KR"]);
    }

    [Fact]
    public async Task Test_dns_answer_answers_from_the_zone_the_id_names_not_a_child_zone()
    {
        string parent = await CreateZone("parent.test", "parent");
        string child = await CreateZone("child.parent.test", "child");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", child, "--change-batch", Batch(Change("CREATE", "www.child.parent.test", "A", 60, "192.0.2.9")));
        Assert.Equal(["192.0.2.9"], await Dns("www.child.parent.test"));
        var fromParent = await _aws.Ok("test-dns-answer", "--hosted-zone-id", parent, "--record-name", "www.child.parent.test", "--record-type", "A");
        Assert.Equal("NXDOMAIN", fromParent.GetProperty("ResponseCode").GetString());
        Assert.Equal(0, fromParent.GetProperty("RecordData").GetArrayLength());
        var fromChild = await _aws.Ok("test-dns-answer", "--hosted-zone-id", child, "--record-name", "www.child.parent.test", "--record-type", "A");
        Assert.Equal("192.0.2.9", fromChild.GetProperty("RecordData")[0].GetString());
    }
}
