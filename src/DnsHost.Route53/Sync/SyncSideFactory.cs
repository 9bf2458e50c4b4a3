using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>Makes a sync side from its command-line form: <c>route53</c>, <c>route53:URL</c> or <c>dir:PATH</c>.</summary>
public static class SyncSideFactory
{
    /// <summary>Whether <paramref name="spec"/> is a side <see cref="Create"/> accepts (checked at start for <c>Sync:Jobs</c>).</summary>
    public static bool IsSide(string spec) =>
        (spec.StartsWith("dir:", StringComparison.Ordinal) && spec.Length > 4) || spec == "route53" || RouteUrl(spec) is not null;

    private static Uri? RouteUrl(string spec) =>
        spec.StartsWith("route53:", StringComparison.Ordinal) && Uri.TryCreate(spec["route53:".Length..], UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url : null;

    /// <param name="credentials">Explicit credentials; null resolves the AWS credential chain (environment, profiles).</param>
    /// <param name="onRetry">Told of each retry of a Route 53 request: the reason and the wait.</param>
    public static ISyncSide Create(string spec, string? profile, int maxAttempts = 10, Amazon.Runtime.AWSCredentials? credentials = null, Action<string>? onRetry = null, TimeProvider? time = null)
    {
        if (spec.StartsWith("dir:", StringComparison.Ordinal) && spec.Length > 4)
            return new DirectorySide(Path.GetFullPath(spec[4..]));
        Uri endpoint;
        if (spec == "route53")
            endpoint = new Uri("https://route53.amazonaws.com");
        else if (RouteUrl(spec) is { } url)
            endpoint = url;
        else
            throw new ArgumentException($"'{spec}' is not a sync side: use route53, route53:URL (e.g. route53:http://127.0.0.1:8053) or dir:PATH");
        var options = new Route53ClientOptions { Endpoint = endpoint, MaxAttempts = maxAttempts, OnRetry = onRetry, Time = time ?? TimeProvider.System };
        return new Route53Side(new Route53RestClient(credentials ?? Route53Credentials.Resolve(profile), options), spec, options.Time);
    }
}
