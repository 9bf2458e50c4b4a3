using System.Net.Http.Headers;
using DnsHost.Health;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Server.Traffic;
using DnsHost.Tests.Infrastructure;
using DnsHost.Tests.Resolver;
using DnsHost.Web.WebConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// A host for the monitoring pages: the console signed in as ConsoleBrowser's, a sync job that loads
/// shop.test (with the health check db-primary behind db.shop.test's failover pair) into the API store,
/// a forwarder for the resolver, and traffic sampled every second.
/// </summary>
public sealed class MonitoringConsole : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private readonly TestZones _syncSource = new();
    private IPlaywright? _playwright;

    public FakeUpstream Upstream { get; } = new FakeUpstream("up.lab.").A("www.up.lab", "192.0.2.77", ttl: 3600);
    public RunningServer Server { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The id of shop.test's health check, which db.shop.test's PRIMARY answer hangs on.</summary>
    public string CheckId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _zones.Write("example.test.zone", "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.10\n");
        File.Copy(Path.Combine(TestZones.SampleZones, "shop.test.json"), Path.Combine(_syncSource.Directory, "shop.test.json"));
        Server = await RunningServer.StartAsync(_zones.Directory,
            "--Console:Authentication=Required", "--Console:AdminToken=" + ConsoleBrowser.AdminToken,
            $"--Api:AccessKeys:{ConsoleBrowser.AccessKeyId}={ConsoleBrowser.Secret}",
            "--Sync:Jobs:0:Source=dir:" + _syncSource.Directory, "--Sync:Jobs:0:Target=local", "--Sync:Jobs:0:IntervalSeconds=300",
            $"--Resolver:Forwarders:0={Upstream.Address}", "--Resolver:Dnssec=false",
            "--Console:Traffic:ResolutionSeconds=1", "--Console:Traffic:WindowSeconds=600");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ConsoleBrowser.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox"],
        });
        // The sync job's first run puts shop.test and its one health check (db-primary, under an id the
        // store gives it) in place; every test needs them.
        var checker = Server.Services.GetRequiredService<HealthChecker>();
        for (int i = 0; i < 300 && checker.List().Count == 0; i++)
            await Task.Delay(100);
        var runs = Server.Services.GetRequiredService<SyncRunLog>().Runs(0);
        Assert.True(checker.List().Count == 1, $"health checks: {string.Join(", ", checker.List().Select(c => c.Id))}; sync runs: "
            + string.Join("; ", runs.Select(r => $"{r.Outcome} {r.Summary} {r.Error} {r.HealthChecksChanged}")));
        CheckId = checker.List()[0].Id;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        Upstream.Dispose();
        _syncSource.Dispose();
        _zones.Dispose();
    }

    /// <summary>A signed-in page in a fresh context.</summary>
    public async Task<IPage> SignedInPageAsync(int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.ApiBase.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        await ConsoleBrowser.SignInAsync(page);
        return page;
    }
}

