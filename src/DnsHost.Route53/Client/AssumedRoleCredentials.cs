using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace DnsHost.Route53.Client;

/// <summary>What a role profile says: the role, and where STS is asked.</summary>
/// <param name="Profile">The profile's name, for messages.</param>
/// <param name="Endpoint">An STS endpoint configured for the profile (<see cref="ConfiguredEndpoints"/>), or null for STS's own in <paramref name="Region"/>.</param>
public sealed record AssumeRoleSettings(string Profile, string RoleArn, string SessionName, string? ExternalId, int? DurationSeconds, string Region, string? Endpoint);

/// <summary>
/// A role's temporary credentials from STS AssumeRole (AWSSDK.SecurityToken), asked for with the source
/// credentials (a <c>source_profile</c> or a <c>credential_source</c>), and asked again before they expire.
/// STS refusing (AccessDenied) or being out of reach is a <see cref="Route53CredentialsException"/>, which
/// the Route 53 client does not retry.
/// </summary>
public sealed class AssumedRoleCredentials(AWSCredentials source, AssumeRoleSettings settings) : RefreshingAWSCredentials
{
    public AssumeRoleSettings Settings => settings;
    public AWSCredentials SourceCredentials => source;

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 2 };
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = settings.Region;
        }
        else
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        string where = settings.Endpoint ?? $"STS in {settings.Region}";
        using var sts = new AmazonSecurityTokenServiceClient(source, config);
        try
        {
            var answer = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = settings.RoleArn,
                RoleSessionName = settings.SessionName,
                ExternalId = settings.ExternalId,
                DurationSeconds = settings.DurationSeconds,
            });
            var c = answer.Credentials ?? throw new Route53CredentialsException($"{where} answered AssumeRole for the profile '{settings.Profile}' without credentials");
            return new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken),
                (c.Expiration ?? DateTime.UtcNow.AddHours(1)).ToUniversalTime());
        }
        catch (AmazonServiceException e) when (e.StatusCode != 0 && !string.IsNullOrEmpty(e.ErrorCode))
        {
            throw new Route53CredentialsException($"the profile '{settings.Profile}': {where} refused to assume the role {settings.RoleArn}: {e.ErrorCode}: {e.Message}", e);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException or TaskCanceledException)
        {
            throw new Route53CredentialsException($"the profile '{settings.Profile}': cannot assume the role {settings.RoleArn}: {where} did not answer: {e.Message}", e);
        }
    }
}
