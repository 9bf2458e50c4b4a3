namespace DnsHost.Route53.Client;

/// <summary>Where a <see cref="Route53RestClient"/> sends requests and how hard it tries.</summary>
public sealed class Route53ClientOptions
{
    /// <summary>Route 53's global endpoint, or any other (a DnsHost: http://127.0.0.1:8053, with a path prefix if it has one).</summary>
    public Uri Endpoint { get; set; } = new("https://route53.amazonaws.com");

    /// <summary>The Region in the signature's credential scope: Route 53 is global and signs in us-east-1.</summary>
    public string SigningRegion { get; set; } = "us-east-1";

    /// <summary>Attempts per operation, the first included, before a retryable error is thrown.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Backoff before retry n is a random delay up to min(MaxDelay, BaseDelay × 2^(n-1)) ("full jitter").</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Per attempt, the response body included; an attempt that takes longer is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>maxitems on list requests; null leaves Route 53's default (and maximum) page size.</summary>
    public int? PageSize { get; set; }

    /// <summary>Told of each retry (the failure, and how long until the next attempt), so a wait on an unreachable endpoint is not silent.</summary>
    public Action<string>? OnRetry { get; set; }

    /// <summary>The clock of the retry backoff and of the signatures (a fake one in tests).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
