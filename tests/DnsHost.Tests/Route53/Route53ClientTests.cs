using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using DnsHost.Route53;
using DnsHost.Route53.Client;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Route53;

/// <summary>Route53RestClient against a live DnsHost playing Route 53: every operation, paging, routing fields, errors, retries, credentials.</summary>
[Trait("Kind", "Interop")]
public sealed class Route53ClientTests
{
    private static readonly BasicAWSCredentials Example = new(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey);

    /// <summary>The health checks here probe 127.0.0.1, which Route 53 (and so DnsHost by default) refuses.</summary>
    private static Task<RunningServer> Start(TestZones zones, params string[] args) =>
        RunningServer.StartAsync(zones.Directory, ["--HealthChecks:AllowPrivateTargets=true", .. args]);

    private static Route53RestClient Client(RunningServer server, int? pageSize = null, int maxAttempts = 10, HttpMessageHandler? handler = null, AWSCredentials? credentials = null) =>
        new(credentials ?? Example, new Route53ClientOptions
        {
            Endpoint = server.ApiBase,
            PageSize = pageSize,
            MaxAttempts = maxAttempts,
            BaseDelay = TimeSpan.FromMilliseconds(2),
            MaxDelay = TimeSpan.FromMilliseconds(40),
            Timeout = TimeSpan.FromSeconds(10),
        }, handler);

    private static ResourceRecordSetJson A(string name, string value, string? id = null, long? weight = null) => new()
    {
        Name = name, Type = "A", TTL = 60, SetIdentifier = id, Weight = weight,
        ResourceRecords = [new ResourceRecordJson { Value = value }],
    };

    private static RecordSetChange Create(ResourceRecordSetJson set) => new("CREATE", set);

    private static string Json(ResourceRecordSetJson set) => JsonSerializer.Serialize(set);

    [Fact]
    public async Task Every_operation_works_against_a_live_DnsHost()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = Client(server);

        var (zone, changeId) = await client.CreateHostedZoneAsync("ops.test.", "ops-1", "made by the client", null);
        Assert.Equal("ops.test.", zone.Name);
        Assert.False(zone.Id.StartsWith('/'));
        Assert.Equal(("made by the client", false), (zone.Comment, zone.IsPrivate));
        Assert.Equal("INSYNC", await client.GetChangeAsync(changeId));
        var (privateZone, _) = await client.CreateHostedZoneAsync("inside.test.", "ops-2", null, new VpcAssociation("vpc-1a2b3c4d", "eu-west-1"));
        Assert.True(privateZone.IsPrivate);

        var listed = await client.ListHostedZonesAsync();
        Assert.Equal(["inside.test.", "ops.test."], listed.Select(z => z.Name).Order());
        var (got, vpcs) = await client.GetHostedZoneAsync("/hostedzone/" + privateZone.Id);
        Assert.Equal(privateZone.Id, got.Id);
        Assert.Equal([new VpcAssociation("vpc-1a2b3c4d", "eu-west-1")], vpcs);

        string change = await client.ChangeResourceRecordSetsAsync(zone.Id, "two records", [Create(A("www.ops.test.", "192.0.2.1")), Create(A("api.ops.test.", "192.0.2.2"))]);
        Assert.Equal("INSYNC", await client.GetChangeAsync("/change/" + change));
        var sets = await client.ListResourceRecordSetsAsync(zone.Id);
        Assert.Equal(["api.ops.test./A", "ops.test./NS", "ops.test./SOA", "www.ops.test./A"], sets.Select(s => $"{s.Name}/{s.Type}").Order(StringComparer.Ordinal));
        await client.ChangeResourceRecordSetsAsync(zone.Id, null, [new RecordSetChange("DELETE", A("api.ops.test.", "192.0.2.2"))]);
        Assert.DoesNotContain(await client.ListResourceRecordSetsAsync(zone.Id), s => s.Name == "api.ops.test.");

