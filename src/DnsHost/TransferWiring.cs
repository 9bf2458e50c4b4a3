using DnsHost.Server;
using DnsHost.Web;
using DnsHost.Zones;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost;

/// <summary>Registers TSIG keys, the transfer journal and NOTIFY (settings "Tsig" and "Transfers"; see docs/transfers.md).</summary>
public static class TransferWiring
{
    public static void AddTransfers(this HostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<TsigOptions>().Bind(builder.Configuration.GetSection(TsigOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TransferOptions>().Bind(builder.Configuration.GetSection(TransferOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Zones.All(z => !string.IsNullOrWhiteSpace(z.Name)), "Transfers:Zones: every entry needs a Name, e.g. example.test")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TransferOptions>>().Value;
            var keys = TsigKeyring.Load(sp.GetRequiredService<IOptions<TsigOptions>>().Value, sp.GetRequiredService<TimeProvider>());
            string state = options.StateDirectory;
            if (string.IsNullOrEmpty(state))
                state = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sp.GetRequiredService<IOptions<ApiOptions>>().Value.DataPath)) ?? ".", "transfers");
            return new TransferService(options, keys, sp.GetRequiredService<IOptions<DnsServerOptions>>().Value.EffectiveTransferAllow, Path.GetFullPath(state),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<TransferService>())
            {
                UpdateStore = new Lazy<IZoneUpdateStore>(() => sp.GetRequiredService<DynamicUpdateStore>()),
            };
        });
        builder.Services.AddSingleton<DynamicUpdateStore>();
        builder.Services.AddSingleton<NotifyService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotifyService>());
        builder.AddSecondaries();
    }

    /// <summary>Zones served as a secondary ("Transfers:Secondary"): stored copies load before the listeners start.</summary>
    private static void AddSecondaries(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecondaryOptions>().Bind(builder.Configuration.GetSection(SecondaryOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Zones.All(z => !string.IsNullOrWhiteSpace(z.Name)), "Transfers:Secondary:Zones: every entry needs a Name, e.g. example.test")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            string directory = sp.GetRequiredService<IOptions<SecondaryOptions>>().Value.Directory;
            if (string.IsNullOrEmpty(directory))
                directory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sp.GetRequiredService<IOptions<ApiOptions>>().Value.DataPath)) ?? ".", "secondary");
            return new SecondaryStore(Path.GetFullPath(directory));
        });
        builder.Services.AddSingleton(sp => new SecondaryService(sp.GetRequiredService<IOptions<SecondaryOptions>>().Value, sp.GetRequiredService<ZoneRegistry>(),
            sp.GetRequiredService<TransferService>(), sp.GetRequiredService<SecondaryStore>(), sp.GetRequiredService<ILogger<SecondaryService>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SecondaryService>());
    }

    /// <summary>The zone registry, with the transfer journal in front of every change.</summary>
    public static ZoneRegistry CreateRegistry(IServiceProvider services)
    {
        var registry = new ZoneRegistry();
        services.GetRequiredService<TransferService>().Attach(registry);
        return registry;
    }
}
