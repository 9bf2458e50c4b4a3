using System.Net;
using System.Text.Json;
using Amazon.Runtime;

namespace DnsHost.Route53.Client;

/// <summary>
/// The credentials an ECS task (<c>credential_source = EcsContainer</c>) or an EC2 instance
/// (<c>Ec2InstanceMetadata</c>) is given over HTTP, as the AWS SDKs fetch them:
/// <list type="bullet">
/// <item>ECS: GET <c>http://169.254.170.2</c> + <c>AWS_CONTAINER_CREDENTIALS_RELATIVE_URI</c>, or
/// <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> (https, or http to a loopback or the ECS/EKS agent address),
/// with the <c>Authorization</c> of <c>AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE</c> or <c>_TOKEN</c>;</item>
/// <item>EC2: IMDSv2 at <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> (or the profile's
/// <c>ec2_metadata_service_endpoint</c>, default <c>http://169.254.169.254</c>): a session token by PUT
/// /latest/api/token, then the instance role's name and its credentials under
/// /latest/meta-data/iam/security-credentials/.</item>
/// </list>
/// Both answer JSON with AccessKeyId, SecretAccessKey, Token and Expiration.
/// </summary>
public sealed class ContainerCredentials : RefreshingAWSCredentials
{
    private readonly Uri _uri;
    private readonly string? _authorization;
    private readonly bool _instanceMetadata;
    private readonly string _profile;

    private ContainerCredentials(Uri uri, string? authorization, bool instanceMetadata, string profile)
    {
        _uri = uri;
        _authorization = authorization;
        _instanceMetadata = instanceMetadata;
        _profile = profile;
    }

    /// <summary>Where the credentials are fetched from (the ECS URI, or the metadata service's address).</summary>
    public Uri Uri => _uri;

    public static ContainerCredentials ForEcs(string profile, Func<string, string?> environment)
    {
        Uri uri;
        if (environment("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is { } relative)
            uri = new Uri("http://169.254.170.2" + (relative.StartsWith('/') ? relative : "/" + relative));
        else if (environment("AWS_CONTAINER_CREDENTIALS_FULL_URI") is { } full)
        {
            if (!Uri.TryCreate(full, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                throw new Route53CredentialsException($"the profile '{profile}' (credential_source = EcsContainer): AWS_CONTAINER_CREDENTIALS_FULL_URI '{full}' is not an http(s) URL");
            // The SDKs send the token over plain http only to the container agent or this host.
            if (parsed.Scheme == "http" && !(parsed.IsLoopback || parsed.Host is "169.254.170.2" or "169.254.170.23" or "[fd00:ec2::23]"))
                throw new Route53CredentialsException($"the profile '{profile}' (credential_source = EcsContainer): AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or the ECS/EKS agent, not {parsed.Host}");
            uri = parsed;
        }
        else
            throw new Route53CredentialsException($"the profile '{profile}' has credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set (is this an ECS task?)");
        string? authorization = environment("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") is { } file
            ? File.ReadAllText(file).Trim()
            : environment("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        return new ContainerCredentials(uri, authorization, instanceMetadata: false, profile);
    }

    public static ContainerCredentials ForInstance(string profile, IReadOnlyDictionary<string, string> settings, Func<string, string?> environment)
    {
        string endpoint = environment("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? settings.GetValueOrDefault("ec2_metadata_service_endpoint")
            ?? (string.Equals(environment("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") ?? settings.GetValueOrDefault("ec2_metadata_service_endpoint_mode"), "IPv6", StringComparison.OrdinalIgnoreCase)
                ? "http://[fd00:ec2::254]" : "http://169.254.169.254");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            throw new Route53CredentialsException($"the profile '{profile}' (credential_source = Ec2InstanceMetadata): the metadata endpoint '{endpoint}' is not a URL");
        return new ContainerCredentials(uri, null, instanceMetadata: true, profile);
    }

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        string source = _instanceMetadata ? "Ec2InstanceMetadata" : "EcsContainer";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            string json;
            if (_instanceMetadata)
            {
                var root = new Uri(_uri, "/latest/");
                using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, new Uri(root, "api/token"));
                tokenRequest.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "21600");
                using var tokenAnswer = await http.SendAsync(tokenRequest);
                string token = await Success(tokenAnswer, "the IMDSv2 session token");
                string roles = await Get(http, new Uri(root, "meta-data/iam/security-credentials/"), token, "the instance's role");
                string role = roles.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                    ?? throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = Ec2InstanceMetadata): the instance has no IAM role");
                json = await Get(http, new Uri(root, "meta-data/iam/security-credentials/" + Uri.EscapeDataString(role)), token, "the role's credentials");
            }
            else
                json = await Get(http, _uri, null, "the task's credentials");
            using var document = JsonDocument.Parse(json);
            var answer = document.RootElement;
            string? Field(string name) => answer.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (Field("Code") is { } code && code != "Success")
                throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = {source}): {_uri} answered {code}: {Field("Message")}");
            string accessKey = Field("AccessKeyId") ?? throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = {source}): {_uri} answered without AccessKeyId");
            string secretKey = Field("SecretAccessKey") ?? throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = {source}): {_uri} answered without SecretAccessKey");
            var expiration = Field("Expiration") is { } text && DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : DateTime.UtcNow.AddHours(1);
            return new CredentialsRefreshState(new ImmutableCredentials(accessKey, secretKey, Field("Token")), expiration);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = {source}): no credentials from {_uri}: {e.Message}", e);
        }

        async Task<string> Get(HttpClient client, Uri uri, string? token, string what)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (token is not null)
                request.Headers.Add("X-aws-ec2-metadata-token", token);
            if (_authorization is not null)
                request.Headers.TryAddWithoutValidation("Authorization", _authorization);
            using var response = await client.SendAsync(request);
            return await Success(response, what);
        }

        async Task<string> Success(HttpResponseMessage response, string what)
        {
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                throw new Route53CredentialsException($"the profile '{_profile}' (credential_source = {source}): {response.RequestMessage?.RequestUri} refused {what}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
            return body;
        }
    }
}
