using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Route53.Storage;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Health checks on three DnsHost nodes on one real PostgreSQL (issue 23): a check created through one node is
/// probed by every node, GetHealthCheckStatus lists one observation per node with its region, a check's status
/// follows Route 53's 18 % rule over the live nodes' views (an endpoint broken for some nodes only, through
/// HealthChecks:TargetOverrides), an override set on one node holds on every node, and a node that stops
/// reporting stops counting after Cluster:NodeTimeoutSeconds (on a shared fake clock).
/// </summary>
[Trait("Kind", "Interop")]
public sealed class PostgresClusterHealthTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly XNamespace Ns = SignedRoute53Client.Ns;
    private static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-1"];
    private const string Primary = "192.0.2.1", Secondary = "192.0.2.2";
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    /// <summary>Node n<paramref name="index"/> in Regions[index - 1], reporting 127.0.0.index as its checker address.</summary>
    private Task<RunningServer> Node(string db, int index, Action<IServiceCollection>? services = null, string[]? extra = null, double nodeTimeoutSeconds = 10) =>
        RunningServer.StartAsync(_zones.Directory, services, [
            "--Api:Store=PostgreSql", $"--Api:ConnectionString={db}", $"--Cluster:NodeName=n{index}", $"--Cluster:Region={Regions[index - 1]}",
            $"--Cluster:IPAddress=127.0.0.{index}", "--Cluster:PollSeconds=0.2", $"--Cluster:NodeTimeoutSeconds={nodeTimeoutSeconds}",
            "--HealthChecks:AllowPrivateTargets=true", "--HealthChecks:MinimumInterval=1", .. extra ?? []]);

    /// <summary>This node probes a closed port in place of <paramref name="endpoint"/>: the endpoint is broken for it alone.</summary>
    private static string[] BrokenFor(TestHttpEndpoint endpoint) =>
        [$"--HealthChecks:TargetOverrides:0:From=127.0.0.1:{endpoint.Port}", $"--HealthChecks:TargetOverrides:0:To=127.0.0.1:{ClosedPort()}"];

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>CreateHealthCheck through the AWS CLI (its range checks off: the interval is the harness's 1 s).</summary>
    private static async Task<string> CreateCheck(RunningServer node, TestHttpEndpoint endpoint)
    {
        var aws = new AwsCli(node.ApiBase, clientValidation: false);
        var created = await aws.Ok("create-health-check", "--caller-reference", Guid.NewGuid().ToString("N"), "--health-check-config",
            $"Type=HTTP,IPAddress=127.0.0.1,Port={endpoint.Port},ResourcePath=/,RequestInterval=1,FailureThreshold=1");
        return created.GetProperty("HealthCheck").GetProperty("Id").GetString()!;
    }

    /// <summary>Zone hc.test with app.hc.test: PRIMARY (192.0.2.1) on the check, SECONDARY (192.0.2.2) without one.</summary>
    private static async Task CreateFailoverZone(RunningServer node, string checkId)
    {
        using var api = new SignedRoute53Client(node.ApiBase);
        var (status, body) = await api.SendAsync(HttpMethod.Post, "2013-04-01/hostedzone",
            $"<CreateHostedZoneRequest xmlns=\"{Ns}\"><Name>hc.test</Name><CallerReference>{Guid.NewGuid():N}</CallerReference></CreateHostedZoneRequest>");
        Assert.True(status == 201, body.ToString());
        string zone = body.Descendants(Ns + "Id").First().Value.Split('/').Last();
        (status, body) = await api.SendAsync(HttpMethod.Post, $"2013-04-01/hostedzone/{zone}/rrset", $"""
            <ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes>
              <Change><Action>CREATE</Action><ResourceRecordSet><Name>app.hc.test</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><TTL>5</TTL>
                <ResourceRecords><ResourceRecord><Value>{Primary}</Value></ResourceRecord></ResourceRecords><HealthCheckId>{checkId}</HealthCheckId></ResourceRecordSet></Change>
              <Change><Action>CREATE</Action><ResourceRecordSet><Name>app.hc.test</Name><Type>A</Type><SetIdentifier>s</SetIdentifier><Failover>SECONDARY</Failover><TTL>5</TTL>
                <ResourceRecords><ResourceRecord><Value>{Secondary}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
            </Changes></ChangeBatch></ChangeResourceRecordSetsRequest>
            """);
        Assert.True(status == 200, body.ToString());
    }

    /// <summary>
    /// Waits until every node serves the zone (the change log carries it; the check's status is another matter).
    /// With a fake clock it moves, as a node that lost the store waits on that clock before it tries again.
    /// </summary>
    private static async Task Serving(RunningServer[] nodes, FakeTimeProvider? clock = null)
    {
        foreach (var node in nodes)
        {
            string last = "";
            await Eventually(async () => (last = await App(node)) is Primary or Secondary, $"node {node.Port} serves hc.test", clock, () => last);
        }
    }

    private static async Task<string> App(RunningServer node)
    {
        var response = await node.UdpAsync(TestQuery.Build("app.hc.test", RecordType.A));
        var answer = string.Join(",", response.Answer.Where(r => r.Type == "A").Select(r => r.Data));
        return answer.Length > 0 ? answer : $"no answer (rcode {response.Rcode}, flags {response.Flags:x4})";
    }

    /// <summary>GetHealthCheckStatus through the Route 53 API: (Region, IPAddress, Status) per observation.</summary>
    private static async Task<List<(string Region, string Address, string Status)>> Observations(RunningServer node, string checkId)
    {
        using var api = new SignedRoute53Client(node.ApiBase);
        var (status, body) = await api.SendAsync(HttpMethod.Get, $"2013-04-01/healthcheck/{checkId}/status");
        if (status != 200)
            return [];
        return body.Descendants(Ns + "HealthCheckObservation")
            .Select(o => (o.Element(Ns + "Region")!.Value, o.Element(Ns + "IPAddress")!.Value, o.Descendants(Ns + "Status").First().Value))
            .OrderBy(o => o.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every node lists one observation per region of <paramref name="regions"/>, each healthy or not as given.</summary>
    private static Func<Task<bool>> Observed(IEnumerable<RunningServer> nodes, string checkId, params (string Region, bool Healthy)[] regions) => async () =>
    {
        foreach (var node in nodes)
        {
            var seen = await Observations(node, checkId);
            var wanted = regions.OrderBy(r => r.Region, StringComparer.Ordinal).ToList();
            if (seen.Count != wanted.Count || !seen.Zip(wanted).All(p => p.First.Region == p.Second.Region && p.First.Status.StartsWith(p.Second.Healthy ? "Success:" : "Failure:", StringComparison.Ordinal)))
                return false;
        }
        return true;
    };

    /// <summary>
    /// Waits (a bound on a hung cluster, not a time window) until <paramref name="done"/> holds. With a fake
    /// clock, each round moves it 1.1 s, so probes (1 s interval) run and nodes keep reporting.
    /// </summary>
    private static async Task Eventually(Func<Task<bool>> done, string what, FakeTimeProvider? clock = null, Func<string>? lastSeen = null)
    {
        var bound = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(bound.Elapsed < TimeSpan.FromSeconds(90), $"not within 90 s: {what}{(lastSeen is null ? "" : $" (last seen: {lastSeen()})")}");
            clock?.Advance(TimeSpan.FromSeconds(1.1));
            await Task.Delay(clock is null ? 50 : 300);
        }
    }

    [Fact]
    public void The_18_percent_rule_counts_more_than_18_percent_healthy_checkers_as_healthy()
    {
        Assert.True(CheckerRule.Healthy(1, 3));
        Assert.True(CheckerRule.Healthy(1, 5));
        Assert.False(CheckerRule.Healthy(1, 6));
        Assert.False(CheckerRule.Healthy(0, 3));
        Assert.False(CheckerRule.Healthy(0, 0));
        Assert.True(CheckerRule.Healthy(2, 11));
        Assert.False(CheckerRule.Healthy(9, 50));
        Assert.True(CheckerRule.Healthy(10, 50));
    }

    [Fact]
    public async Task A_check_created_on_one_node_is_probed_by_all_three_and_its_updates_and_deletion_reach_every_node()
    {
        string db = postgres.NewDatabase();
        await using var endpoint = TestHttpEndpoint.Start();
        await using var n1 = await Node(db, 1);
        await using var n2 = await Node(db, 2);
        await using var n3 = await Node(db, 3);
        RunningServer[] nodes = [n1, n2, n3];
        string id = await CreateCheck(n1, endpoint);

        await Eventually(Observed(nodes, id, ("us-east-1", true), ("eu-west-1", true), ("ap-southeast-1", true)), "three healthy observations on every node");
        // The AWS CLI reads the same through node 3: each node's region and configured address.
        var status = await new AwsCli(n3.ApiBase).Ok("get-health-check-status", "--health-check-id", id);
        var observations = status.GetProperty("HealthCheckObservations").EnumerateArray()
            .Select(o => $"{o.GetProperty("IPAddress").GetString()} {o.GetProperty("Region").GetString()}").Order(StringComparer.Ordinal);
        Assert.Equal(["127.0.0.1 us-east-1", "127.0.0.2 eu-west-1", "127.0.0.3 ap-southeast-1"], observations);
        using (var store = ApiStore.Open(ApiStoreKind.PostgreSql, db))
            Assert.Equal(3, store.ObservationCount());

        // An update through node 2 is what every node runs.
        var updated = await new AwsCli(n2.ApiBase, clientValidation: false).Ok("update-health-check", "--health-check-id", id, "--failure-threshold", "2");
        Assert.Equal(2, updated.GetProperty("HealthCheck").GetProperty("HealthCheckVersion").GetInt32());
        foreach (var node in nodes)
            await Eventually(() => Task.FromResult(node.Services.GetRequiredService<HealthChecker>().Get(id)?.FailureThreshold == 2), $"node {node.Port} runs version 2");
        // A stale version through node 3 is refused as Route 53 does.
        var stale = await new AwsCli(n3.ApiBase, clientValidation: false).Run("update-health-check", "--health-check-id", id, "--health-check-version", "1", "--failure-threshold", "3");
        Assert.Equal("HealthCheckVersionMismatch", stale.ErrorCode);

        // A deletion through node 3 stops the check on every node; its observations go with it.
        await new AwsCli(n3.ApiBase).Ok("delete-health-check", "--health-check-id", id);
        foreach (var node in nodes)
            await Eventually(() => Task.FromResult(node.Services.GetRequiredService<HealthChecker>().Get(id) is null), $"node {node.Port} stopped the check");
        var gone = await new AwsCli(n1.ApiBase).Run("get-health-check", "--health-check-id", id);
        Assert.Equal("NoSuchHealthCheck", gone.ErrorCode);
    }

    [Fact]
    public async Task An_endpoint_broken_for_two_nodes_of_three_stays_healthy_everywhere_and_broken_for_all_it_fails_over_everywhere()
    {
        string db = postgres.NewDatabase();
        await using var endpoint = TestHttpEndpoint.Start();
        await using var n1 = await Node(db, 1);
        await using var n2 = await Node(db, 2, extra: BrokenFor(endpoint));
        await using var n3 = await Node(db, 3, extra: BrokenFor(endpoint));
        RunningServer[] nodes = [n1, n2, n3];
        string id = await CreateCheck(n1, endpoint);
        await CreateFailoverZone(n1, id);
        await Serving(nodes);

        // 1 of 3 checkers healthy (33 % > 18 %): healthy on every node, whatever that node sees itself.
        await Eventually(Observed(nodes, id, ("us-east-1", true), ("eu-west-1", false), ("ap-southeast-1", false)), "n1 healthy, n2 and n3 failing, seen by every node");
        foreach (var node in nodes)
            Assert.Equal(Primary, await App(node));
        using (var operations = new OperationsClient(n2.ApiBase))
        {
            var own = await operations.GetAsync(id);
            Assert.False(own.EndpointHealthy);
            Assert.Equal("Healthy", own.Status);
            Assert.Equal("1 of 3 healthy", own.HealthyCheckers);
        }

        // 0 of 3: unhealthy on every node, and every node fails over.
        endpoint.Stop();
        await Eventually(Observed(nodes, id, ("us-east-1", false), ("eu-west-1", false), ("ap-southeast-1", false)), "every checker failing");
        foreach (var node in nodes)
            Assert.Equal(Secondary, await App(node));

        // Back for node 1 only: healthy again everywhere.
        endpoint.Restart();
        await Eventually(Observed(nodes, id, ("us-east-1", true), ("eu-west-1", false), ("ap-southeast-1", false)), "n1 healthy again");
        foreach (var node in nodes)
            Assert.Equal(Primary, await App(node));
    }

    [Fact]
    public async Task An_override_set_on_one_node_holds_on_every_node_and_on_a_node_started_after_it()
    {
        string db = postgres.NewDatabase();
        await using var endpoint = TestHttpEndpoint.Start();
        await using var n1 = await Node(db, 1);
        await using var n2 = await Node(db, 2);
        string id = await CreateCheck(n1, endpoint);
        await CreateFailoverZone(n1, id);
        await Eventually(async () => await App(n2) == Primary, "node 2 answers the primary");

        using (var operations = new OperationsClient(n1.ApiBase))
            Assert.Equal("Unhealthy", (await operations.OverrideAsync(id, false)).Override);
        await Eventually(async () => await App(n2) == Secondary, "node 2 follows node 1's override");

        // Node 3 was not running when the override was set: it reads it from the store.
        await using var n3 = await Node(db, 3);
        await Eventually(async () => await App(n3) == Secondary, "node 3 starts with the override");
        using (var operations = new OperationsClient(n3.ApiBase))
            Assert.Equal("override", (await operations.GetAsync(id)).DecidedBy);

        // Cleared through node 2: every node goes by its probes again.
        using (var operations = new OperationsClient(n2.ApiBase))
            Assert.Null((await operations.OverrideAsync(id, null)).Override);
        foreach (var node in new[] { n1, n3 })
            await Eventually(async () => await App(node) == Primary, $"node {node.Port} back on the primary");
    }

    [Fact]
    public async Task A_node_that_stops_reporting_stops_counting_after_NodeTimeoutSeconds()
    {
        string db = postgres.NewDatabase();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        void Clock(IServiceCollection services) => services.AddSingleton<TimeProvider>(clock);
        await using var endpoint = TestHttpEndpoint.Start();
        // Only node 3 reaches the endpoint: while it reports, 1 of 3 is healthy.
        await using var n1 = await Node(db, 1, Clock, BrokenFor(endpoint));
        await using var n2 = await Node(db, 2, Clock, BrokenFor(endpoint));
        var n3 = await Node(db, 3, Clock);
        bool n3Stopped = false;
        try
        {
            string id = await CreateCheck(n1, endpoint);
            await CreateFailoverZone(n1, id);
            await Serving([n1, n2, n3], clock);
            await Eventually(Observed([n1, n2, n3], id, ("us-east-1", false), ("eu-west-1", false), ("ap-southeast-1", true)), "n3 healthy, n1 and n2 failing", clock);
            Assert.Equal(Primary, await App(n1));
            Assert.Equal(Primary, await App(n2));

            using var store = ApiStore.Open(ApiStoreKind.PostgreSql, db);
            // A node's report comes after its health pass, at the same moment: once a node reports at t, its
            // status counts the nodes live at t.
            async Task PassAt(DateTimeOffset t, params string[] names) => await Eventually(() => Task.FromResult(
                store.Nodes().Count(n => names.Contains(n.Name) && n.SeenAt.ToUnixTimeMilliseconds() == t.ToUnixTimeMilliseconds()) == names.Length),
                $"{string.Join(", ", names)} report at {t:O}");

            // The clock stands still from here: n3's last report is at `stopped`.
            var stopped = clock.GetUtcNow();
            await PassAt(stopped, "n3");
            await n3.DisposeAsync();
            n3Stopped = true;

            // 8 s after n3's last report (the timeout is 10 s): n3 still counts.
            clock.Advance(TimeSpan.FromSeconds(8));
            await PassAt(clock.GetUtcNow(), "n1", "n2");
            Assert.Equal(Primary, await App(n1));
            Assert.Equal(Primary, await App(n2));
            Assert.Equal(3, (await Observations(n2, id)).Count);

            // Past the timeout: n3 is dropped, 0 of 2 report healthy, and both fail over.
            clock.Advance(TimeSpan.FromSeconds(3));
            Assert.True(clock.GetUtcNow() - stopped > TimeSpan.FromSeconds(10));
            await PassAt(clock.GetUtcNow(), "n1", "n2");
            Assert.Equal(Secondary, await App(n1));
            Assert.Equal(Secondary, await App(n2));
            Assert.Equal(["eu-west-1 Failure", "us-east-1 Failure"], (await Observations(n1, id)).Select(o => $"{o.Region} {o.Status.Split(':')[0]}"));
        }
        finally
        {
            if (!n3Stopped)
                await n3.DisposeAsync();
        }
    }
}
