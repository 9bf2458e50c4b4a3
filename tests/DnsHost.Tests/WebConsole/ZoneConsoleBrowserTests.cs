using DnsHost.Protocol;
using DnsHost.Route53;
using DnsHost.Route53.Api;
using DnsHost.Tests.Infrastructure;
using DnsHost.Web.WebConsole;
using DnsHost.Zones.HostedZones;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// Issue 22, phase 2a in a real browser: record sets made and changed through the console's forms are answered
/// over DNS, the change batch's own errors show on the form, a zone of 10,000 record sets pages and searches,
/// and the Answer page shows what a name answers and why. Zones are created through the host's
/// <see cref="HostedZoneService"/>, the code behind the Route 53 API.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class ZoneConsoleBrowserTests(ConsoleBrowser console) : IClassFixture<ConsoleBrowser>
{
    private HostedZoneService Zones => console.Server.Services.GetRequiredService<HostedZoneService>();

    private string CreateZone(string name) => Zones.Create(name, "console-test-" + name, null, false, null).Zone.Id;

    private static ResourceRecordSetJson A(string name, string address, string? identifier = null, long? weight = null) => new()
    {
        Name = name, Type = "A", TTL = 60, SetIdentifier = identifier, Weight = weight,
        ResourceRecords = [new ResourceRecordJson { Value = address }],
    };

    private async Task<IPage> SignedInAsync(int width = 1280)
    {
        var page = await console.NewPageAsync(width);
        await ConsoleBrowser.SignInAsync(page);
        return page;
    }

    private static async Task FillRecordSetAsync(IPage page, string name, string value, string? identifier = null, string? weight = null)
    {
        await page.GetByLabel("Record name").FillAsync(name);
        await page.GetByLabel("Record type").SelectOptionAsync("A");
        await page.GetByLabel("TTL (seconds)").FillAsync("60");
        await page.GetByLabel("Values").FillAsync(value);
        if (identifier is not null)
            await page.GetByLabel("Set identifier").FillAsync(identifier);
        if (weight is not null)
            await page.GetByLabel("Weight (weighted)").FillAsync(weight);
    }

    private async Task<List<string>> AnswerAsync(string name)
    {
        var response = await console.Server.UdpAsync(TestQuery.Build(name, RecordType.A));
        Assert.Equal(ResponseCode.NoError, response.ResponseCode);
        return response.AnswerData("A").ToList();
    }

    [Fact]
    public async Task A_weighted_record_set_made_in_the_console_is_answered_over_DNS()
    {
        string id = CreateZone("weighted.test.");
        var page = await SignedInAsync();
        await page.GotoAsync(ZonePage.PathOf(id));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("weighted.test.");

        // Two weighted sets: blue with weight 1, green with weight 0 (Route 53 never answers a zero weight beside a positive one).
        foreach (var (identifier, address, weight) in new[] { ("blue", "192.0.2.10", "1"), ("green", "192.0.2.20", "0") })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Create record set" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Create record set");
            await FillRecordSetAsync(page, "www.weighted.test", address, identifier, weight);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create record set" }).ClickAsync();
            await Assertions.Expect(page.Locator(".done")).ToHaveTextAsync("Record set created.");
        }
        var rows = page.Locator("#record-sets tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["weighted \u201cblue\u201d: weight 1", "weighted \u201cgreen\u201d: weight 0"],
            (await rows.Locator("td:nth-child(5)").AllTextContentsAsync()).ToArray());
        await ConsoleBrowser.ScreenshotAsync(page, "zone-weighted");
        Assert.Equal(["192.0.2.10"], await AnswerAsync("www.weighted.test."));

        // Edit: blue to weight 0 and green to 5, and DNS answers green.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit www.weighted.test. A blue" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Edit record set");
        await Assertions.Expect(page.GetByLabel("Weight (weighted)")).ToHaveValueAsync("1");
        await page.GetByLabel("Weight (weighted)").FillAsync("0");
        await ConsoleBrowser.ScreenshotAsync(page, "record-set-edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save record set" }).ClickAsync();
        await Assertions.Expect(page.Locator(".done")).ToHaveTextAsync("Record set saved.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit www.weighted.test. A green" }).ClickAsync();
        await page.GetByLabel("Weight (weighted)").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save record set" }).ClickAsync();
        await Assertions.Expect(page.Locator(".done")).ToHaveTextAsync("Record set saved.");
        Assert.Equal(["192.0.2.20"], await AnswerAsync("www.weighted.test."));

        // Delete green: blue alone answers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit www.weighted.test. A green" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete record set" }).ClickAsync();
        await Assertions.Expect(page.Locator(".done")).ToHaveTextAsync("Record set deleted.");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal(["192.0.2.10"], await AnswerAsync("www.weighted.test."));
    }

    [Fact]
    public async Task The_change_batch_errors_show_on_the_form_in_the_APIs_words()
    {
        string id = CreateZone("errors.test.");
        Zones.Change(id, null, [("CREATE", A("taken.errors.test.", "192.0.2.1"))]);
        // What the API answers for the same batch: the form must show exactly this.
        var refused = Assert.Throws<Route53Exception>(() => Zones.Change(id, null, [("CREATE", A("bad.errors.test.", "192.0.2.300"))]));
        var page = await SignedInAsync();
        await page.GotoAsync(ZonePage.PathOf(id) + "/recordset");

        await FillRecordSetAsync(page, "bad.errors.test", "192.0.2.300");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create record set" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(400, response.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("InvalidChangeBatch: " + refused.Messages[0]);
        // The form keeps what was typed, so it can be corrected.
        await Assertions.Expect(page.GetByLabel("Values")).ToHaveValueAsync("192.0.2.300");
        await ConsoleBrowser.ScreenshotAsync(page, "record-set-error");

        // A set that exists already: CREATE is refused as the API refuses it.
        await FillRecordSetAsync(page, "taken.errors.test", "192.0.2.2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create record set" }).ClickAsync();
        await Assertions.Expect(alert).ToContainTextAsync("Tried to create resource record set [name='taken.errors.test.', type='A'] but it already exists");
        Assert.Equal(["192.0.2.1"], await AnswerAsync("taken.errors.test."));
        var (sets, _) = Zones.ListRecordSets(id, null, null, null, 100);
        Assert.DoesNotContain(sets, s => s.Name == "bad.errors.test.");
    }

    [Fact]
    public async Task A_zone_of_10000_record_sets_pages_and_search_finds_one()
    {
        string id = CreateZone("big.test.");
        // SOA and NS plus 9,998 A sets: Route 53's default limit of 10,000 a zone, in batches of 1,000 changes.
        const int count = 9_998;
        for (int start = 0; start < count; start += 1000)
        {
            var batch = Enumerable.Range(start, Math.Min(1000, count - start))
                .Select(i => ("CREATE", A($"host-{i:D5}.big.test.", $"10.0.{i / 256}.{i % 256}")))
                .ToList();
            Zones.Change(id, null, batch);
        }
        var page = await SignedInAsync();
        await page.GotoAsync(ConsoleNavigation.Zones + "?q=big");
        await page.GetByRole(AriaRole.Link, new() { Name = "big.test." }).ClickAsync();
        await Assertions.Expect(page.Locator("#set-total")).ToHaveTextAsync("10000 record sets");
        await Assertions.Expect(page.Locator("#set-page")).ToHaveTextAsync("Page 1 of 200");
        var rows = page.Locator("#record-sets tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(RecordSetList.PageSize);
        await ConsoleBrowser.ScreenshotAsync(page, "zone-10000");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(page.Locator("#set-page")).ToHaveTextAsync("Page 2 of 200");
        await Assertions.Expect(rows).ToHaveCountAsync(RecordSetList.PageSize);
        // Route 53's order: the apex first (NS, SOA), then the hosts; page 2 starts 50 sets in.
        await Assertions.Expect(rows.First.Locator("td").First).ToHaveTextAsync("host-00048.big.test.");

        await page.GetByLabel("Name contains").FillAsync("host-07777");
        await page.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("A");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("#set-total")).ToHaveTextAsync("1 record set matching");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal(["host-07777.big.test.", "A", "60", "10.0.30.97"], (await rows.First.Locator("td").AllTextContentsAsync()).Take(4).ToArray());
        await ConsoleBrowser.ScreenshotAsync(page, "zone-search");
    }

    [Fact]
    public async Task The_zones_page_shows_each_zones_DNSSEC_status()
    {
        CreateZone("dnssec-column.test.");
        var page = await SignedInAsync();
        await page.GotoAsync(ConsoleNavigation.Zones + "?q=dnssec-column");
        var row = page.Locator("tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        Assert.Equal(["dnssec-column.test.", "Api", "public"], (await row.Locator("td").AllTextContentsAsync()).Take(3).ToArray());
        await Assertions.Expect(row.Locator("td").Last).ToHaveTextAsync(ZoneDnssecStatus.NotSigned);
        Assert.Equal("DNSSEC", await page.Locator("thead th").Last.TextContentAsync());
    }

    [Fact]
    public async Task A_file_zone_is_read_only_in_the_console_and_its_page_fits_a_narrow_screen()
    {
        var page = await SignedInAsync(width: 360);
        await page.GotoAsync(ZonePage.PathOf("example.test"));
        await Assertions.Expect(page.Locator("#read-only")).ToContainTextAsync("read-only");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Create record set" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#record-sets tbody tr")).ToHaveCountAsync(3);
        await ConsoleBrowser.ScreenshotAsync(page, "zone-file-narrow");
        // The table scrolls inside its own box; the page itself does not scroll sideways (a zone file's long path did, before it could wrap).
        string wide = await page.EvaluateAsync<string>("[...document.querySelectorAll('main *')].filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ')");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the zone page scrolls sideways at 360 px: " + wide);
        // The search form in keyboard order: name, type, then the button.
        await page.GetByLabel("Name contains").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("set-type", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Search", await page.EvaluateAsync<string>("document.activeElement.textContent"));
    }

    [Fact]
    public async Task The_answer_page_shows_the_answer_and_its_reasons()
    {
        string id = CreateZone("answer.test.");
        Zones.Change(id, null, [("CREATE", A("www.answer.test.", "192.0.2.30", "blue", 1)), ("CREATE", A("www.answer.test.", "192.0.2.40", "green", 0))]);
        var page = await SignedInAsync(width: 360);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Answer", Exact = true }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("www.answer.test");
        await page.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("A");
        await page.GetByLabel("Client subnet (EDNS Client Subnet)").FillAsync("198.51.100.0/24");
        await page.GetByRole(AriaRole.Button, new() { Name = "Answer" }).ClickAsync();
        await Assertions.Expect(page.Locator("#answer-rcode")).ToHaveTextAsync("NOERROR");
        await Assertions.Expect(page.Locator("#answer-records tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#answer-records")).ToContainTextAsync("192.0.2.30");
        var reasons = await page.Locator("#answer-reasons li").AllTextContentsAsync();
        Assert.StartsWith($"zone answer.test. (public, id {id})", reasons[0], StringComparison.Ordinal);
        Assert.Contains(reasons, r => r.StartsWith("weighted: ", StringComparison.Ordinal));
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the answer page scrolls sideways at 360 px");
        await ConsoleBrowser.ScreenshotAsync(page, "answer");

        // A name no zone holds: REFUSED, with the reason.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("www.elsewhere.invalid");
        await page.GetByRole(AriaRole.Button, new() { Name = "Answer" }).ClickAsync();
        await Assertions.Expect(page.Locator("#answer-rcode")).ToHaveTextAsync("REFUSED");
        await Assertions.Expect(page.Locator("#answer-reasons")).ToContainTextAsync("no zone served here contains www.elsewhere.invalid.");
    }
}
