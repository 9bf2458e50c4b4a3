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
/// AWS_CONFIG_FILE name. Keys and session tokens are used as they are; a profile that assumes a role
/// (<c>role_arn</c> with <c>source_profile</c>, or with <c>credential_source</c> Environment, EcsContainer or
/// Ec2InstanceMetadata) becomes <see cref="AssumedRoleCredentials"/>, an IAM Identity Center profile
/// (<c>sso_session</c> or <c>sso_start_url</c>, <c>sso_account_id</c>, <c>sso_role_name</c>)
/// <see cref="SsoRoleCredentials"/>; STS and the SSO portal are asked at the first request, at the endpoints
/// the profile configures (<see cref="ConfiguredEndpoints"/>). Anything else a profile can say
/// (credential_process, web_identity_token_file) goes to AWSSDK.Core's <see cref="AWSCredentialsFactory"/>.
/// </summary>
/// <remarks>
/// The files are read here rather than through SharedCredentialsFile, because that reads AWS_CONFIG_FILE
/// once per process (in a static constructor, and only if the file existed then).
/// </remarks>
public static class Route53Credentials
{
    /// <param name="profile">The profile asked for by name, or null to follow the chain.</param>
    /// <param name="environment">Looks up an environment variable; the process's environment when null.</param>
    /// <param name="time">The clock an SSO token's expiry is read against.</param>
    public static AWSCredentials Resolve(string? profile = null, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var files = new Context(Files(Env), Env, time ?? TimeProvider.System);
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
                $"or add a [default] profile to {files.Files.CredentialsPath} or {files.Files.ConfigPath}");
    }

    /// <summary>The shared files, the environment and the clock one resolution reads.</summary>
    private sealed record Context(SharedConfigFiles Files, Func<string, string?> Env, TimeProvider Time)
    {
        public string Home => Env("HOME") ?? Env("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    }

    private static SharedConfigFiles Files(Func<string, string?> env)
    {
        string home = env("HOME") ?? env("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new SharedConfigFiles(
            env("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials"),
            env("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config"));
    }

    private static Route53CredentialsException NotFound(Context context, string profile, string from) =>
        new($"the profile '{profile}' ({from}) is in neither {context.Files.CredentialsPath} nor {context.Files.ConfigPath}");

    private static AWSCredentials? FromProfile(Context context, string name, string from, int depth = 0)
    {
        var files = context.Files;
        if (files.Profile(name) is not { } settings)
            return null;
        if (settings.ContainsKey("role_arn") && !settings.ContainsKey("web_identity_token_file"))
            return AssumeRole(context, name, settings, depth);
        if (settings.ContainsKey("sso_session") || settings.ContainsKey("sso_start_url"))
            return Sso(context, name, settings);
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

    /// <summary>A role profile: its source credentials (a source_profile, followed to its end, or a credential_source), and STS's settings.</summary>
    private static AssumedRoleCredentials AssumeRole(Context context, string name, IReadOnlyDictionary<string, string> settings, int depth)
    {
        string Problem(string text) => $"the profile '{name}' (in {context.Files.ConfigPath}): {text}";
        string roleArn = settings["role_arn"];
        if (settings.ContainsKey("mfa_serial"))
            throw new Route53CredentialsException(Problem("it asks for an MFA code (mfa_serial), which the sync job cannot prompt for; use a profile without mfa_serial, or run it with the CLI's cached session in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN"));
        AWSCredentials source;
        string? sourceProfile = settings.GetValueOrDefault("source_profile"), credentialSource = settings.GetValueOrDefault("credential_source");
        if (sourceProfile is not null && credentialSource is not null)
            throw new Route53CredentialsException(Problem("it has both source_profile and credential_source; give one"));
        if (sourceProfile is not null)
        {
            if (depth >= 8)
                throw new Route53CredentialsException(Problem("its source_profile chain is longer than 8 profiles (a loop?)"));
            // A profile that names itself as its source uses its own keys (the AWS CLI's rule).
            if (sourceProfile == name)
                source = StaticKeys(settings) ?? throw new Route53CredentialsException(Problem("it is its own source_profile but has no aws_access_key_id and aws_secret_access_key"));
            else
                source = FromProfile(context, sourceProfile, $"source_profile of '{name}'", depth + 1)
                    ?? throw new Route53CredentialsException(Problem($"its source_profile '{sourceProfile}' is in neither {context.Files.CredentialsPath} nor {context.Files.ConfigPath}"));
        }
        else
        {
            source = credentialSource switch
            {
                "Environment" => EnvironmentKeys(context.Env)
                    ?? throw new Route53CredentialsException(Problem("credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")),
                "EcsContainer" => ContainerCredentials.ForEcs(name, context.Env),
                "Ec2InstanceMetadata" => ContainerCredentials.ForInstance(name, settings, context.Env),
                null => throw new Route53CredentialsException(Problem("role_arn needs source_profile or credential_source")),
                _ => throw new Route53CredentialsException(Problem($"credential_source '{credentialSource}' is not Environment, EcsContainer or Ec2InstanceMetadata")),
            };
        }
        int? duration = null;
        if (settings.GetValueOrDefault("duration_seconds") is { } text)
            duration = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds is >= 900 and <= 43200
                ? seconds : throw new Route53CredentialsException(Problem($"duration_seconds '{text}' is not 900 to 43200"));
        string region = context.Env("AWS_REGION") ?? context.Env("AWS_DEFAULT_REGION") ?? settings.GetValueOrDefault("region") ?? "us-east-1";
        string session = settings.GetValueOrDefault("role_session_name")
            ?? "dnshost-sync-" + context.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new AssumedRoleCredentials(source, new AssumeRoleSettings(name, roleArn, session, settings.GetValueOrDefault("external_id"), duration, region,
            ConfiguredEndpoints.Find("STS", "sts", settings, context.Files, context.Env)));
    }

    /// <summary>An SSO profile: with sso_session, the start URL and Region come from its [sso-session] section; otherwise from the profile (legacy).</summary>
    private static SsoRoleCredentials Sso(Context context, string name, IReadOnlyDictionary<string, string> settings)
    {
        string Problem(string text) => $"the profile '{name}' (in {context.Files.ConfigPath}): {text}";
        string? sessionName = settings.GetValueOrDefault("sso_session");
        IReadOnlyDictionary<string, string> session = settings;
        if (sessionName is not null)
            session = context.Files.Section("sso-session", sessionName) ?? throw new Route53CredentialsException(Problem($"its sso_session '{sessionName}' has no [sso-session {sessionName}] section"));
        string Required(IReadOnlyDictionary<string, string> from, string key, string where) =>
            from.GetValueOrDefault(key) is { Length: > 0 } value ? value : throw new Route53CredentialsException(Problem($"{key} is missing{where}"));
        string where = sessionName is null ? "" : $" from [sso-session {sessionName}]";
        var sso = new SsoSettings(name, sessionName,
            Required(session, "sso_start_url", where), Required(session, "sso_region", where),
            Required(settings, "sso_account_id", ""), Required(settings, "sso_role_name", ""),
            Path.Combine(context.Home, ".aws", "sso", "cache"),
            ConfiguredEndpoints.Find("SSO", "sso", settings, context.Files, context.Env),
            ConfiguredEndpoints.Find("SSO_OIDC", "sso_oidc", settings, context.Files, context.Env));
        return new SsoRoleCredentials(sso, context.Time);
    }

    private static AWSCredentials? StaticKeys(IReadOnlyDictionary<string, string> settings) =>
        settings.GetValueOrDefault("aws_access_key_id") is { } key && settings.GetValueOrDefault("aws_secret_access_key") is { } secret
            ? settings.GetValueOrDefault("aws_session_token") is { } token ? new SessionAWSCredentials(key, secret, token) : new BasicAWSCredentials(key, secret)
            : null;

    private static AWSCredentials? EnvironmentKeys(Func<string, string?> env) =>
        env("AWS_ACCESS_KEY_ID") is { } key && env("AWS_SECRET_ACCESS_KEY") is { } secret
            ? env("AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(key, secret, token) : new BasicAWSCredentials(key, secret)
            : null;

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
