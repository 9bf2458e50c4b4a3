using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace DnsHost.Route53.Client;

/// <summary>No credentials could be found or made; the message says where it looked.</summary>
public sealed class Route53CredentialsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Finds the AWS credentials the Route 53 client signs with, in the AWS CLI's order:
/// <list type="number">
/// <item>the profile given (<c>--profile</c>);</item>
/// <item>AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN when set;</item>
/// <item>the profile AWS_PROFILE names;</item>
/// <item>the <c>default</c> profile.</item>
/// </list>
/// Profiles come from ~/.aws/credentials and ~/.aws/config, or the files AWS_SHARED_CREDENTIALS_FILE and
/// AWS_CONFIG_FILE name. AWSSDK.Core's <see cref="AWSCredentialsFactory"/> turns a profile into credentials,
/// so what it supports works: keys, session tokens, role_arn with source_profile or credential_source,
/// credential_process, SSO. Assuming a role needs AWSSDK.SecurityToken at run time, which this build does
/// not carry: such a profile resolves, and the first request fails with <see cref="Route53CredentialsException"/>.
/// </summary>
/// <remarks>
/// The files are read here rather than through SharedCredentialsFile, because that reads AWS_CONFIG_FILE
/// once per process (in a static constructor, and only if the file existed then).
/// </remarks>
public static class Route53Credentials
{
    /// <param name="profile">The profile asked for by name, or null to follow the chain.</param>
    /// <param name="environment">Looks up an environment variable; the process's environment when null.</param>
    public static AWSCredentials Resolve(string? profile = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var files = Files(Env);
        if (profile is not null)
            return FromProfile(files, profile, "--profile") ?? throw NotFound(files, profile, "--profile");
        string? accessKey = Env("AWS_ACCESS_KEY_ID"), secretKey = Env("AWS_SECRET_ACCESS_KEY");
        if (accessKey is not null || secretKey is not null)
        {
            if (accessKey is null || secretKey is null)
                throw new Route53CredentialsException($"{(accessKey is null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")} is not set, but {(accessKey is null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")} is: set both, or neither");
            return Env("AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(accessKey, secretKey, token) : new BasicAWSCredentials(accessKey, secretKey);
        }
        if (Env("AWS_PROFILE") is { } named)
            return FromProfile(files, named, "AWS_PROFILE") ?? throw NotFound(files, named, "AWS_PROFILE");
        return FromProfile(files, SharedCredentialsFile.DefaultProfileName, "the default profile")
            ?? throw new Route53CredentialsException("no AWS credentials: give --profile, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, " +
                $"or add a [default] profile to {files.CredentialsPath} or {files.ConfigPath}");
    }

    private static SharedConfigFiles Files(Func<string, string?> env)
    {
        string home = env("HOME") ?? env("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new SharedConfigFiles(
            env("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials"),
            env("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config"));
    }

    private static Route53CredentialsException NotFound(SharedConfigFiles files, string profile, string from) =>
        new($"the profile '{profile}' ({from}) is in neither {files.CredentialsPath} nor {files.ConfigPath}");

    private static AWSCredentials? FromProfile(SharedConfigFiles files, string name, string from)
    {
        var source = new ProfileSource(files);
        if (!source.TryGetProfile(name, out var profile))
            return null;
        try
        {
            return AWSCredentialsFactory.GetAWSCredentials(profile, source);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or AmazonClientException)
        {
            throw new Route53CredentialsException($"the profile '{name}' ({from}, in {files.CredentialsPath} or {files.ConfigPath}) gives no credentials: {e.Message}", e);
        }
    }

    /// <summary>Profiles for AWSCredentialsFactory, which asks again for source_profile.</summary>
    private sealed class ProfileSource(SharedConfigFiles files) : ICredentialProfileSource
    {
        public bool TryGetProfile(string profileName, out CredentialProfile profile)
        {
            profile = null!;
            if (files.Profile(profileName) is not { } settings)
                return false;
            string? Get(string key) => settings.TryGetValue(key, out var value) ? value : null;
            profile = new CredentialProfile(profileName, new CredentialProfileOptions
            {
                AccessKey = Get("aws_access_key_id"),
                SecretKey = Get("aws_secret_access_key"),
                Token = Get("aws_session_token"),
                RoleArn = Get("role_arn"),
                SourceProfile = Get("source_profile"),
                CredentialSource = Get("credential_source"),
                RoleSessionName = Get("role_session_name"),
                ExternalID = Get("external_id"),
                MfaSerial = Get("mfa_serial"),
                CredentialProcess = Get("credential_process"),
                WebIdentityTokenFile = Get("web_identity_token_file"),
                SsoAccountId = Get("sso_account_id"),
                SsoRegion = Get("sso_region"),
                SsoRoleName = Get("sso_role_name"),
                SsoStartUrl = Get("sso_start_url"),
                SsoSession = Get("sso_session"),
            });
            return true;
        }
    }
}
