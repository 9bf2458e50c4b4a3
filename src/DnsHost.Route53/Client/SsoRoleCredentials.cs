using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.SSO;
using Amazon.SSO.Model;
using Amazon.SSOOIDC;
using Amazon.SSOOIDC.Model;

namespace DnsHost.Route53.Client;

/// <summary>What an SSO profile says, with its <c>[sso-session]</c> when it has one.</summary>
/// <param name="Session">The sso_session's name; null for a legacy profile (sso_start_url in the profile).</param>
/// <param name="CacheDirectory">~/.aws/sso/cache.</param>
/// <param name="PortalEndpoint">A configured SSO portal endpoint, or null for portal.sso.REGION.amazonaws.com.</param>
/// <param name="OidcEndpoint">A configured SSO OIDC endpoint (token refresh), or null for oidc.REGION.amazonaws.com.</param>
public sealed record SsoSettings(string Profile, string? Session, string StartUrl, string Region, string AccountId, string RoleName,
    string CacheDirectory, string? PortalEndpoint, string? OidcEndpoint);

/// <summary>
/// An IAM Identity Center (SSO) profile's role credentials, as the AWS CLI v2 gets them: the access token
/// <c>aws sso login</c> left in ~/.aws/sso/cache (the file named by the SHA-1 of the sso-session's name, or
/// of the start URL for a legacy profile) is handed to the portal's GetRoleCredentials (AWSSDK.SSO). An
/// expired token of an sso-session is renewed with its refresh token through SSO OIDC CreateToken
/// (AWSSDK.SSOOIDC) and written back, as the CLI does; without one, or when the renewal is refused, the
/// error says to run <c>aws sso login</c>. Nothing here opens a browser.
/// </summary>
public sealed class SsoRoleCredentials(SsoSettings settings, TimeProvider? time = null) : RefreshingAWSCredentials
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public SsoSettings Settings => settings;

    /// <summary>The token cache file: ~/.aws/sso/cache/SHA1(session name or start URL).json, in lower-case hex.</summary>
    /// <remarks>SHA-1 names the file, as the AWS CLI names it; it protects nothing.</remarks>
#pragma warning disable CA5350
    public string CacheFile => Path.Combine(settings.CacheDirectory,
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(settings.Session ?? settings.StartUrl))) + ".json");
#pragma warning restore CA5350

    private string Login => $"run `aws sso login --profile {settings.Profile}`";
    private string Who => settings.Session is null ? $"the profile '{settings.Profile}'" : $"the profile '{settings.Profile}' (sso-session '{settings.Session}')";

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        string token = await AccessTokenAsync();
        var config = new AmazonSSOConfig { MaxErrorRetry = 2 };
        Configure(config, settings.PortalEndpoint);
        using var portal = new AmazonSSOClient(new AnonymousAWSCredentials(), config);
        try
        {
            var answer = await portal.GetRoleCredentialsAsync(new GetRoleCredentialsRequest { AccessToken = token, AccountId = settings.AccountId, RoleName = settings.RoleName });
            var c = answer.RoleCredentials ?? throw new Route53CredentialsException($"{Who}: the SSO portal answered without role credentials");
            var expiration = c.Expiration is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime : DateTime.UtcNow.AddHours(1);
            return new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), expiration);
        }
        catch (Amazon.SSO.Model.UnauthorizedException e)
        {
            throw new Route53CredentialsException($"{Who}: the SSO portal refused the cached access token ({e.ErrorCode}: {e.Message}); {Login}", e);
        }
        catch (AmazonServiceException e) when (e.StatusCode != 0 && !string.IsNullOrEmpty(e.ErrorCode))
        {
            throw new Route53CredentialsException($"{Who}: the SSO portal refused the role {settings.RoleName} in account {settings.AccountId}: {e.ErrorCode}: {e.Message}", e);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException or TaskCanceledException)
        {
            throw new Route53CredentialsException($"{Who}: the SSO portal ({settings.PortalEndpoint ?? $"portal.sso.{settings.Region}.amazonaws.com"}) did not answer: {e.Message}", e);
        }
    }

    private async Task<string> AccessTokenAsync()
    {
        string file = CacheFile;
        JsonObject cached;
        try
        {
            cached = JsonNode.Parse(await File.ReadAllTextAsync(file))?.AsObject() ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new Route53CredentialsException($"{Who}: no SSO login is cached ({file} does not exist); {Login}", e);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or IOException)
        {
            throw new Route53CredentialsException($"{Who}: the SSO token cache {file} cannot be read ({e.Message}); {Login}", e);
        }
        string? Text(string name) => cached[name] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null;
        var now = _time.GetUtcNow();
        var expiresAt = Time(Text("expiresAt"));
        if (Text("accessToken") is { } access && expiresAt is { } until && until > now)
            return access;
        string expired = expiresAt is { } at ? $"expired at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}" : "has no expiry or access token";
        // A session's token can be renewed while its client registration lasts; a legacy profile's cannot.
        if (settings.Session is null || Text("refreshToken") is not { } refresh || Text("clientId") is not { } clientId || Text("clientSecret") is not { } clientSecret
            || (Time(Text("registrationExpiresAt")) is { } registered && registered <= now))
            throw new Route53CredentialsException($"{Who}: the cached SSO token {expired}; {Login}");
        var config = new AmazonSSOOIDCConfig { MaxErrorRetry = 2 };
        Configure(config, settings.OidcEndpoint);
        using var oidc = new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), config);
        CreateTokenResponse renewed;
        try
        {
            renewed = await oidc.CreateTokenAsync(new CreateTokenRequest { ClientId = clientId, ClientSecret = clientSecret, GrantType = "refresh_token", RefreshToken = refresh });
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException or TaskCanceledException)
        {
            string why = e is AmazonServiceException s && !string.IsNullOrEmpty(s.ErrorCode) ? $"{s.ErrorCode}: {s.Message}" : e.Message;
            throw new Route53CredentialsException($"{Who}: the cached SSO token {expired} and renewing it failed ({why}); {Login}", e);
        }
        cached["accessToken"] = renewed.AccessToken;
        cached["expiresAt"] = now.AddSeconds(renewed.ExpiresIn ?? 3600).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(renewed.RefreshToken))
            cached["refreshToken"] = renewed.RefreshToken;
        // Written back as the CLI does, so the next run (and the CLI) use the renewed token; atomically.
        string temporary = file + ".tmp";
        await File.WriteAllTextAsync(temporary, cached.ToJsonString());
        File.Move(temporary, file, overwrite: true);
        return renewed.AccessToken;
    }

    /// <summary>The cache's times: "2026-12-04T13:00:00Z", or botocore's older "2026-12-04T13:00:00UTC".</summary>
    private static DateTimeOffset? Time(string? text)
    {
        if (text is null)
            return null;
        if (text.EndsWith("UTC", StringComparison.Ordinal))
            text = text[..^3] + "Z";
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
    }

    private void Configure(ClientConfig config, string? endpoint)
    {
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = settings.Region;
        }
        else
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
    }
}
