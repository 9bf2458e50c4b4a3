using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DnsHost.Route53.Client;
using DnsHost.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Sync;

/// <summary>
/// Role and SSO profiles for the sync job's Route 53 side, against stand-ins on loopback: an STS that
/// answers AssumeRole, an SSO portal that answers GetRoleCredentials, an SSO OIDC that renews a token and
/// an ECS credentials endpoint, reached through AWS_ENDPOINT_URL_STS, a [services] section and
/// AWS_ENDPOINT_URL_SSO / _SSO_OIDC. The DnsHost playing Route 53 knows only the keys the stand-ins hand
/// out, so a listing that succeeds was signed with them.
/// </summary>
[Trait("Kind", "Interop")]
public sealed class SyncCredentialTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dnshost-sso-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _env = new();
    private readonly List<string> _seen = [];
    private readonly TestZones _zones = new();
    private WebApplication _standIn = null!;
    private RunningServer _route53 = null!;
    private string _standInUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _standIn = builder.Build();
        // STS (query protocol): the role named "denied" is refused as STS refuses it.
        _standIn.MapPost("/", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            lock (_seen)
                _seen.Add($"sts {form["Action"]} {form["RoleArn"]} {form["RoleSessionName"]} by {Credential(context.Request.Headers.Authorization.ToString())}");
            if (form["RoleArn"].ToString().EndsWith("/denied", StringComparison.Ordinal))
                return Results.Text($"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: {form["RoleArn"]}</Message></Error><RequestId>r1</RequestId></ErrorResponse>""", "text/xml", statusCode: 403);
            return Results.Text($"""
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
                <Credentials><AccessKeyId>AKIDROLE</AccessKeyId><SecretAccessKey>secret-role</SecretAccessKey><SessionToken>token-role</SessionToken><Expiration>{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</Expiration></Credentials>
                <AssumedRoleUser><AssumedRoleId>AROA1:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/dns-admin/s</Arn></AssumedRoleUser>
                </AssumeRoleResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></AssumeRoleResponse>
                """, "text/xml");
        });
        // The SSO portal: only the token "sso-access-token" or the renewed one is good.
        _standIn.MapGet("/federation/credentials", (HttpContext context) =>
        {
            string token = context.Request.Headers["x-amz-sso_bearer_token"].ToString();
            lock (_seen)
                _seen.Add($"sso {context.Request.Query["account_id"]} {context.Request.Query["role_name"]} {token}");
            if (token is not ("sso-access-token" or "renewed-token"))
            {
                context.Response.Headers["x-amzn-ErrorType"] = "UnauthorizedException";
                return Results.Text("""{"message":"Session token not found or invalid"}""", "application/json", statusCode: 401);
            }
            long expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
            return Results.Text("""{"roleCredentials":{"accessKeyId":"AKIDSSO","secretAccessKey":"secret-sso","sessionToken":"token-sso","expiration":""" + expiration + "}}", "application/json");
        });
        // SSO OIDC CreateToken with the refresh token.
        _standIn.MapPost("/token", async (HttpContext context) =>
        {
            string body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            lock (_seen)
                _seen.Add("oidc " + body);
            return body.Contains("\"refresh-1\"", StringComparison.Ordinal)
                ? Results.Text("""{"accessToken":"renewed-token","expiresIn":3600,"refreshToken":"refresh-2","tokenType":"Bearer"}""", "application/json")
                : Results.Text("""{"error":"invalid_grant","error_description":"Invalid refresh token provided"}""", "application/json", statusCode: 400);
        });
        // ECS task credentials, for credential_source = EcsContainer.
        _standIn.MapGet("/ecs", (HttpContext context) =>
        {
            lock (_seen)
                _seen.Add("ecs " + context.Request.Headers.Authorization);
            return Results.Text($$"""{"AccessKeyId":"AKIDECS","SecretAccessKey":"secret-ecs","Token":"token-ecs","Expiration":"{{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""", "application/json");
        });
        await _standIn.StartAsync();
        _standInUrl = _standIn.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        _route53 = await RunningServer.StartAsync(_zones.Directory, "--Api:AccessKeys:AKIDROLE=secret-role", "--Api:AccessKeys:AKIDSSO=secret-sso");

        Directory.CreateDirectory(Path.Combine(_dir, "home", ".aws", "sso", "cache"));
        File.WriteAllText(Path.Combine(_dir, "credentials"), """
            [dev]
            aws_access_key_id = AKIDDEV
            aws_secret_access_key = secret-dev
            """);
        File.WriteAllText(Path.Combine(_dir, "config"), $"""
            [profile admin]
            role_arn = arn:aws:iam::123456789012:role/dns-admin
            source_profile = dev
            role_session_name = sync-test

            [profile denied]
            role_arn = arn:aws:iam::123456789012:role/denied
            source_profile = dev

            [profile from-env]
            role_arn = arn:aws:iam::123456789012:role/dns-admin
            credential_source = Environment
            services = local-sts

            [profile from-ecs]
            role_arn = arn:aws:iam::123456789012:role/dns-admin
            credential_source = EcsContainer
            services = local-sts

            [services local-sts]
            sts =
              endpoint_url = {_standInUrl}

            [profile sso-dev]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = DnsAdmin

            [profile sso-legacy]
            sso_start_url = https://legacy.awsapps.com/start
            sso_region = eu-west-1
            sso_account_id = 111122223333
            sso_role_name = DnsAdmin

            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            sso_registration_scopes = sso:account:access
            """);
        _env["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials");
        _env["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config");
        _env["HOME"] = Path.Combine(_dir, "home");
        _env["AWS_ENDPOINT_URL_SSO"] = _standInUrl;
        _env["AWS_ENDPOINT_URL_SSO_OIDC"] = _standInUrl;
    }

    public async Task DisposeAsync()
    {
        await _route53.DisposeAsync();
        await _standIn.DisposeAsync();
        _zones.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Credential(string authorization) =>
        authorization.Split("Credential=") is [_, var rest] ? rest.Split('/')[0] : "(unsigned)";

    /// <summary>The AWS CLI's cache file name: the SHA-1 of the session name (or legacy start URL), in hex.</summary>
#pragma warning disable CA5350
    private string CacheFile(string key) =>
        Path.Combine(_dir, "home", ".aws", "sso", "cache", Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(key))) + ".json");
