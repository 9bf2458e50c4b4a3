namespace DnsHost.Route53.Api;

/// <summary>
/// For tests of Route 53 clients only (section <c>Api:FaultInjection</c>): the fraction of API requests
/// answered with Throttling (400), with InternalFailure (500), or with the connection dropped, before the
/// operation runs, so nothing changes. All 0 by default, which is off.
/// </summary>
public sealed class Route53FaultInjection
{
    public double ThrottleRate { get; set; }
    public double ServerErrorRate { get; set; }
    public double DropRate { get; set; }

    public bool Enabled => ThrottleRate > 0 || ServerErrorRate > 0 || DropRate > 0;

    /// <summary>Null when the rates are valid, else what is wrong, in the options' names.</summary>
    public string? Problem =>
        ThrottleRate is < 0 or > 1 ? $"Api:FaultInjection:ThrottleRate must be between 0 and 1, not {ThrottleRate}"
        : ServerErrorRate is < 0 or > 1 ? $"Api:FaultInjection:ServerErrorRate must be between 0 and 1, not {ServerErrorRate}"
        : DropRate is < 0 or > 1 ? $"Api:FaultInjection:DropRate must be between 0 and 1, not {DropRate}"
        : ThrottleRate + ServerErrorRate + DropRate > 1 ? "Api:FaultInjection: ThrottleRate, ServerErrorRate and DropRate must add up to at most 1"
        : null;

    public enum Fault { None, Throttle, ServerError, Drop }

    /// <summary>One draw: which fault, if any, this request gets.</summary>
    public Fault Next()
    {
        double x = Random.Shared.NextDouble();
        return x < ThrottleRate ? Fault.Throttle
            : x < ThrottleRate + ServerErrorRate ? Fault.ServerError
            : x < ThrottleRate + ServerErrorRate + DropRate ? Fault.Drop
            : Fault.None;
    }
}
