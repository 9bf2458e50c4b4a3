namespace DnsHost.Route53.Client;

/// <summary>
/// The endpoint configured for an AWS service by the AWS SDKs' "service-specific endpoints" settings, in
/// their order: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>, then the service's
/// <c>endpoint_url</c> in the <c>[services NAME]</c> section the profile's <c>services</c> names, then the
/// profile's own <c>endpoint_url</c>; none at all with <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> or
/// <c>ignore_configured_endpoint_urls</c> set to true. Null: the service's public endpoint.
/// </summary>
public static class ConfiguredEndpoints
{
    /// <param name="environmentKey">The service's id in the variable's name: STS, SSO, SSO_OIDC.</param>
    /// <param name="configKey">Its key in a services section: sts, sso, sso_oidc.</param>
    /// <param name="profile">The profile's settings, or null.</param>
    /// <param name="environment">Looks up a variable; null for one unset or empty.</param>
    public static string? Find(string environmentKey, string configKey, IReadOnlyDictionary<string, string>? profile, SharedConfigFiles files, Func<string, string?> environment)
    {
        string? ignore = environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ?? profile?.GetValueOrDefault("ignore_configured_endpoint_urls");
        if (string.Equals(ignore, "true", StringComparison.OrdinalIgnoreCase))
            return null;
        if (environment("AWS_ENDPOINT_URL_" + environmentKey) is { } service)
            return service;
        if (environment("AWS_ENDPOINT_URL") is { } global)
            return global;
        if (profile?.GetValueOrDefault("services") is { } services
            && files.Section("services", services)?.GetValueOrDefault(configKey + ".endpoint_url") is { Length: > 0 } configured)
            return configured;
        return profile?.GetValueOrDefault("endpoint_url") is { Length: > 0 } url ? url : null;
    }
}
