using DnsHost.Tests.Infrastructure;
using DnsHost.Web;
using Microsoft.Playwright;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// Issue 22 in a real browser (Chromium through Playwright): signing in shows the home page with the
/// server's figures, a visit without a sign-in lands on the sign-in form and comes back after it, a wrong
/// secret is refused, and a form whose antiforgery token was removed is refused by the server.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class ConsoleBrowserTests(ConsoleBrowser console) : IClassFixture<ConsoleBrowser>
{
    [Fact]
    public async Task Signing_in_shows_the_home_page_with_the_zone_count()
    {
        var page = await console.NewPageAsync();
        await ConsoleBrowser.SignInAsync(page);
        Assert.Equal("Overview", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).TextContentAsync());
        Assert.Equal(ConsoleBrowser.ZoneCount.ToString(System.Globalization.CultureInfo.InvariantCulture), (await page.Locator("#zone-count").TextContentAsync())?.Trim());
        Assert.Equal("0", (await page.Locator("#unhealthy-count").TextContentAsync())?.Trim());
        Assert.Contains("Signed in as " + ConsoleBrowser.AccessKeyId, await page.Locator("header").InnerTextAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "home");
        // Every nav item answers with its page (phase 2 fills the placeholders).
        foreach (var item in DnsHost.Web.WebConsole.ConsoleNavigation.Items)
        {
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = item.Title, Exact = true }).ClickAsync();
            // Expect retries until the new page is there (or its timeout passes).
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(item.Path) + "$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(item.Title);
            Assert.Equal("page", await page.GetByRole(AriaRole.Link, new() { Name = item.Title, Exact = true }).GetAttributeAsync("aria-current"));
        }
    }

    [Fact]
    public async Task A_visit_without_a_sign_in_goes_to_the_sign_in_form_and_returns_after_it()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync("/console/health-checks");
        Assert.EndsWith(ConsoleAccess.SignInPath + "?returnUrl=%2Fconsole%2Fhealth-checks", page.Url, StringComparison.Ordinal);
        // Keyboard users reach the skip link first.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await ConsoleBrowser.ScreenshotAsync(page, "sign-in");
        await ConsoleBrowser.SubmitSignInAsync(page);
        await page.WaitForURLAsync("**/console/health-checks");
        Assert.Equal("Health checks", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).TextContentAsync());
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_a_message_and_no_sign_in()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync(ConsoleAccess.SignInPath);
        var response = await ConsoleBrowser.SubmitSignInAsync(page, secret: ConsoleBrowser.Secret + "-wrong");
        Assert.Equal(401, response!.Status);
        Assert.Contains("is not right", await page.GetByRole(AriaRole.Alert).TextContentAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "sign-in-refused");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == ConsoleAccess.CookieName);
        await page.GotoAsync("/console");
        Assert.Contains(ConsoleAccess.SignInPath, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        var page = await console.NewPageAsync();
        await ConsoleBrowser.SignInAsync(page);
        // As a forged form would: the sign-out form without the token the server put in it.
        await page.EvaluateAsync("document.querySelectorAll('form.sign-out input[name=__RequestVerificationToken]').forEach(e => e.remove())");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync(),
            r => r.Url.Contains(ConsoleAccess.SignOutPath, StringComparison.Ordinal));
        Assert.Equal(400, response.Status);
        Assert.Contains("anti-forgery token is missing or wrong", await page.Locator("body").InnerTextAsync());
        // Still signed in: the forged post did nothing.
        await page.GotoAsync("/console");
        Assert.Contains("Signed in as", await page.Locator("header").InnerTextAsync());
        // With its token, the same form signs out.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**" + ConsoleAccess.SignInPath);
        await page.GotoAsync("/console");
        Assert.Contains(ConsoleAccess.SignInPath, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_narrow_screen_the_navigation_stacks_and_nothing_scrolls_sideways()
    {
        var page = await console.NewPageAsync(width: 360, height: 740);
        await ConsoleBrowser.SignInAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the home page scrolls sideways at 360 px");
        var links = page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link);
        var first = await links.Nth(0).BoundingBoxAsync();
        var second = await links.Nth(1).BoundingBoxAsync();
        Assert.True(second!.Y > first!.Y, "the nav items sit one under the other");
        await ConsoleBrowser.ScreenshotAsync(page, "home-narrow");
    }

    [Fact]
    public async Task The_zones_page_lists_the_served_zones_and_searches_them_by_name()
    {
        var page = await console.NewPageAsync();
        await ConsoleBrowser.SignInAsync(page);
        await page.GotoAsync(DnsHost.Web.WebConsole.ConsoleNavigation.Zones);
        var rows = page.Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(ConsoleBrowser.ZoneCount);
        Assert.Equal(["example.test.", "lab.test."], (await page.Locator("tbody tr td:first-child").AllTextContentsAsync()).ToArray());
        await page.GetByLabel("Zone name contains").FillAsync("LAB");
        await page.GetByLabel("Zone name contains").PressAsync("Enter");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        // SOA, NS and A: the zone file's three records.
        Assert.Equal(["lab.test.", "File", "public", "3"], (await rows.First.Locator("td").AllTextContentsAsync()).Take(4).ToArray());
        Assert.Contains("1 zone matching", await page.Locator("#zone-total").TextContentAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "zones-search");
    }
}