#pragma warning restore CA5350

    /// <summary>Lists the zones of the DnsHost playing Route 53 with the profile's credentials.</summary>
    private async Task<int> ListWith(string profile)
    {
        using var client = new Route53RestClient(Route53Credentials.Resolve(profile, name => _env.GetValueOrDefault(name)),
            new Route53ClientOptions { Endpoint = _route53.ApiBase, MaxAttempts = 1 });
        return (await client.ListHostedZonesAsync()).Count;
    }

    [Fact]
    public async Task A_role_profile_signs_route53_requests_with_the_keys_sts_hands_out()
    {
        _env["AWS_ENDPOINT_URL_STS"] = _standInUrl;
        Assert.Equal(0, await ListWith("admin"));
        Assert.Contains("sts AssumeRole arn:aws:iam::123456789012:role/dns-admin sync-test by AKIDDEV", _seen);

        // credential_source = Environment, with STS's endpoint from the profile's [services] section.
        _env.Remove("AWS_ENDPOINT_URL_STS");
        _env["AWS_ACCESS_KEY_ID"] = "AKIDFROMENV";
        _env["AWS_SECRET_ACCESS_KEY"] = "secret-env";
        Assert.Equal(0, await ListWith("from-env"));
        Assert.Contains(_seen, s => s.StartsWith("sts AssumeRole", StringComparison.Ordinal) && s.EndsWith("by AKIDFROMENV", StringComparison.Ordinal));

        // credential_source = EcsContainer: the task's keys come from the container endpoint with its token.
        _env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = _standInUrl + "/ecs";
        _env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ecs-token";
        Assert.Equal(0, await ListWith("from-ecs"));
        Assert.Contains("ecs ecs-token", _seen);
        Assert.Contains(_seen, s => s.StartsWith("sts AssumeRole", StringComparison.Ordinal) && s.EndsWith("by AKIDECS", StringComparison.Ordinal));

        // The DnsHost knows no key of dev's: the listing above can only have been signed with the role's.
        var e = await Assert.ThrowsAsync<Route53ClientException>(() => ListWith("dev"));
        Assert.Equal("InvalidClientTokenId", e.Code);
    }

    [Fact]
    public async Task A_refused_role_is_one_clear_line_and_exit_1_from_the_cli()
    {
        _env["AWS_ENDPOINT_URL_STS"] = _standInUrl;
        var e = await Assert.ThrowsAsync<Route53CredentialsException>(() => ListWith("denied"));
        Assert.Contains("AccessDenied", e.Message);
        Assert.Contains("arn:aws:iam::123456789012:role/denied", e.Message);

        var (output, exit) = await Cli("plan", "--source", "route53:" + _route53.ApiBase, "--target", "route53:" + _route53.ApiBase, "--profile", "denied");
        Assert.Equal(1, exit);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dnshost sync: the profile 'denied'", line);
        Assert.Contains("refused to assume the role arn:aws:iam::123456789012:role/denied: AccessDenied", line);
    }

    [Fact]
    public async Task An_sso_profile_uses_the_cached_token_and_an_expired_one_is_renewed_or_named()
    {
        File.WriteAllText(CacheFile("corp"), $$"""{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"sso-access-token","expiresAt":"{{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        Assert.Equal(0, await ListWith("sso-dev"));
        Assert.Contains("sso 111122223333 DnsAdmin sso-access-token", _seen);

        // Expired, with a refresh token and a live client registration: renewed through SSO OIDC and written back.
        File.WriteAllText(CacheFile("corp"), """{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"old","expiresAt":"2020-01-01T00:00:00Z","refreshToken":"refresh-1","clientId":"client","clientSecret":"secret","registrationExpiresAt":"2099-01-01T00:00:00Z"}""");
        Assert.Equal(0, await ListWith("sso-dev"));
        Assert.Contains("sso 111122223333 DnsAdmin renewed-token", _seen);
        string rewritten = File.ReadAllText(CacheFile("corp"));
        Assert.Contains("\"renewed-token\"", rewritten);
        Assert.Contains("\"refresh-2\"", rewritten);

        // A legacy profile's expired token cannot be renewed: the error names it and says what to run.
        File.WriteAllText(CacheFile("https://legacy.awsapps.com/start"), """{"startUrl":"https://legacy.awsapps.com/start","region":"eu-west-1","accessToken":"x","expiresAt":"2020-01-01T00:00:00UTC"}""");
        var expired = await Assert.ThrowsAsync<Route53CredentialsException>(() => ListWith("sso-legacy"));
        Assert.Contains("expired at 2020-01-01T00:00:00Z", expired.Message);
        Assert.Contains("aws sso login --profile sso-legacy", expired.Message);

        // A token the portal does not know.
        File.WriteAllText(CacheFile("corp"), $$"""{"accessToken":"revoked","expiresAt":"{{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        var refused = await Assert.ThrowsAsync<Route53CredentialsException>(() => ListWith("sso-dev"));
        Assert.Contains("UnauthorizedException", refused.Message);

        // No login cached at all: the CLI says so on one line and exits 1.
        File.Delete(CacheFile("corp"));
        var (output, exit) = await Cli("plan", "--source", "route53:" + _route53.ApiBase, "--target", "route53:" + _route53.ApiBase, "--profile", "sso-dev");
        Assert.Equal(1, exit);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no SSO login is cached", line);
        Assert.Contains("aws sso login --profile sso-dev", line);
    }

    private async Task<(string Output, int Exit)> Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dnshost.dll"));
        psi.ArgumentList.Add("sync");
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        foreach (string name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL" })
            psi.Environment.Remove(name);
        foreach (var (name, value) in _env)
            psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(cts.Token);
        return (await stdout + await stderr, process.ExitCode);
    }
}
