using DnsHost.Zones;
using Microsoft.Extensions.Hosting;

namespace DnsHost.Server;

/// <summary>
/// Takes the key-rollover steps of the signed master-file zones when they fall due, on a timer of the host's
/// <see cref="TimeProvider"/>, so a zone nobody queries moves along its schedule too (the query path still takes a
/// step it meets first), and the ZSK steps of the signed API zones (<paramref name="hostedZones"/>, which Route 53
/// takes by itself). The master-file zones' steps run only with Dnssec:Rollover:Enabled.
/// </summary>
/// <param name="hostedZones">Takes the due ZSK steps of the API zones (HostedZoneDnssec.RollZoneSigningKeys); null: none.</param>
public sealed class RolloverTimer(DnssecSigning signing, ZoneRegistry registry, TimeProvider time, Action? hostedZones = null) : IHostedService, IDisposable
{
    /// <summary>How often the zones are looked at: a step is taken at most this long after it is due.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var signers = signing.Signers is { Rings: not null } rolled ? rolled : null;
        if (signers is not null || hostedZones is not null)
            _timer = time.CreateTimer(_ => Tick(signers), null, Period, Period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Tick(ZoneSigners? signers)
    {
        hostedZones?.Invoke();
        if (signers is null)
            return;
        var catalog = registry.Current;
        foreach (var zone in catalog.Zones)
        {
            // API zones are signed by the API's keys (their KSKs roll through the API); pre-signed files are never signed here.
            if (catalog.KindOf(zone) == ZoneSourceKind.Api || PresignedZone.Of(zone) is not null || !signers.IsSigned(zone.OriginText))
                continue;
            try
            {
                // Takes any step that is due, under the ring's file lock, exactly as a signed answer would.
                _ = signers.For(zone);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // A key file that does not open: the next signed answer for the zone fails with the reason (as
                // before this timer), and the next tick tries again. Not swallowed: nothing changed on disk.
            }
        }
    }
}
