using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Route53;

/// <summary>
/// The Route 53 API driven by the real AWS CLI against a real DnsHost on loopback; every change is
/// checked in the DNS answers that follow, over UDP and TCP.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class Route53ApiTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private string _data = null!;
    private RunningServer _server = null!;
    private AwsCli _aws = null!;

    public async Task InitializeAsync()
    {
        _zones.Write("files.test.zone", "$TTL 60\n@ IN SOA ns h 1 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.53\n");
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase);
    }

    private Task<RunningServer> Start() => RunningServer.StartAsync(_zones.Directory, "--data", _data);

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

    private async Task<string[]> Dns(string name, RecordType type = RecordType.A, bool tcp = false)
    {
        var query = TestQuery.Build(name, type);
        var response = tcp ? (await _server.TcpAsync(query))[0] : await _server.UdpAsync(query);
        return response.ResponseCode == ResponseCode.NoError ? response.AnswerData(type.ToString()).Order().ToArray() : [response.ResponseCode.ToString()];
    }

    [Fact]
    public async Task A_zone_created_with_the_cli_answers_at_once_and_lists_beside_file_zones()
    {
        var created = await _aws.Ok("create-hosted-zone", "--name", "cli.test", "--caller-reference", "ref-1", "--hosted-zone-config", "Comment=made by a test");
        string id = created.GetProperty("HostedZone").GetProperty("Id").GetString()!;
        Assert.StartsWith("/hostedzone/Z", id);
        Assert.Equal(2, created.GetProperty("HostedZone").GetProperty("ResourceRecordSetCount").GetInt32());
        Assert.Equal(4, created.GetProperty("DelegationSet").GetProperty("NameServers").GetArrayLength());
        Assert.Single(await Dns("cli.test", RecordType.SOA));
        Assert.Equal(4, (await Dns("cli.test", RecordType.NS, tcp: true)).Length);

        var got = await _aws.Ok("get-hosted-zone", "--id", id);
        Assert.Equal("cli.test.", got.GetProperty("HostedZone").GetProperty("Name").GetString());
        Assert.Equal("made by a test", got.GetProperty("HostedZone").GetProperty("Config").GetProperty("Comment").GetString());
        var names = (await _aws.Ok("list-hosted-zones")).GetProperty("HostedZones").EnumerateArray().Select(z => z.GetProperty("Name").GetString()).ToList();
        Assert.Contains("cli.test.", names);
        Assert.Contains("files.test.", names);
    }

    [Fact]
    public async Task Change_batches_apply_every_policy_and_alias_and_get_change_says_insync()
    {
        string id = await CreateZone("batch.test", "ref-batch");
        string batch = JsonSerializer.Serialize(new
        {
            Comment = "first",
            Changes = new object[]
            {
                Change("CREATE", "www.batch.test", "A", 60, "192.0.2.10"),
                new { Action = "CREATE", ResourceRecordSet = new { Name = "w.batch.test", Type = "A", SetIdentifier = "one", Weight = 1, TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.11" } } } },
                new { Action = "CREATE", ResourceRecordSet = new { Name = "w.batch.test", Type = "A", SetIdentifier = "zero", Weight = 0, TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.12" } } } },
                new { Action = "CREATE", ResourceRecordSet = new { Name = "batch.test", Type = "A", AliasTarget = new { HostedZoneId = id.Split('/').Last(), DNSName = "www.batch.test", EvaluateTargetHealth = false } } },
            },
        });
        var change = await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", batch);
        string changeId = change.GetProperty("ChangeInfo").GetProperty("Id").GetString()!;
        Assert.Equal("INSYNC", (await _aws.Ok("get-change", "--id", changeId)).GetProperty("ChangeInfo").GetProperty("Status").GetString());
        Assert.Equal(["192.0.2.10"], await Dns("www.batch.test"));
        Assert.Equal(["192.0.2.10"], await Dns("batch.test", tcp: true));
        Assert.Equal(["192.0.2.11"], await Dns("w.batch.test"));

        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("UPSERT", "www.batch.test", "A", 60, "192.0.2.20", "192.0.2.21")));
        Assert.Equal(["192.0.2.20", "192.0.2.21"], await Dns("www.batch.test"));
        Assert.Equal(["192.0.2.20", "192.0.2.21"], await Dns("batch.test"));
    }

    [Fact]
    public async Task A_batch_with_one_bad_change_changes_nothing_and_says_why()
    {
        string id = await CreateZone("atomic.test", "ref-atomic");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("CREATE", "a.atomic.test", "A", 60, "192.0.2.1")));
        var failed = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch",
            Batch(Change("CREATE", "b.atomic.test", "A", 60, "192.0.2.2"), Change("CREATE", "a.atomic.test", "A", 60, "192.0.2.3")));
        Assert.Equal("InvalidChangeBatch", failed.ErrorCode);
        Assert.Contains("Tried to create resource record set [name='a.atomic.test.', type='A'] but it already exists", failed.Stderr);
        Assert.Equal(["NXDomain"], await Dns("b.atomic.test"));

        var mismatch = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("DELETE", "a.atomic.test", "A", 60, "192.0.2.9")));
        Assert.Contains("but the values provided do not match the current values", mismatch.Stderr);
        var missing = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("DELETE", "zz.atomic.test", "A", 60, "192.0.2.9")));
        Assert.Contains("but it was not found", missing.Stderr);
        // What the zone loader refuses, the API refuses: a CNAME beside other data.
        var cname = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("CREATE", "a.atomic.test", "CNAME", 60, "www.example.test")));
        Assert.Equal("InvalidChangeBatch", cname.ErrorCode);
        Assert.Equal(["192.0.2.1"], await Dns("a.atomic.test"));

        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("DELETE", "a.atomic.test", "A", 60, "192.0.2.1")));
        Assert.Equal(["NXDomain"], await Dns("a.atomic.test"));
    }

    [Fact]
    public async Task Delete_refuses_a_zone_with_records_then_deletes_it_and_dns_stops_answering()
    {
        string id = await CreateZone("gone.test", "ref-gone");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("CREATE", "x.gone.test", "TXT", 60, "\"hello\"")));
        Assert.Equal("HostedZoneNotEmpty", (await _aws.Run("delete-hosted-zone", "--id", id)).ErrorCode);
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("DELETE", "x.gone.test", "TXT", 60, "\"hello\"")));
        await _aws.Ok("delete-hosted-zone", "--id", id);
        Assert.Equal(["Refused"], await Dns("gone.test", RecordType.SOA));
        Assert.Equal("NoSuchHostedZone", (await _aws.Run("get-hosted-zone", "--id", id)).ErrorCode);
    }

    [Fact]
    public async Task A_reused_caller_reference_is_refused_even_for_the_same_name()
    {
        await CreateZone("idem.test", "ref-idem");
        var again = await _aws.Run("create-hosted-zone", "--name", "idem.test", "--caller-reference", "ref-idem");
        Assert.Equal("HostedZoneAlreadyExists", again.ErrorCode);
        Assert.Contains("(HostedZoneAlreadyExists)", again.Stderr);
        Assert.Equal("HostedZoneAlreadyExists", (await _aws.Run("create-hosted-zone", "--name", "other.test", "--caller-reference", "ref-idem")).ErrorCode);
        Assert.Single((await _aws.Ok("list-hosted-zones-by-name", "--dns-name", "idem.test")).GetProperty("HostedZones").EnumerateArray(), z => z.GetProperty("Name").GetString() == "idem.test.");
    }

    [Fact]
    public async Task Changes_survive_a_restart()
    {
        string id = await CreateZone("durable.test", "ref-durable");
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch(Change("CREATE", "www.durable.test", "A", 60, "192.0.2.77")));
        await _server.DisposeAsync();
        _server = await Start();
        _aws = new AwsCli(_server.ApiBase);
        Assert.Equal(["192.0.2.77"], await Dns("www.durable.test"));
        Assert.Equal("durable.test.", (await _aws.Ok("get-hosted-zone", "--id", id)).GetProperty("HostedZone").GetProperty("Name").GetString());
    }

    [Fact]
    public async Task Record_sets_page_in_route53_order_and_a_page_may_end_inside_a_group()
    {
        string id = await CreateZone("pages.test", "ref-pages");
        var changes = new List<object> { Change("CREATE", "b.pages.test", "A", 60, "192.0.2.2"), Change("CREATE", "a.pages.test", "TXT", 60, "\"t\"") };
        foreach (var set in new[] { "s1", "s2", "s3" })
            changes.Add(new { Action = "CREATE", ResourceRecordSet = new { Name = "a.pages.test", Type = "A", SetIdentifier = set, Weight = 1, TTL = 60, ResourceRecords = new[] { new { Value = "192.0.2.1" } } } });
        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", id, "--change-batch", Batch([.. changes]));

        // The CLI pages through with NextRecordName/Type/Identifier, one set per request.
        var all = await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", id, "--page-size", "1");
        var keys = all.GetProperty("ResourceRecordSets").EnumerateArray()
            .Select(s => $"{s.GetProperty("Name").GetString()} {s.GetProperty("Type").GetString()} {(s.TryGetProperty("SetIdentifier", out var i) ? i.GetString() : "")}".Trim()).ToList();
        Assert.Equal(["pages.test. NS", "pages.test. SOA", "a.pages.test. A s1", "a.pages.test. A s2", "a.pages.test. A s3", "a.pages.test. TXT", "b.pages.test. A"], keys);

        var page = await _aws.Ok("list-resource-record-sets", "--hosted-zone-id", id, "--start-record-name", "a.pages.test", "--start-record-type", "A", "--start-record-identifier", "s2", "--max-items", "1", "--no-paginate");
        Assert.Equal("s2", page.GetProperty("ResourceRecordSets")[0].GetProperty("SetIdentifier").GetString());
        Assert.Equal("s3", page.GetProperty("NextRecordIdentifier").GetString());
    }

    [Fact]
    public async Task File_zones_are_read_only_and_unknown_operations_are_named()
    {
        var zones = (await _aws.Ok("list-hosted-zones")).GetProperty("HostedZones").EnumerateArray();
        string fileZone = zones.Single(z => z.GetProperty("Name").GetString() == "files.test.").GetProperty("Id").GetString()!;
        var change = await _aws.Run("change-resource-record-sets", "--hosted-zone-id", fileZone, "--change-batch", Batch(Change("CREATE", "x.files.test", "A", 60, "192.0.2.1")));
        Assert.Equal("InvalidInput", change.ErrorCode);
        Assert.Contains("zone file", change.Stderr);
        var unknown = await _aws.Run("list-vpc-association-authorizations", "--hosted-zone-id", fileZone);
        Assert.Equal("NotImplemented", unknown.ErrorCode);
        Assert.Contains("ListVPCAssociationAuthorizations", unknown.Stderr);
    }

    [Fact]
    public async Task Health_checks_on_private_targets_are_refused_as_route53_refuses_them()
    {
        var refused = await _aws.Run("create-health-check", "--caller-reference", "hc-private", "--health-check-config", "IPAddress=127.0.0.1,Port=80,Type=HTTP");
        Assert.Equal("InvalidInput", refused.ErrorCode);
        Assert.Contains("HealthChecks:AllowPrivateTargets", refused.Stderr);
    }

    [Fact]
    public async Task Zones_list_by_name_comments_update_and_test_dns_answer_runs_the_answer_path()
    {
        string b = await CreateZone("b.byname.test", "ref-b");
        string a = await CreateZone("a.byname.test", "ref-a");
        var byName = await _aws.Ok("list-hosted-zones-by-name", "--dns-name", "a.byname.test", "--max-items", "2");
        var names = byName.GetProperty("HostedZones").EnumerateArray().Select(z => z.GetProperty("Name").GetString()).ToList();
        Assert.Equal(["a.byname.test.", "b.byname.test."], names);

        var updated = await _aws.Ok("update-hosted-zone-comment", "--id", a, "--comment", "now with a comment");
        Assert.Equal("now with a comment", updated.GetProperty("HostedZone").GetProperty("Config").GetProperty("Comment").GetString());
        Assert.Equal("now with a comment", (await _aws.Ok("get-hosted-zone", "--id", a)).GetProperty("HostedZone").GetProperty("Config").GetProperty("Comment").GetString());

        await _aws.Ok("change-resource-record-sets", "--hosted-zone-id", b, "--change-batch", Batch(Change("CREATE", "www.b.byname.test", "A", 60, "192.0.2.44")));
        var answer = await _aws.Ok("test-dns-answer", "--hosted-zone-id", b, "--record-name", "www.b.byname.test", "--record-type", "A");
        Assert.Equal("NOERROR", answer.GetProperty("ResponseCode").GetString());
        Assert.Equal("192.0.2.44", answer.GetProperty("RecordData")[0].GetString());
        var missing = await _aws.Ok("test-dns-answer", "--hosted-zone-id", b, "--record-name", "nope.b.byname.test", "--record-type", "A");
        Assert.Equal("NXDOMAIN", missing.GetProperty("ResponseCode").GetString());
    }

    [Fact]
    public async Task Metrics_are_scraped_in_prometheus_format()
    {
        await Dns("ns.files.test");
        await Dns("ns.files.test", tcp: true);
        await Dns("missing.files.test");
        await Dns("elsewhere.example", RecordType.A);
        // Latency is timed on one query in 16 per thread: 64 more make sure some thread timed one.
        for (int i = 0; i < 64; i++)
            await Dns("ns.files.test");
        await _aws.Ok("list-hosted-zones");
        using var http = new HttpClient { BaseAddress = _server.ApiBase };
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        long Value(string series) => long.Parse(lines.Single(l => l.StartsWith(series + " ", StringComparison.Ordinal)).Split(' ')[1]);
        Assert.True(Value("dnshost_dns_responses_total{transport=\"udp\",rcode=\"NOERROR\"}") >= 1);
        Assert.True(Value("dnshost_dns_responses_total{transport=\"tcp\",rcode=\"NOERROR\"}") >= 1);
        Assert.True(Value("dnshost_dns_responses_total{transport=\"udp\",rcode=\"NXDOMAIN\"}") >= 1);
        Assert.True(Value("dnshost_dns_responses_total{transport=\"udp\",rcode=\"REFUSED\"}") >= 1);
        Assert.True(Value("dnshost_dns_zone_queries_total{zone=\"files.test.\",private=\"false\"}") >= 3);
        Assert.True(Value("dnshost_dns_answer_seconds_count") >= 1);
        Assert.True(Value("dnshost_dns_answer_seconds_count") <= Value("dnshost_dns_responses_total{transport=\"udp\",rcode=\"NOERROR\"}"));
        Assert.True(Value("dnshost_api_requests_total{operation=\"ListHostedZones\",status=\"200\"}") >= 1);
        Assert.Contains(lines, l => l.StartsWith("dnshost_gc_collections_total{generation=\"0\"}", StringComparison.Ordinal));
        Assert.Contains("# TYPE dnshost_dns_answer_seconds histogram", lines);
    }

    [Fact]
    public async Task The_api_works_behind_a_path_prefix()
    {
        var prefixed = new AwsCli(new Uri(_server.ApiBase, "/some/prefix"));
        var created = await prefixed.Ok("create-hosted-zone", "--name", "prefix.test", "--caller-reference", "ref-prefix");
        Assert.Contains("/some/prefix/2013-04-01/hostedzone/", created.GetProperty("Location").GetString());
        Assert.Single(await Dns("prefix.test", RecordType.SOA));
    }

    [Fact]
    public async Task Requests_without_a_signature_get_route53_xml_errors_not_html()
    {
        using var http = new HttpClient { BaseAddress = _server.ApiBase };
        using var response = await http.GetAsync("2013-04-01/hostedzone");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace ns = "https://route53.amazonaws.com/doc/2013-04-01/";
        Assert.Equal("ErrorResponse", xml.Root!.Name.LocalName);
        Assert.Equal("MissingAuthenticationToken", xml.Root.Element(ns + "Error")!.Element(ns + "Code")!.Value);
    }

    [Fact]
    public async Task A_wrong_secret_or_unknown_key_changes_nothing()
    {
        var wrongSecret = new AwsCli(_server.ApiBase, secretKey: "not-the-secret");
        var result = await wrongSecret.Run("create-hosted-zone", "--name", "nope.test", "--caller-reference", "ref-nope");
        Assert.Equal("SignatureDoesNotMatch", result.ErrorCode);
        Assert.DoesNotContain("not-the-secret", result.Stderr);
        var unknownKey = new AwsCli(_server.ApiBase, accessKey: "AKIAUNKNOWNKEY000000");
        Assert.Equal("InvalidClientTokenId", (await unknownKey.Run("create-hosted-zone", "--name", "nope.test", "--caller-reference", "ref-nope")).ErrorCode);
        Assert.Equal(["Refused"], await Dns("nope.test", RecordType.SOA));
    }
}