/// <summary>
/// The console's monitoring pages in Chromium: a health check turned unhealthy by an override (from the
/// operations endpoint and from the page's own button) shows on the pages within seconds; a drill run from
/// the console is drawn; traffic charts after queries; the resolver cache flushes a name; the sync page
/// lists the job's run.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class ConsoleMonitoringBrowserTests(MonitoringConsole console) : IClassFixture<MonitoringConsole>
{
    private string Check => console.CheckId;
    private static readonly LocatorAssertionsToHaveTextOptions Seconds = new() { Timeout = 15_000 };

    private HealthChecker Checker => console.Server.Services.GetRequiredService<HealthChecker>();

    [Fact]
    public async Task An_override_from_the_operations_endpoint_shows_on_the_health_pages_and_the_page_buttons_set_and_clear_it()
    {
        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.HealthChecks);
        var row = page.Locator("#health-checks tr", new() { HasText = Check });
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Healthy");
        await ConsoleBrowser.ScreenshotAsync(page, "health-checks");

        // Another operator (or a script) overrides through the operations endpoint: the open page shows it by itself.
        using var http = new HttpClient { BaseAddress = console.Server.ApiBase };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleBrowser.AdminToken);
        (await http.PutAsync($"/dnshost/health-checks/{Check}/override?status=Unhealthy", null)).EnsureSuccessStatusCode();
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Unhealthy", Seconds);
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("Unhealthy");

        // The check's own page: clear it with the button, then force it unhealthy with the other.
        await row.GetByRole(AriaRole.Link, new() { Name = Check }).ClickAsync();
        await Expect(page.Locator("#check-status")).ToContainTextAsync("Unhealthy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear override" }).ClickAsync();
        await Expect(page.Locator("#check-status strong")).ToHaveTextAsync("Healthy");
        Assert.Null(Checker.Get(Check)!.Override);
        await page.GetByRole(AriaRole.Button, new() { Name = "Force unhealthy" }).ClickAsync();
        await Expect(page.Locator("#check-status strong")).ToHaveTextAsync("Unhealthy");
        Assert.Equal("Unhealthy", Checker.Get(Check)!.Status);
        // The band and the change list say so in words, not only in colour.
        await Expect(page.Locator("svg#status-band")).ToContainTextAsync("unhealthy", new() { IgnoreCase = true });
        await Expect(page.Locator("#changes tbody tr").First).ToContainTextAsync("override");
        await ConsoleBrowser.ScreenshotAsync(page, "health-check-unhealthy");

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear override" }).ClickAsync();
        await Expect(page.Locator("#check-status strong")).ToHaveTextAsync("Healthy");
        Assert.Equal("Healthy", Checker.Get(Check)!.Status);
    }

    [Fact]
    public async Task An_override_form_without_its_antiforgery_token_is_refused_and_changes_nothing()
    {
        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.HealthChecks + "/" + Check);
        await page.EvaluateAsync("() => document.querySelectorAll('form[action$=\"/override\"] input[name=\"__RequestVerificationToken\"]').forEach(e => e.remove())");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Force unhealthy" }).ClickAsync(),
            r => r.Url.EndsWith("/override", StringComparison.Ordinal));
        Assert.Equal(400, response.Status);
        Assert.Null(Checker.Get(Check)!.Override);
    }

    [Fact]
    public async Task A_drill_run_from_the_console_is_drawn_with_its_events()
    {
        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.Drills);
        await page.GetByLabel("Record name").FillAsync("db.shop.test");
        await page.GetByLabel("Health check").SelectOptionAsync(Check);
        await page.GetByLabel("Mode").SelectOptionAsync("Override");
        await page.GetByLabel("Flips (1 to 10)").FillAsync("1");
        await page.GetByLabel("Settle (seconds the new answer must hold)").FillAsync("0.2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run drill" }).ClickAsync();

        var drill = page.Locator("section.drill").First;
        await Expect(drill.Locator("h3")).ToContainTextAsync($"db.shop.test A, check {Check}");
        await Expect(drill.Locator(".drill-state")).ToContainTextAsync("Finished", new() { Timeout = 60_000 });
        var timeline = drill.Locator("svg[role=img]");
        await Expect(timeline).ToContainTextAsync("BackendBroken 1");
        await Expect(timeline).ToContainTextAsync("Recovered 1");
        await Expect(timeline.Locator("title").First).ToHaveTextAsync("Drill of db.shop.test A");
        await Expect(drill.Locator(".drill-state")).ToContainTextAsync("all within it");
        await ConsoleBrowser.ScreenshotAsync(page, "drills");
        // The drill cleared its override when it finished.
        Assert.Null(Checker.Get(Check)!.Override);
        Assert.Equal("server", console.Server.Services.GetRequiredService<DnsHost.Drill.DrillJournal>().Recent()[0].Origin);
    }

    [Fact]
    public async Task A_drill_with_an_unknown_check_is_refused_with_the_reason()
    {
        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.Drills);
        await page.GetByLabel("Record name").FillAsync("db.shop.test");
        await page.GetByLabel("Record type").FillAsync("NOTATYPE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run drill" }).ClickAsync();
        await Expect(page.Locator("#drill-error")).ToHaveTextAsync("Type 'NOTATYPE' is not a record type.");
    }

    [Fact]
    public async Task The_traffic_page_charts_the_queries_answered_and_lists_the_top_zone()
    {
        for (int i = 0; i < 64; i++)
            Assert.Equal(0, (await console.Server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A))).Rcode);
        // Bounded: a sample is taken every second on the host's clock.
        var history = console.Server.Services.GetRequiredService<TrafficHistory>();
        for (int i = 0; i < 100 && !history.Snapshot().TopZones.Any(z => z.Name == "example.test."); i++)
            await Task.Delay(100);

        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.Traffic);
        foreach (var id in new[] { "qps", "rcodes", "latency", "cache-hit-rate" })
            await Expect(page.Locator($"svg#{id}[role=img] title")).ToHaveCountAsync(1);
        await Expect(page.Locator("svg#qps")).Not.ToContainTextAsync("No data for this period");
        await Expect(page.Locator("svg#rcodes")).ToContainTextAsync("NOERROR");
        // The other tests' queries (a drill's) may put shop.test. on top; example.test. must be listed.
        await Expect(page.Locator("#top-zones tbody tr td:first-child", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^example\\.test\\.$") })).ToHaveCountAsync(1);
        await Expect(page.Locator("#top-zones thead th").First).ToHaveTextAsync("Zone");
        await ConsoleBrowser.ScreenshotAsync(page, "traffic");
    }

    [Fact]
    public async Task The_resolver_page_finds_a_cached_name_and_flushes_it()
    {
        var answer = await console.Server.UdpAsync(TestQuery.Build("www.up.lab", RecordType.A, rd: true));
        Assert.Equal("192.0.2.77", Assert.Single(answer.Answer).Data);

        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.ResolverCache);
        await page.GetByLabel("Name contains").FillAsync("up.lab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var row = page.Locator("#cache-entries tbody tr", new() { HasText = "www.up.lab." });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("A");
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("NOERROR");
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("Unchecked");
        await ConsoleBrowser.ScreenshotAsync(page, "resolver-cache");

        await page.GetByLabel("Flush a name").FillAsync("www.up.lab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Flush name" }).ClickAsync();
        await Expect(page.Locator("#flushed")).ToHaveTextAsync("Flushed www.up.lab: 1 entries.");
        await Expect(page.Locator("#cache-entries")).ToHaveCountAsync(0);
        Assert.DoesNotContain(console.Server.Services.GetRequiredService<RecursionService>().Resolver!.Cache.Dump(), e => e.Name == "www.up.lab.");
    }

    [Fact]
    public async Task The_sync_page_lists_the_jobs_run()
    {
        var page = await console.SignedInPageAsync();
        await page.GotoAsync(ConsoleNavigation.Sync);
        await Expect(page.Locator("#job-0")).ToContainTextAsync("local");
        var run = page.Locator("#runs-0 tbody tr").Last;
        await Expect(run.Locator("td").Nth(2)).ToHaveTextAsync("applied");
        await Expect(run.Locator("td").Nth(3)).ToHaveTextAsync("1");
        await Expect(page.Locator("#runs-0 thead th").First).ToHaveTextAsync("Started");
        await ConsoleBrowser.ScreenshotAsync(page, "sync");
    }

    [Fact]
    public async Task The_health_check_page_fits_a_narrow_screen()
    {
        var page = await console.SignedInPageAsync(width: 360);
        await page.GotoAsync(ConsoleNavigation.HealthChecks + "/" + Check);
        await Expect(page.Locator("svg#probe-latency")).ToHaveCountAsync(1);
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{overflow} px of sideways scroll at 360 px");
        await ConsoleBrowser.ScreenshotAsync(page, "health-check-narrow");
    }
}
