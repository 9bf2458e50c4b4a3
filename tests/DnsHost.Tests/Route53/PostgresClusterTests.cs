using System.Diagnostics;
using System.Xml.Linq;
using DnsHost.Protocol;
using DnsHost.Route53.Storage;
using DnsHost.Tests.Infrastructure;
using Npgsql;

namespace DnsHost.Tests.Route53;

/// <summary>One real PostgreSQL for the class; each test uses its own database in it.</summary>
public sealed class PostgresFixture : IDisposable
{
    private int _databases;

    public PostgresServer Server { get; } = new();

    /// <summary>A new, empty database and its connection string.</summary>
    public string NewDatabase()
    {
        string name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        using var db = new NpgsqlConnection(Server.ConnectionString);
        db.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {name}", db);
        create.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name }.ToString();
    }

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// Several DnsHost nodes on one real PostgreSQL (issue 23): the store behaves as SQLite does, a change
/// through one node's API is answered by the others, GetChange is INSYNC only when every live node serves
/// it, concurrent writers of one zone lose no acknowledged change, and a store outage costs no DNS answer.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class PostgresClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly XNamespace Ns = SignedRoute53Client.Ns;
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private Task<RunningServer> Node(string connectionString, string name) => RunningServer.StartAsync(_zones.Directory,
        "--Api:Store=PostgreSql", $"--Api:ConnectionString={connectionString}", $"--Cluster:NodeName={name}", "--Cluster:PollSeconds=0.2",
        "--HealthChecks:Enabled=false");

    private static async Task<string> CreateZone(SignedRoute53Client client, string name)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone",
            $"<CreateHostedZoneRequest xmlns=\"{Ns}\"><Name>{name}</Name><CallerReference>{Guid.NewGuid():N}</CallerReference></CreateHostedZoneRequest>");
        Assert.True(status == 201, body.ToString());
        return body.Descendants(Ns + "Id").First().Value.Split('/').Last();
    }

    private static string Batch(string action, string name, string address) => $"""
        <ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes>
          <Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{address}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
        </Changes></ChangeBatch></ChangeResourceRecordSetsRequest>
        """;

    private static async Task<(int Status, XElement Body)> Change(SignedRoute53Client client, string zone, string action, string name, string address) =>
        await client.SendAsync(HttpMethod.Post, $"2013-04-01/hostedzone/{zone}/rrset", Batch(action, name, address));

    private static async Task<string[]> A(RunningServer node, string name)
    {
        var response = await node.UdpAsync(TestQuery.Build(name, RecordType.A));
        return response.Answer.Where(r => r.Type == "A").Select(r => r.Data).ToArray();
    }

    /// <summary>Waits (a bound on a hung cluster, not a time window) until <paramref name="done"/> holds.</summary>
    private static async Task Eventually(Func<Task<bool>> done, string what)
    {
        var bound = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(bound.Elapsed < TimeSpan.FromSeconds(60), $"not within 60 s: {what}");
            await Task.Delay(20);
        }
    }

    private static async Task<string> Status(SignedRoute53Client client, string changeId)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"2013-04-01/change/{changeId}");
        Assert.Equal(200, status);
        return body.Descendants(Ns + "Status").First().Value;
    }

    [Theory]
    [InlineData(ApiStoreKind.Sqlite)]
    [InlineData(ApiStoreKind.PostgreSql)]
    public void Both_stores_keep_zones_in_order_with_versions_and_refuse_a_stale_write(ApiStoreKind kind)
    {
        string target = kind == ApiStoreKind.Sqlite ? Path.Combine(_zones.Directory, "api.db") : postgres.NewDatabase();
        using (var store = ApiStore.Open(kind, target))
        {
            var change = new ApiChange("C1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "first");
            Assert.Equal(1, store.SaveZone(new StoredZone("Z2", "b.test.", "ref-b", "{}"), change, [new("k1", "one"), new("k2", "two")], expectedVersion: 0));
            Assert.Equal(1, store.SaveZone(new StoredZone("Z1", "a.test.", "ref-a", "{}"), null, expectedVersion: 0));
            Assert.Equal(2, store.SaveZone(new StoredZone("Z2", "b.test.", "ref-b", "{\"x\":1}"), null, [new("k1", "uno")], ["k2"], expectedVersion: 1));
            Assert.Throws<ApiStoreConflictException>(() => store.SaveZone(new StoredZone("Z2", "b.test.", "ref-b", "{\"lost\":1}"), null, [new("k3", "lost")], expectedVersion: 1));
            Assert.Equal("first", store.GetChange("C1")!.Comment);
            Assert.True(store.CallerReferenceUsed("ref-a"));
            store.ChangeTags("hostedzone", "Z1", [new("team", "dns")], []);
        }
        // A second store on the same file or database sees the same state.
        using var again = ApiStore.Open(kind, target);
        var zones = again.Zones();
        Assert.Equal(["Z2", "Z1"], zones.Select(z => z.Id));
        Assert.Equal("{\"x\":1}", zones[0].Document);
        Assert.Equal(["uno"], zones[0].RecordSets);
        Assert.Equal(2, again.ZoneVersions()["Z2"]);
        Assert.Equal([new KeyValuePair<string, string>("team", "dns")], again.Tags("hostedzone", "Z1"));
        if (kind == ApiStoreKind.PostgreSql)
            Assert.Equal([("Z2", 1L), ("Z1", 1L), ("Z2", 2L)], again.ChangesSince(0).Select(c => (c.ZoneId, c.Version)));
    }

    [Fact]
    public void An_unreachable_PostgreSQL_is_one_line_naming_host_port_and_database()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var e = Assert.Throws<ApiStoreException>(() => ApiStore.Open(ApiStoreKind.PostgreSql, $"Host=127.0.0.1;Port={port};Database=dnshost;Username=postgres;Timeout=2"));
        Assert.StartsWith($"the PostgreSQL store at 127.0.0.1:{port}, database 'dnshost' cannot be reached", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_change_through_one_node_is_answered_by_the_other_two_and_INSYNC_waits_for_every_live_node()
    {
        string db = postgres.NewDatabase();
        await using var n1 = await Node(db, "n1");
        await using var n2 = await Node(db, "n2");
        await using var n3 = await Node(db, "n3");
        using var api1 = new SignedRoute53Client(n1.ApiBase);
        using var api3 = new SignedRoute53Client(n3.ApiBase);
        string zone = await CreateZone(api1, "cluster.test");
        var (status, body) = await Change(api1, zone, "CREATE", "www.cluster.test", "192.0.2.1");
        Assert.Equal(200, status);
        string changeId = body.Descendants(Ns + "Id").First().Value.Split('/').Last();

        // INSYNC only once every node serves it: then nodes 2 and 3 answer it at once.
        await Eventually(async () => await Status(api1, changeId) == "INSYNC", "GetChange INSYNC");
        Assert.Equal(["192.0.2.1"], await A(n2, "www.cluster.test"));
        Assert.Equal(["192.0.2.1"], await A(n3, "www.cluster.test"));

        // A change through node 3 reaches node 1; a delete reaches everyone.
        Assert.Equal(200, (await Change(api3, zone, "UPSERT", "www.cluster.test", "192.0.2.3")).Status);
        await Eventually(async () => (await A(n1, "www.cluster.test")).SequenceEqual(["192.0.2.3"]), "node 1 answers node 3's change");
        Assert.Equal(200, (await Change(api1, zone, "DELETE", "www.cluster.test", "192.0.2.3")).Status);
        await Eventually(async () => (await n2.UdpAsync(TestQuery.Build("www.cluster.test", RecordType.A))).Rcode == 3, "node 2 answers NXDOMAIN after the delete");

        // A live node that has not applied a change holds it at PENDING (a fourth node that reports but lags).
        var (_, late) = await Change(api1, zone, "CREATE", "late.cluster.test", "192.0.2.9");
        string lateId = late.Descendants(Ns + "Id").First().Value.Split('/').Last();
        using (var store = ApiStore.Open(ApiStoreKind.PostgreSql, db))
        {
            store.NodeName = "n4-lagging";
            store.ReportNode("eu-west-1", 0, DateTimeOffset.UtcNow);
            Assert.Equal("PENDING", await Status(api1, lateId));
            store.ReportNode("eu-west-1", store.LastSequence(), DateTimeOffset.UtcNow);
            Assert.Equal("INSYNC", await Status(api1, lateId));
        }

        // dnshost cluster status lists the four nodes and their sequences.
        var (code, output) = await ClusterStatus(db);
        Assert.True(code is 0 or 2, output);
        foreach (string name in new[] { "n1", "n2", "n3", "n4-lagging" })
            Assert.Contains(name, output);
        Assert.Contains("change log at", output);
    }

    private static async Task<(int Code, string Output)> ClusterStatus(string connectionString)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dnshost.dll"), "cluster", "status", $"--Api:ConnectionString={connectionString}" })
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Two_nodes_writing_one_zone_at_once_lose_no_acknowledged_change()
    {
        string db = postgres.NewDatabase();
        await using var n1 = await Node(db, "w1");
        await using var n2 = await Node(db, "w2");
        using var api1 = new SignedRoute53Client(n1.ApiBase);
        using var api2 = new SignedRoute53Client(n2.ApiBase);
        string zone = await CreateZone(api1, "race.test");
        await Eventually(async () => (await n2.UdpAsync(TestQuery.Build("race.test", RecordType.SOA))).Rcode == 0, "node 2 has the zone");

        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async writer =>
        {
            var api = writer % 2 == 0 ? api1 : api2;
            for (int i = 0; i < 15; i++)
            {
                string name = $"w{writer}-{i}.race.test";
                var (status, body) = await Change(api, zone, "CREATE", name, $"192.0.2.{writer * 15 + i + 1}");
                if (status == 200)
                    acknowledged.Add(name);
                else
                    refused.Add(body.Descendants(Ns + "Code").FirstOrDefault()?.Value ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }));
        // Refusals, if any, are Route 53's retryable error, never a failure.
        Assert.All(refused, code => Assert.Equal("PriorRequestNotComplete", code));
        Assert.NotEmpty(acknowledged);
        foreach (var node in new[] { n1, n2 })
        {
            foreach (string name in acknowledged)
                await Eventually(async () => (await A(node, name)).Length == 1, $"{name} on node {node.Port}");
        }
        var (_, listed) = await api2.SendAsync(HttpMethod.Get, $"2013-04-01/hostedzone/{zone}/rrset?maxitems=300");
        var names = listed.Descendants(Ns + "Name").Select(n => n.Value.TrimEnd('.')).ToHashSet();
        Assert.All(acknowledged, name => Assert.Contains(name, names));
    }

    [Fact]
    public async Task With_PostgreSQL_down_DNS_keeps_answering_writes_get_ServiceUnavailable_and_both_resume_after()
    {
        // A PostgreSQL of its own: this test stops it.
        using var own = new PostgresServer();
        string db = own.ConnectionString;
        await using var n1 = await Node(db, "s1");
        await using var n2 = await Node(db, "s2");
        using var api1 = new SignedRoute53Client(n1.ApiBase);
        string zone = await CreateZone(api1, "stable.test");
        Assert.Equal(200, (await Change(api1, zone, "CREATE", "www.stable.test", "192.0.2.1")).Status);
        await Eventually(async () => (await A(n2, "www.stable.test")).Length == 1, "node 2 answers before the outage");

        own.Stop();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(["192.0.2.1"], await A(n1, "www.stable.test"));
            Assert.Equal(["192.0.2.1"], await A(n2, "www.stable.test"));
        }
        // The node says so on /healthz (still 200: it answers DNS) and in /metrics.
        using var http = new HttpClient();
        await Eventually(async () => (await http.GetStringAsync(new Uri(n2.ApiBase, "healthz"))).StartsWith("degraded: the API store cannot be reached", StringComparison.Ordinal), "node 2's /healthz says degraded");
        Assert.Contains("dnshost_cluster_store_reachable 0", await http.GetStringAsync(new Uri(n2.ApiBase, "metrics")));
        var (status, body) = await Change(api1, zone, "UPSERT", "www.stable.test", "192.0.2.2");
        Assert.Equal(503, status);
        Assert.Equal("ServiceUnavailable", body.Descendants(Ns + "Code").First().Value);
        // The refused write changed nothing that is served.
        Assert.Equal(["192.0.2.1"], await A(n1, "www.stable.test"));

        own.Start();
        await Eventually(async () => (await Change(api1, zone, "UPSERT", "www.stable.test", "192.0.2.2")).Status == 200, "a write is accepted again");
        await Eventually(async () => (await A(n2, "www.stable.test")).SequenceEqual(["192.0.2.2"]), "node 2 catches up after the outage");
        await Eventually(async () => await http.GetStringAsync(new Uri(n2.ApiBase, "healthz")) == "ok\n", "node 2's /healthz is ok again");
        Assert.Contains("dnshost_cluster_store_reachable 1", await http.GetStringAsync(new Uri(n2.ApiBase, "metrics")));
    }

    [Fact]
    public async Task A_CIDR_collection_changed_through_one_node_moves_the_IP_based_answers_of_every_node()
    {
        string db = postgres.NewDatabase();
        await using var n1 = await Node(db, "c1");
        await using var n2 = await Node(db, "c2");
        var aws1 = new AwsCli(n1.ApiBase);
        var aws2 = new AwsCli(n2.ApiBase);
        string cid = (await aws1.Ok("create-cidr-collection", "--name", "offices", "--caller-reference", "c-1")).GetProperty("Collection").GetProperty("Id").GetString()!;
        await aws1.Ok("change-cidr-collection", "--id", cid, "--changes", """[{"LocationName":"office","Action":"PUT","CidrList":["10.1.0.0/16"]}]""");
        string zone = await CreateZone(new SignedRoute53Client(n1.ApiBase), "cidr.test");
        object Set(string id, string location, string address) => new
        {
            Action = "UPSERT",
            ResourceRecordSet = new { Name = "ip.cidr.test", Type = "A", TTL = 60, SetIdentifier = id, CidrRoutingConfig = new { CollectionId = cid, LocationName = location }, ResourceRecords = new[] { new { Value = address } } },
        };
        await aws1.Ok("change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch",
            System.Text.Json.JsonSerializer.Serialize(new { Changes = new[] { Set("office", "office", "192.0.2.10"), Set("rest", "*", "192.0.2.99") } }));
        await Eventually(async () => (await A(n2, "ip.cidr.test")).SequenceEqual(["192.0.2.99"]), "node 2 answers the default location for 127.0.0.1");

        // Node 2 moves loopback into the office; node 1 answers from the office for the next query.
        await aws2.Ok("change-cidr-collection", "--id", cid, "--changes", """[{"LocationName":"office","Action":"PUT","CidrList":["127.0.0.0/8"]}]""");
        await Eventually(async () => (await A(n1, "ip.cidr.test")).SequenceEqual(["192.0.2.10"]), "node 1 follows the collection node 2 changed");
        var blocks = (await aws1.Ok("list-cidr-blocks", "--collection-id", cid)).GetProperty("CidrBlocks").EnumerateArray()
            .Select(b => b.GetProperty("CidrBlock").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["10.1.0.0/16", "127.0.0.0/8"], blocks);
        // A collection deleted through node 1 is gone on node 2.
        string other = (await aws1.Ok("create-cidr-collection", "--name", "spare", "--caller-reference", "c-2")).GetProperty("Collection").GetProperty("Id").GetString()!;
        await Eventually(async () => (await aws2.Run("list-cidr-collections")).Stdout.Contains(other, StringComparison.Ordinal), "node 2 has the new collection");
        await aws1.Ok("delete-cidr-collection", "--id", other);
        await Eventually(async () => !(await aws2.Run("list-cidr-collections")).Stdout.Contains(other, StringComparison.Ordinal), "node 2 drops the deleted collection");
    }

    [Fact]
    public async Task Tags_written_through_one_node_are_read_through_another()
    {
        string db = postgres.NewDatabase();
        await using var n1 = await Node(db, "t1");
        await using var n2 = await Node(db, "t2");
        var aws1 = new AwsCli(n1.ApiBase);
        var aws2 = new AwsCli(n2.ApiBase);
        string zone = await CreateZone(new SignedRoute53Client(n1.ApiBase), "tags.test");
        await aws1.Ok("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone, "--add-tags", "Key=team,Value=dns");
        // Node 2 knows the zone once the change log reaches it; the tags are the store's, not a copy.
        await Eventually(async () => (await aws2.Run("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone)).Stdout.Contains("\"dns\"", StringComparison.Ordinal),
            "node 2 lists the tag written through node 1");
        await aws2.Ok("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone, "--remove-tag-keys", "team");
        Assert.DoesNotContain("team", (await aws1.Run("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", zone)).Stdout);
    }

    [Fact]
    public void A_local_snapshot_holds_the_store_in_order_and_is_read_only()
    {
        string db = postgres.NewDatabase();
        string snapshot = Path.Combine(_zones.Directory, "copy", "snapshot.db");
        using (var store = ApiStore.Open(ApiStoreKind.PostgreSql, db))
        {
            store.SaveZone(new StoredZone("Z2", "b.test.", "ref-b", "{}"), new ApiChange("C1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "first"), [new("k1", "one"), new("k2", "two")], expectedVersion: 0);
            store.SaveZone(new StoredZone("Z1", "a.test.", "ref-a", "{}"), null, expectedVersion: 0);
            store.ChangeTags("hostedzone", "Z1", [new("team", "dns")], []);
            store.SetHealthOverride("hc-1", false, null, 1);
            Assert.Equal(store.LastSequence(), store.WriteSnapshot(snapshot, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
        }
        string unreachable = new NpgsqlConnectionStringBuilder(db) { Host = "127.0.0.1", Port = 1, Timeout = 2 }.ToString();
        using var copy = ApiStore.OpenPostgreSqlOrSnapshot(unreachable, snapshot, out var why);
        Assert.NotNull(why);
        Assert.True(copy.OnSnapshot);
        Assert.Equal(3, copy.SnapshotSequence);
        // An override holds on a node restarted from its snapshot too.
        Assert.Equal([new StoredOverride("hc-1", false, null)], copy.HealthOverrides());
        Assert.Equal(["Z2", "Z1"], copy.Zones().Select(z => z.Id));
        Assert.Equal(["one", "two"], copy.Zones()[0].RecordSets);
        Assert.Equal([new KeyValuePair<string, string>("team", "dns")], copy.Tags("hostedzone", "Z1"));
        Assert.Equal("first", copy.GetChange("C1")!.Comment);
        var refused = Assert.Throws<ApiStoreException>(() => copy.SaveZone(new StoredZone("Z3", "c.test.", "ref-c", "{}"), null, expectedVersion: 0));
        Assert.Contains("local snapshot (change 3)", refused.Message);
    }

    [Fact]
    public async Task A_node_restarted_while_PostgreSQL_is_down_serves_its_local_snapshot_refuses_writes_and_catches_up_after()
    {
        using var own = new PostgresServer();
        string db = own.ConnectionString;
        string snapshot = Path.Combine(_zones.Directory, "n1-snapshot.db");
        string[] n1Args = ["--Api:Store=PostgreSql", $"--Api:ConnectionString={db}", "--Cluster:NodeName=r1", "--Cluster:PollSeconds=0.2",
            $"--Cluster:SnapshotPath={snapshot}", "--Cluster:SnapshotSeconds=0", "--HealthChecks:Enabled=false"];
        string zone;
        await using (var n1 = await RunningServer.StartAsync(_zones.Directory, n1Args))
        {
            using var api1 = new SignedRoute53Client(n1.ApiBase);
            zone = await CreateZone(api1, "snap.test");
            Assert.Equal(200, (await Change(api1, zone, "CREATE", "www.snap.test", "192.0.2.1")).Status);
            long logged;
            using (var store = ApiStore.Open(ApiStoreKind.PostgreSql, db))
                logged = store.LastSequence();
            await Eventually(() => Task.FromResult(SnapshotSequence(snapshot) >= logged), "node 1 writes its local snapshot");
        }
        // While node 1 is down another node changes the zone: the snapshot does not have this.
        await using (var n2 = await Node(db, "r2"))
        {
            using var api2 = new SignedRoute53Client(n2.ApiBase);
            Assert.Equal(200, (await Change(api2, zone, "CREATE", "new.snap.test", "192.0.2.9")).Status);
        }

        own.Stop();
        await using var again = await RunningServer.StartAsync(_zones.Directory, n1Args);
        Assert.Equal(["192.0.2.1"], await A(again, "www.snap.test"));
        Assert.Empty(await A(again, "new.snap.test"));
        using var api = new SignedRoute53Client(again.ApiBase);
        var (listed, zones) = await api.SendAsync(HttpMethod.Get, "2013-04-01/hostedzone");
        Assert.Equal(200, listed);
        Assert.Contains(zones.Descendants(Ns + "Name"), n => n.Value == "snap.test.");
        var (status, body) = await Change(api, zone, "UPSERT", "www.snap.test", "192.0.2.2");
        Assert.Equal(503, status);
        Assert.Equal("ServiceUnavailable", body.Descendants(Ns + "Code").First().Value);
        using var http = new HttpClient();
        await Eventually(async () => (await http.GetStringAsync(new Uri(again.ApiBase, "healthz"))).StartsWith("degraded: the API store cannot be reached", StringComparison.Ordinal), "the restarted node says degraded");

        own.Start();
        await Eventually(async () => (await A(again, "new.snap.test")).SequenceEqual(["192.0.2.9"]), "the restarted node catches up with the change it missed");
        await Eventually(async () => (await Change(api, zone, "UPSERT", "www.snap.test", "192.0.2.2")).Status == 200, "a write is accepted again");
        Assert.Equal(["192.0.2.2"], await A(again, "www.snap.test"));
        await Eventually(async () => await http.GetStringAsync(new Uri(again.ApiBase, "healthz")) == "ok\n", "its /healthz is ok again");
    }

    [Fact]
    public async Task Without_a_snapshot_a_node_whose_PostgreSQL_does_not_answer_does_not_start()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        string missing = Path.Combine(_zones.Directory, "no-snapshot.db");
        var e = await Assert.ThrowsAsync<ApiStoreException>(() => RunningServer.StartAsync(_zones.Directory, "--Api:Store=PostgreSql",
            $"--Api:ConnectionString=Host=127.0.0.1;Port={port};Database=dnshost;Username=postgres;Timeout=2", $"--Cluster:SnapshotPath={missing}"));
        Assert.Contains("cannot be reached", e.Message);
    }

    /// <summary>The change sequence a local snapshot file holds, or -1 while there is none.</summary>
    private static long SnapshotSequence(string path)
    {
        if (!File.Exists(path))
            return -1;
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=false");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT sequence FROM snapshot_info";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