        var check = await client.CreateHealthCheckAsync("hc-1", new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "HTTP", ResourcePath = "/health", RequestInterval = 30, FailureThreshold = 3 });
        Assert.Equal(("hc-1", 1L, "/health"), (check.CallerReference, check.Version, check.Config.ResourcePath));
        Assert.Equal(check.Id, Assert.Single(await client.ListHealthChecksAsync()).Id);
        var updated = await client.UpdateHealthCheckAsync(check.Id, check.Version, new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "HTTP", FailureThreshold = 5, Disabled = true });
        Assert.Equal((2L, 5, true), (updated.Version, updated.Config.FailureThreshold, updated.Config.Disabled));
        Assert.Null(updated.Config.ResourcePath); // left out: reset

        await client.ChangeTagsForResourceAsync("hostedzone", zone.Id, [new("team", "dns"), new("env", "test")], []);
        await client.ChangeTagsForResourceAsync("healthcheck", check.Id, [new("owner", "sync")], []);
        Assert.Equal([new("env", "test"), new("team", "dns")], (await client.ListTagsForResourceAsync("hostedzone", "/hostedzone/" + zone.Id)).OrderBy(t => t.Key));
        await client.ChangeTagsForResourceAsync("hostedzone", zone.Id, [], ["env"]);
        Assert.Equal([new("team", "dns")], await client.ListTagsForResourceAsync("hostedzone", zone.Id));
        Assert.Equal([new("owner", "sync")], await client.ListTagsForResourceAsync("healthcheck", check.Id));

        await client.DeleteHealthCheckAsync(check.Id);
        Assert.Empty(await client.ListHealthChecksAsync());
        Assert.Equal(0, client.Counters.Retries);
        Assert.True(client.Counters.Calls >= 20);
    }

    [Fact]
    public async Task Record_sets_are_paged_through_to_the_end_with_a_page_boundary_inside_a_weighted_group()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = Client(server, pageSize: 7);
        var (zone, _) = await client.CreateHostedZoneAsync("many.test.", "many", null, null);
        var sets = Enumerable.Range(0, 310).Select(i => A($"h{i:D3}.many.test.", $"192.0.2.{i % 250 + 1}")).ToList();
        // Ten sets of one name and type: with 7 a page, a page boundary falls between two of them.
        sets.AddRange(Enumerable.Range(0, 10).Select(i => A("weighted.many.test.", $"198.51.100.{i + 1}", $"w {i:D2}", weight: i + 1)));
        await client.ChangeResourceRecordSetsAsync(zone.Id, null, sets.Select(Create).ToList());

        var listed = await client.ListResourceRecordSetsAsync(zone.Id);

        Assert.Equal(sets.Count + 2, listed.Count); // SOA and NS
        Assert.Equal(listed.Count, listed.Select(s => (s.Name, s.Type, s.SetIdentifier)).Distinct().Count());
        Assert.Equal(sets.Select(Json).Order(), listed.Where(s => s.Type == "A").Select(Json).Order());
        Assert.True(client.Counters.Calls > 45);
    }

    [Fact]
    public async Task Hosted_zones_and_health_checks_are_paged_through_to_the_end()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = Client(server);
        var names = Enumerable.Range(0, 105).Select(i => $"z{i:D3}.paging.test.").ToList();
        foreach (var name in names)
            await client.CreateHostedZoneAsync(name, name, null, null);
        for (int i = 0; i < 5; i++)
            await client.CreateHealthCheckAsync($"hc{i}", new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "TCP" });

        Assert.Equal(names, (await client.ListHostedZonesAsync()).Select(z => z.Name).Order()); // Route 53's 100 a page
        using var small = Client(server, pageSize: 9);
        Assert.Equal(names, (await small.ListHostedZonesAsync()).Select(z => z.Name).Order());
        Assert.Equal(12, small.Counters.Calls);
        using var tiny = Client(server, pageSize: 2);
        Assert.Equal(["hc0", "hc1", "hc2", "hc3", "hc4"], (await tiny.ListHealthChecksAsync()).Select(c => c.CallerReference).Order());
        Assert.Equal(3, tiny.Counters.Calls);
    }

    [Fact]
    public async Task Every_routing_policy_and_alias_round_trips()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = Client(server);
        var hostedZones = server.Services.GetRequiredService<HostedZoneService>();
        var (collection, _) = hostedZones.CreateCidrCollection("offices", "offices-1");
        hostedZones.ChangeCidrCollection(collection.Id, null, [("hq", "PUT", ["192.0.2.0/24"])]);
        var check = await client.CreateHealthCheckAsync("rt", new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "TCP" });
        var (zone, _) = await client.CreateHostedZoneAsync("rt.test.", "rt", null, null);
        ResourceRecordSetJson Set(string name, string id, string value) => A(name, value, id);
        var sets = new List<ResourceRecordSetJson>
        {
            A("plain.rt.test.", "192.0.2.1"),
            Set("weighted.rt.test.", "one", "192.0.2.2").With(s => { s.Weight = 10; s.HealthCheckId = check.Id; }),
            Set("weighted.rt.test.", "two", "192.0.2.3").With(s => s.Weight = 0),
            Set("latency.rt.test.", "eu", "192.0.2.4").With(s => s.Region = "eu-west-1"),
            Set("geo.rt.test.", "europe", "192.0.2.5").With(s => s.GeoLocation = new GeoLocationJson { ContinentCode = "EU" }),
            Set("geo.rt.test.", "washington", "192.0.2.6").With(s => s.GeoLocation = new GeoLocationJson { CountryCode = "US", SubdivisionCode = "WA" }),
            Set("geo.rt.test.", "default", "192.0.2.7").With(s => s.GeoLocation = new GeoLocationJson { CountryCode = "*" }),
            Set("prox.rt.test.", "region", "192.0.2.8").With(s => s.GeoProximityLocation = new GeoProximityLocationJson { AWSRegion = "us-east-1", Bias = 20 }),
            Set("prox.rt.test.", "point", "192.0.2.9").With(s => s.GeoProximityLocation = new GeoProximityLocationJson { Coordinates = new CoordinatesJson { Latitude = "47.61", Longitude = "-122.33" }, Bias = -10 }),
            Set("failover.rt.test.", "primary", "192.0.2.10").With(s => { s.Failover = "PRIMARY"; s.HealthCheckId = check.Id; }),
            Set("failover.rt.test.", "secondary", "192.0.2.11").With(s => s.Failover = "SECONDARY"),
            Set("multi.rt.test.", "m1", "192.0.2.12").With(s => s.MultiValueAnswer = true),
            Set("multi.rt.test.", "m2", "192.0.2.13").With(s => { s.MultiValueAnswer = true; s.HealthCheckId = check.Id; }),
            Set("cidr.rt.test.", "hq", "192.0.2.14").With(s => s.CidrRoutingConfig = new CidrRoutingConfigJson { CollectionId = collection.Id, LocationName = "hq" }),
            Set("cidr.rt.test.", "rest", "192.0.2.15").With(s => s.CidrRoutingConfig = new CidrRoutingConfigJson { CollectionId = collection.Id, LocationName = "*" }),
            new() { Name = "alias.rt.test.", Type = "A", AliasTarget = new AliasTargetJson { HostedZoneId = zone.Id, DNSName = "plain.rt.test.", EvaluateTargetHealth = true } },
            new() { Name = "txt.rt.test.", Type = "TXT", TTL = 300, ResourceRecords = [new() { Value = "\"v=spf1 -all\"" }, new() { Value = "\"two words\"" }] },
        };
        await client.ChangeResourceRecordSetsAsync(zone.Id, null, sets.Select(Create).ToList());

        var listed = (await client.ListResourceRecordSetsAsync(zone.Id)).Where(s => s.Type is not ("SOA" or "NS")).ToList();

        Assert.Equal(sets.Select(Json).Order(), listed.Select(Json).Order());
    }

    [Fact]
    public async Task Errors_become_Route53_codes_at_once_when_not_retryable()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = Client(server);
        var missing = await Assert.ThrowsAsync<Route53ClientException>(() => client.GetHostedZoneAsync("ZNOSUCHZONE"));
        Assert.Equal(("NoSuchHostedZone", 404), (missing.Code, missing.Status));
        Assert.Contains("ZNOSUCHZONE", missing.Message);
        var (zone, _) = await client.CreateHostedZoneAsync("err.test.", "err", null, null);
        var invalid = await Assert.ThrowsAsync<Route53ClientException>(() =>
            client.ChangeResourceRecordSetsAsync(zone.Id, null, [new RecordSetChange("DELETE", A("absent.err.test.", "192.0.2.1"))]));
        Assert.Equal(("InvalidChangeBatch", 400), (invalid.Code, invalid.Status));
        Assert.Equal((3L, 0L), (client.Counters.Calls, client.Counters.Retries));
    }

    [Fact]
    public async Task Throttling_server_errors_and_dropped_connections_are_retried_until_they_succeed()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones,
            "--Api:FaultInjection:ThrottleRate=0.3", "--Api:FaultInjection:ServerErrorRate=0.1", "--Api:FaultInjection:DropRate=0.1");
        // Half the requests fail: 25 attempts make a failed operation a one-in-thirty-million event.
        using var client = Client(server, pageSize: 4, maxAttempts: 25);

        var (zone, change) = await client.CreateHostedZoneAsync("flaky.test.", "flaky", null, null);
        var sets = Enumerable.Range(0, 20).Select(i => A($"h{i:D2}.flaky.test.", $"192.0.2.{i + 1}")).ToList();
        await client.ChangeResourceRecordSetsAsync(zone.Id, null, sets.Select(Create).ToList());
        Assert.Equal("INSYNC", await client.GetChangeAsync(change));
        Assert.Equal(sets.Select(Json).Order(), (await client.ListResourceRecordSetsAsync(zone.Id)).Where(s => s.Type == "A").Select(Json).Order());
        Assert.Equal("flaky.test.", Assert.Single(await client.ListHostedZonesAsync()).Name);
        var check = await client.CreateHealthCheckAsync("flaky", new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 9, Type = "TCP" });
        Assert.Equal(2, (await client.UpdateHealthCheckAsync(check.Id, 1, new HealthCheckConfigJson { IPAddress = "127.0.0.1", Port = 10, Type = "TCP" })).Version);
        await client.ChangeTagsForResourceAsync("healthcheck", check.Id, [new("k", "v")], []);
        Assert.Equal([new("k", "v")], await client.ListTagsForResourceAsync("healthcheck", check.Id));
        await client.DeleteHealthCheckAsync(check.Id);
        Assert.Empty(await client.ListHealthChecksAsync());

        Assert.True(client.Counters.Retries > 0);
        Assert.True(client.Counters.Calls > client.Counters.Retries);
    }

    [Fact]
    public async Task A_spent_retry_budget_throws_the_last_error()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones, "--Api:FaultInjection:ThrottleRate=1");
        using var client = Client(server, maxAttempts: 4);
        var e = await Assert.ThrowsAsync<Route53ClientException>(() => client.ListHostedZonesAsync());
        Assert.Equal(("Throttling", 400), (e.Code, e.Status));
        Assert.Equal((4L, 3L), (client.Counters.Calls, client.Counters.Retries));
    }

    [Fact]
    public async Task A_dropped_connection_on_every_attempt_is_a_ConnectionError()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones, "--Api:FaultInjection:DropRate=1");
        using var client = Client(server, maxAttempts: 2);
        var e = await Assert.ThrowsAsync<Route53ClientException>(() => client.GetChangeAsync("C1"));
        Assert.Equal(("ConnectionError", 0), (e.Code, e.Status));
        Assert.Equal(1, client.Counters.Retries);
    }

    [Fact]
    public async Task Request_bodies_have_their_elements_in_the_botocore_models_order()
    {
        var model = JsonDocument.Parse(File.ReadAllText(BotocoreModel())).RootElement;
        using var zones = new TestZones();
        await using var server = await Start(zones);
        var recorder = new BodyRecorder();
        using var client = Client(server, handler: recorder);
        await client.CreateHostedZoneAsync("inner.test.", "inner", "a comment", new VpcAssociation("vpc-1", "eu-west-1"));
        var (zone, _) = await client.CreateHostedZoneAsync("order.test.", "order", "public", null);
        var check = await client.CreateHealthCheckAsync("order", new HealthCheckConfigJson
        {
            IPAddress = "127.0.0.1", Port = 80, Type = "HTTPS_STR_MATCH", ResourcePath = "/", FullyQualifiedDomainName = "www.order.test", SearchString = "ok",
            RequestInterval = 10, FailureThreshold = 2, MeasureLatency = true, Inverted = false, Disabled = false, EnableSNI = false,
            Regions = ["us-east-1", "eu-west-1", "ap-southeast-1"],
        });
        await client.UpdateHealthCheckAsync(check.Id, 1, new HealthCheckConfigJson { Type = "HTTPS_STR_MATCH", Port = 81, SearchString = "fine", FailureThreshold = 3, Inverted = true, Disabled = true, EnableSNI = true });
        await client.ChangeResourceRecordSetsAsync(zone.Id, "all kinds", [
            Create(A("w.order.test.", "192.0.2.1", "one", 5).With(s => s.HealthCheckId = check.Id)),
            Create(A("p.order.test.", "192.0.2.2", "point").With(s => s.GeoProximityLocation = new GeoProximityLocationJson { Coordinates = new CoordinatesJson { Latitude = "1.00", Longitude = "2.00" }, Bias = 3 })),
            Create(new ResourceRecordSetJson { Name = "a.order.test.", Type = "A", AliasTarget = new AliasTargetJson { HostedZoneId = zone.Id, DNSName = "w.order.test.", EvaluateTargetHealth = true } }),
        ]);
        await client.ChangeTagsForResourceAsync("hostedzone", zone.Id, [new("a", "b")], ["c"]);

        Assert.Equal(["CreateHostedZoneRequest", "CreateHostedZoneRequest", "CreateHealthCheckRequest", "UpdateHealthCheckRequest", "ChangeResourceRecordSetsRequest", "ChangeTagsForResourceRequest"],
            recorder.Bodies.Select(b => b.Name.LocalName));
        foreach (var body in recorder.Bodies)
        {
            Assert.Equal(global::DnsHost.Route53.Api.Route53Xml.Ns, body.Name.Namespace);
            AssertInModelOrder(model.GetProperty("shapes"), body.Name.LocalName, body);
        }
    }

    /// <summary>Children of <paramref name="element"/> are members of the shape, each once, in the order the model lists them.</summary>
    private static void AssertInModelOrder(JsonElement shapes, string shapeName, System.Xml.Linq.XElement element)
    {
        if (!shapes.TryGetProperty(shapeName, out var shape))
        {
            Assert.Equal("GeoProximityLocation", shapeName); // the one shape the installed model may lack, see below
            return;
        }
        if (shape.GetProperty("type").GetString() == "list")
        {
            var member = shape.GetProperty("member");
            string item = member.TryGetProperty("locationName", out var n) ? n.GetString()! : "member";
            foreach (var child in element.Elements())
            {
                Assert.Equal(item, child.Name.LocalName);
                AssertInModelOrder(shapes, member.GetProperty("shape").GetString()!, child);
            }
            return;
        }
        if (shape.GetProperty("type").GetString() != "structure")
        {
            Assert.False(element.HasElements, $"{element.Name.LocalName} is a {shape.GetProperty("type")} in the model");
            return;
        }
        var members = shape.GetProperty("members").EnumerateObject()
            .Where(m => !m.Value.TryGetProperty("location", out _))
            .Select(m => (Xml: m.Value.TryGetProperty("locationName", out var n) ? n.GetString()! : m.Name, Shape: m.Value.GetProperty("shape").GetString()!))
            .ToList();
        // The awscli model installed here predates geoproximity routing; Route 53's current model appends it.
        if (shapeName == "ResourceRecordSet" && !members.Any(m => m.Xml == "GeoProximityLocation"))
            members.Add(("GeoProximityLocation", "GeoProximityLocation"));
        int last = -1;
        foreach (var child in element.Elements())
        {
            int index = members.FindIndex(m => m.Xml == child.Name.LocalName);
            Assert.True(index >= 0, $"{child.Name.LocalName} is not a member of {shapeName}");
            Assert.True(index > last, $"{child.Name.LocalName} comes too late in {shapeName}: the model's order is {string.Join(", ", members.Select(m => m.Xml))}");
            last = index;
            AssertInModelOrder(shapes, members[index].Shape, child);
        }
    }

    private static string BotocoreModel()
    {
        string[] roots = ["/usr/lib/python3/dist-packages/awscli/botocore/data", "/usr/lib/python3/dist-packages/botocore/data"];
        return roots.Select(r => Path.Combine(r, "route53", "2013-04-01", "service-2.json")).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"the botocore route53 model (service-2.json) is in none of {string.Join(", ", roots)}; install awscli");
    }

    private sealed class BodyRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<System.Xml.Linq.XElement> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
                Bodies.Add(System.Xml.Linq.XElement.Parse(await request.Content.ReadAsStringAsync(cancellationToken)));
            return await base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Fault_injection_rates_outside_0_to_1_stop_the_server_naming_the_setting()
    {
        using var zones = new TestZones();
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => Start(zones, "--Api:FaultInjection:DropRate=1.5"));
        Assert.Contains("Api:FaultInjection:DropRate", e.Message);
    }

    [Fact]
    public async Task A_path_prefix_on_the_endpoint_is_kept()
    {
        using var zones = new TestZones();
        await using var server = await Start(zones);
        using var client = new Route53RestClient(Example, new Route53ClientOptions { Endpoint = new Uri(server.ApiBase, "some/prefix/") });
        var (zone, _) = await client.CreateHostedZoneAsync("prefix.test.", "prefix", null, null);
        Assert.Equal(zone.Id, Assert.Single(await client.ListHostedZonesAsync()).Id);
    }
}

