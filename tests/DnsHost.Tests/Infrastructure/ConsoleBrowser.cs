using DnsHost.Web;
using Microsoft.Playwright;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// A real DnsHost host with Console:Authentication Required and a headless Chromium driven by Playwright,
/// one per test class (<c>IClassFixture&lt;ConsoleBrowser&gt;</c>); each test takes a fresh browser context
/// (its own cookies) from <see cref="NewPageAsync"/>. The browser is Debian's (/usr/bin/chromium, installed by
/// .ci/run): Playwright never downloads one. Screenshots go to <see cref="ScreenshotFolder"/> beside the test
/// assembly and to artifacts/console/ at the repository root.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ScreenshotFolder = "console-screenshots";
    public const string AdminToken = "browser-admin-token-9d2e";
    public const string AccessKeyId = "AKIDBROWSERTEST";
    public const string Secret = "browser-test-secret";

    private readonly TestZones _zones = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public RunningServer Server { get; private set; } = null!;
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser has not started");

    /// <summary>Zone files the host serves (the home page counts them).</summary>
    public const int ZoneCount = 2;

    public async Task InitializeAsync()
    {
        // The Playwright driver ships in the package (.playwright/node); it must never fetch a browser.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _zones.Write("example.test.zone", "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n");
        _zones.Write("lab.test.zone", "$ORIGIN lab.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.2\n");
        Server = await RunningServer.StartAsync(_zones.Directory,
            "--Console:Authentication=Required", "--Console:AdminToken=" + AdminToken, $"--Api:AccessKeys:{AccessKeyId}={Secret}");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The tests run as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        _zones.Dispose();
    }

    /// <summary>A page in a new context (no cookies), with the server as its base URL; <paramref name="width"/> narrows the viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.ApiBase.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(10_000);
        return await context.NewPageAsync();
    }

    /// <summary>Fills the sign-in form (the page must show it) with an access key and submits it; returns the response to the POST.</summary>
    public static async Task<IResponse?> SubmitSignInAsync(IPage page, string accessKeyId = AccessKeyId, string secret = Secret)
    {
        await page.GetByLabel("Access key id").FillAsync(accessKeyId);
        await page.GetByLabel("Secret access key").FillAsync(secret);
        return await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
            response => response.Url.Contains(ConsoleAccess.SignInPath, StringComparison.Ordinal) && response.Request.Method == "POST");
    }

    /// <summary>Opens the sign-in page and signs in with the access key; the page then shows the home page.</summary>
    public static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(ConsoleAccess.SignInPath);
        await SubmitSignInAsync(page);
        await page.WaitForURLAsync("**/console");
    }

    /// <summary>Saves a full-page PNG as console-screenshots/NAME.png (and artifacts/console/NAME.png); returns the first path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, ScreenshotFolder, name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        string artifacts = Path.Combine(TestZones.RepositoryRoot, "artifacts", "console");
        Directory.CreateDirectory(artifacts);
        File.Copy(path, Path.Combine(artifacts, name + ".png"), overwrite: true);
        return path;
    }
}
