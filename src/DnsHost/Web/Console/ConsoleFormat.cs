using System.Globalization;

namespace DnsHost.Web.WebConsole;

/// <summary>How the monitoring pages write times and durations: UTC, to the second, like the charts' axes.</summary>
public static class ConsoleFormat
{
    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    public static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "not seen";
}