internal static class RecordSetTestExtensions
{
    public static ResourceRecordSetJson With(this ResourceRecordSetJson set, Action<ResourceRecordSetJson> change)
    {
        change(set);
        return set;
    }
}

/// <summary>Route53Credentials.Resolve over temporary credentials and config files, with the environment given to it (the process's is shared by parallel tests).</summary>
[Trait("Kind", "Interop")]
public sealed class Route53ClientCredentialTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dnshost-creds-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _env = new();

    public Route53ClientCredentialTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "credentials"), """
            # keys
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = secret-default

            [other]
            aws_access_key_id=AKIDOTHER
            aws_secret_access_key=secret-other

            [temporary]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            aws_session_token = token-from-the-file
            """);
        File.WriteAllText(Path.Combine(_dir, "config"), """
            [default]
            region = eu-west-1

            [profile from-config]
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = secret-config
            s3 =
              max_concurrent_requests = 2

            [profile admin]
            role_arn = arn:aws:iam::123456789012:role/dns-admin
            source_profile = other

            [sso-session corp]
            sso_region = us-east-1
            """);
        _env["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials");
        _env["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config");
        _env["HOME"] = Path.Combine(_dir, "no-home");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ImmutableCredentials Resolve(string? profile = null) =>
        Route53Credentials.Resolve(profile, name => _env.GetValueOrDefault(name)).GetCredentials();

    [Fact]
    public void The_default_profile_of_the_files_the_environment_names()
    {
        var c = Resolve();
        Assert.Equal(("AKIDDEFAULT", "secret-default", false), (c.AccessKey, c.SecretKey, c.UseToken));
    }

    [Fact]
    public void A_profile_by_name_from_either_file()
    {
        Assert.Equal("AKIDOTHER", Resolve("other").AccessKey);
        Assert.Equal("AKIDCONFIG", Resolve("from-config").AccessKey);
        var e = Assert.Throws<Route53CredentialsException>(() => Resolve("nobody"));
        Assert.Contains("'nobody'", e.Message);
        Assert.Contains(Path.Combine(_dir, "credentials"), e.Message);
    }

    [Fact]
    public void AWS_PROFILE_picks_the_profile_and_environment_keys_come_before_it_but_after_an_explicit_profile()
    {
        _env["AWS_PROFILE"] = "from-config";
        Assert.Equal("AKIDCONFIG", Resolve().AccessKey);
        _env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env["AWS_SECRET_ACCESS_KEY"] = "secret-env";
        _env["AWS_SESSION_TOKEN"] = "token-env";
        var fromEnvironment = Resolve();
        Assert.Equal(("AKIDENV", "secret-env", "token-env"), (fromEnvironment.AccessKey, fromEnvironment.SecretKey, fromEnvironment.Token));
        Assert.Equal("AKIDOTHER", Resolve("other").AccessKey);
        _env.Remove("AWS_SECRET_ACCESS_KEY");
        Assert.Contains("AWS_SECRET_ACCESS_KEY", Assert.Throws<Route53CredentialsException>(() => Resolve()).Message);
    }

    [Fact]
    public void Without_any_credentials_the_error_says_where_it_looked()
    {
        _env["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "absent");
        _env["AWS_CONFIG_FILE"] = Path.Combine(_dir, "absent-too");
        var e = Assert.Throws<Route53CredentialsException>(() => Resolve());
        Assert.Contains("absent-too", e.Message);
    }

    [Fact]
    public async Task A_role_profile_assumes_the_role_with_its_source_profile_and_an_unreachable_sts_is_a_clear_error()
    {
        _env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9";
        var credentials = Assert.IsType<AssumedRoleCredentials>(Route53Credentials.Resolve("admin", name => _env.GetValueOrDefault(name)));
        Assert.Equal("arn:aws:iam::123456789012:role/dns-admin", credentials.Settings.RoleArn);
        Assert.Equal("http://127.0.0.1:9", credentials.Settings.Endpoint);
        Assert.Equal("AKIDOTHER", credentials.SourceCredentials.GetCredentials().AccessKey);
        // Nothing listens where STS is configured: a clear error, and Route 53 is not retried for it.
        using var client = new Route53RestClient(credentials, new Route53ClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") });
        var e = await Assert.ThrowsAsync<Route53CredentialsException>(() => client.ListHostedZonesAsync());
        Assert.Contains("cannot assume the role arn:aws:iam::123456789012:role/dns-admin", e.Message);
        Assert.Equal(0, client.Counters.Retries);
    }

    [Fact]
    public async Task A_session_token_is_signed_and_sent_and_the_server_accepts_it()
    {
        using var zones = new TestZones();
        await using var server = await RunningServer.StartAsync(zones.Directory);
        foreach (var (profile, token) in new[] { ("temporary", "token-from-the-file"), (null, "token-from-the-environment") })
        {
            if (profile is null)
            {
                _env["AWS_ACCESS_KEY_ID"] = AwsCli.ExampleAccessKey;
                _env["AWS_SECRET_ACCESS_KEY"] = AwsCli.ExampleSecretKey;
                _env["AWS_SESSION_TOKEN"] = token;
            }
            var recorder = new RecordingHandler();
            using var client = new Route53RestClient(Route53Credentials.Resolve(profile, name => _env.GetValueOrDefault(name)),
                new Route53ClientOptions { Endpoint = server.ApiBase }, recorder);
            Assert.Empty(await client.ListHostedZonesAsync());
            var headers = recorder.Last!;
            Assert.Equal(token, Assert.Single(headers.GetValues("X-Amz-Security-Token")));
            var authorization = Assert.Single(headers.GetValues("Authorization"));
            Assert.Contains("x-amz-security-token", authorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';'));
            Assert.Contains("/us-east-1/route53/aws4_request", authorization);
        }
    }

    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public HttpRequestHeaders? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request.Headers;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
