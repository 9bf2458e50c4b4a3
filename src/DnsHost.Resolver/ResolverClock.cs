namespace DnsHost.Resolver;

/// <summary>
/// The resolver's notion of now: milliseconds on a monotonic clock, read from a <see cref="TimeProvider"/> so
/// that tests move a fake clock through TTLs instead of waiting. Cache entries, delegations and trust
/// chains all store expiry times on this clock.
/// </summary>
public sealed class ResolverClock(TimeProvider time)
{
    public static readonly ResolverClock System = new(TimeProvider.System);

    private readonly bool _system = ReferenceEquals(time, TimeProvider.System);
    private readonly long _ticksPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);

    public TimeProvider Time => time;

    /// <summary>Milliseconds since an arbitrary start. The system clock reads the cheap coarse tick count.</summary>
    public long Now => _system ? Environment.TickCount64 : time.GetTimestamp() / _ticksPerMillisecond;
}
