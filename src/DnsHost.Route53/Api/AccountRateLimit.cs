namespace DnsHost.Route53.Api;

/// <summary>
/// Route 53's account rate limit (Api:RequestsPerSecond): a bucket of that many requests, filled again
/// one second after it was last filled. Time comes from a <see cref="TimeProvider"/>, so a test moves a
/// fake clock to the next second instead of racing the wall clock.
/// </summary>
public sealed class AccountRateLimit(int requestsPerSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private long _windowStart = long.MinValue;
    private int _left;

    /// <summary>Takes one request from the bucket; false when this second's requests are used up.</summary>
    public bool TryTake()
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _left = requestsPerSecond;
            }
            if (_left == 0)
                return false;
            _left--;
            return true;
        }
    }
}
