using DnsHost.Drill;
using DnsHost.Server;
using DnsHost.Server.Traffic;
using DnsHost.Zones;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// Registers what the console's monitoring pages read (docs/console-data.md): the traffic history and its
/// sampler (section <c>Console:Traffic</c>), the top query names the answer path feeds, the sync jobs'
/// last runs and the drills' timelines. Health-check history lives in the <c>HealthChecker</c> itself.
/// </summary>
public static class ConsoleDataWiring
{
    public static void AddConsoleData(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrafficHistoryOptions>().Bind(builder.Configuration.GetSection(TrafficHistoryOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.WindowSeconds >= o.ResolutionSeconds, "Console:Traffic:WindowSeconds must be at least Console:Traffic:ResolutionSeconds")
            .ValidateOnStart();
        builder.Services.AddSingleton(_ => new TopQueryNames());
        builder.Services.AddSingleton(sp => new TrafficHistory(sp.GetRequiredService<IOptions<TrafficHistoryOptions>>().Value,
            sp.GetRequiredService<QueryProcessor>().Metrics, sp.GetRequiredService<RecursionService>().Resolver?.Metrics,
            sp.GetRequiredService<ZoneRegistry>(), sp.GetRequiredService<TopQueryNames>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TrafficHistory>());
        builder.Services.AddSingleton(sp => new SyncRunLog(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(_ => new DrillJournal());
    }
}
