using DnsHost.Route53;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DnsHost;

/// <summary>
/// The Route 53 API's store as a source of the zone registry: opening the hosted zone service puts
/// every stored hosted zone (and the API's health checks) into the registry. It runs as the first
/// hosted service, so API zones are served from the first query on, whether the HTTP endpoint is on or not.
/// </summary>
internal sealed class ApiZoneSource(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<HostedZoneService>();
        _ = services.GetRequiredService<HealthCheckService>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
