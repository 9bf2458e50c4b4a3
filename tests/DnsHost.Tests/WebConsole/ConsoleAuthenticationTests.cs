using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using DnsHost.Tests.Infrastructure;
using DnsHost.Web;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// Issue 22: with Console:Authentication Required, the operations endpoints and the console refuse a request
/// without a credential; the sign-in cookie's flags; forms without their antiforgery token; wrong secrets;
/// the unauthenticated mode refused beyond loopback; and TLS from Api:Certificate.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class ConsoleAuthenticationTests : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-5f1c";
    public const string AccessKeyId = "AKIDCONSOLETEST";
    public const string Secret = "console-test-secret";
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;

    public static readonly string[] RequiredArgs =
        ["--Console:Authentication=Required", "--Console:AdminToken=" + AdminToken, $"--Api:AccessKeys:{AccessKeyId}={Secret}"];

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(_zones.Directory, RequiredArgs);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    /// <summary>Every operations endpoint (OperationsEndpoints, ResolverEndpoints), by method and path.</summary>
    public static TheoryData<string, string> OperationsEndpoints => new()
    {
        { "GET", "/dnshost/health-checks" },
        { "GET", "/dnshost/health-checks/hc" },
        { "PUT", "/dnshost/health-checks/hc/override?status=Unhealthy" },
        { "DELETE", "/dnshost/health-checks/hc/override" },
        { "POST", "/dnshost/resolver/flush" },
        { "GET", "/dnshost/resolver/cache" },
    };

    [Theory]
    [MemberData(nameof(OperationsEndpoints))]
    public async Task An_operations_endpoint_refuses_a_request_without_a_credential_and_takes_the_admin_token(string method, string path)
    {
        using var http = new HttpClient { BaseAddress = _server.ApiBase };
        using (var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Unauthenticated", await response.Content.ReadAsStringAsync());
        }
        using (var wrong = new HttpRequestMessage(new HttpMethod(method), path))
        {
            wrong.Headers.Authorization = new("Bearer", AdminToken + "x");
            using var response = await http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using var right = new HttpRequestMessage(new HttpMethod(method), path);
        right.Headers.Authorization = new("Bearer", AdminToken);
        using var answered = await http.SendAsync(right);
        // Past the gate: the endpoint's own answer (no such check, resolver off), never 401.
        Assert.NotEqual(HttpStatusCode.Unauthorized, answered.StatusCode);
        Assert.DoesNotContain("Unauthenticated", await answered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_access_key_pair_works_as_Basic_and_healthz_and_metrics_stay_open()
    {
        using var http = new HttpClient { BaseAddress = _server.ApiBase };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        Assert.Contains("dnshost_", await http.GetStringAsync("/metrics"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dnshost/health-checks");
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{AccessKeyId}:{Secret}")));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_CLI_client_sends_the_admin_token()
    {
        using var without = new OperationsClient(_server.ApiBase);
        var refused = await Assert.ThrowsAsync<OperationsException>(() => without.ListAsync());
        Assert.StartsWith("401", refused.Message);
        using var with = new OperationsClient(_server.ApiBase, AdminToken);
        Assert.Empty(await with.ListAsync());
    }

    [Fact]
    public async Task The_console_redirects_to_sign_in_and_the_sign_in_cookie_is_HttpOnly_and_SameSite_Strict()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = _server.ApiBase };
        using (var home = await http.GetAsync("/console/zones?page=2"))
        {
            Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
            Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fzones%3Fpage%3D2", home.Headers.Location!.OriginalString);
        }
        string token = await FormTokenAsync(http);
        using var signIn = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["AccessKeyId"] = AccessKeyId, ["Secret"] = Secret, ["ReturnUrl"] = "/console",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        string cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleAccess.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain HTTP here; see the TLS test
        string page = await http.GetStringAsync("/console");
        Assert.Contains("Signed in as <strong>" + AccessKeyId, page);
        // The cookie opens the operations endpoints too.
        using var checks = await http.GetAsync("/dnshost/health-checks");
        Assert.Equal(HttpStatusCode.OK, checks.StatusCode);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_and_a_form_without_its_antiforgery_token_gets_400()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = _server.ApiBase };
        string token = await FormTokenAsync(http);
        using (var wrong = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["AccessKeyId"] = AccessKeyId, ["Secret"] = Secret + "x",
        })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("is not right", await wrong.Content.ReadAsStringAsync());
            Assert.False(wrong.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(ConsoleAccess.CookieName + "=", StringComparison.Ordinal)));
        }
        using (var noToken = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["AdminToken"] = AdminToken,
        })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
            Assert.False(noToken.Headers.Contains("Set-Cookie") && noToken.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(ConsoleAccess.CookieName + "=", StringComparison.Ordinal)));
        }
        // Signed in (with the admin token), a sign-out form without its token is refused too.
        using var signIn = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["AdminToken"] = AdminToken,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var signOut = await http.PostAsync("/console/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
    }

    [Fact]
    public async Task The_unauthenticated_mode_is_refused_at_start_beyond_loopback()
    {
        // 192.0.2.1 (TEST-NET-1) is never bound: the check comes before Kestrel listens.
        var e = await Assert.ThrowsAsync<ApiBindException>(() => RunningServer.StartAsync(_zones.Directory,
            "--api", "192.0.2.1:0", "--Console:Authentication=OffOnLoopback"));
        Assert.Contains("Console:Authentication is OffOnLoopback, but Api:Listen 192.0.2.1:0 is not a loopback address", e.Message);
        Assert.Equal(ConsoleAuthentication.Required, new WebConsoleOptions().EffectiveAuthentication(IPEndPoint.Parse("192.0.2.1:8053")));
        Assert.Equal(ConsoleAuthentication.OffOnLoopback, new WebConsoleOptions().EffectiveAuthentication(IPEndPoint.Parse("127.0.0.1:8053")));
    }

    [Fact]
    public async Task With_Api_Certificate_the_endpoint_serves_HTTPS_and_the_cookie_is_Secure()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string pfx = Path.Combine(_zones.Directory, "api.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pw"));
        await using var tls = await RunningServer.StartAsync(_zones.Directory, [.. RequiredArgs, "--Api:Certificate:Path=" + pfx, "--Api:Certificate:Password=pw"]);
        Assert.Equal("https", tls.ApiBase.Scheme);
        string? seen = null;
        using var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, served, _, _) => (seen = served?.Thumbprint) == certificate.Thumbprint,
        };
        using var http = new HttpClient(handler) { BaseAddress = tls.ApiBase };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        Assert.Equal(certificate.Thumbprint, seen);
        string token = await FormTokenAsync(http);
        using var signIn = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["AdminToken"] = AdminToken,
        }));
        string cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleAccess.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The sign-in page's antiforgery token (its cookie stays in the client's cookie container).</summary>
    public static async Task<string> FormTokenAsync(HttpClient http)
    {
        string page = await http.GetStringAsync("/console/login");
        var match = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "the sign-in form has no antiforgery token");
        return match.Groups[1].Value;
    }
}
