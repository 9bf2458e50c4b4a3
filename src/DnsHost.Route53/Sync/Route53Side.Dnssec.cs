using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>DNSSEC settings through the client's DNSSEC operations (GetDNSSEC and the rest).</summary>
public sealed partial class Route53Side : IDnssecSyncSide
{
    private IRoute53DnssecClient Dnssec => client as IRoute53DnssecClient
        ?? throw new NotSupportedException($"the client of {description} has no DNSSEC operations");

    /// <remarks>
    /// A zone that cannot have DNSSEC settings through the API (private: InvalidArgument; a DnsHost's
    /// read-only zone from a file: InvalidInput) has none to carry.
    /// </remarks>
    public async Task<DnssecSettings> GetDnssecAsync(SyncZone zone, CancellationToken cancellationToken)
    {
        if (zone.Id is null || zone.IsPrivate)
            return DnssecSettings.None;
        try
        {
            return await Dnssec.GetDnssecAsync(zone.Id, cancellationToken);
        }
        catch (Route53ClientException e) when (e.Code is "InvalidArgument" or "InvalidInput")
        {
            return DnssecSettings.None;
        }
    }

    public Task<string> ApplyDnssecAsync(SyncZone zone, DnssecStep change, CancellationToken cancellationToken)
    {
        string id = zone.Id ?? throw new InvalidOperationException($"zone {zone.Name} has no id on {description} yet");
        return change.Action switch
        {
            DnssecStep.Enable => Dnssec.EnableHostedZoneDnssecAsync(id, cancellationToken),
            DnssecStep.Disable => Dnssec.DisableHostedZoneDnssecAsync(id, cancellationToken),
            DnssecStep.Create => Dnssec.CreateKeySigningKeyAsync(id, change.KeyName!, change.KmsArn!, change.Status!, Reference(zone, change.KeyName!), cancellationToken),
            DnssecStep.Activate => Dnssec.ActivateKeySigningKeyAsync(id, change.KeyName!, cancellationToken),
            DnssecStep.Deactivate => Dnssec.DeactivateKeySigningKeyAsync(id, change.KeyName!, cancellationToken),
            DnssecStep.Delete => Dnssec.DeleteKeySigningKeyAsync(id, change.KeyName!, cancellationToken),
            _ => throw new ArgumentException($"unknown DNSSEC change {change.Action}", nameof(change)),
        };
    }

    private string Reference(SyncZone zone, string keyName)
    {
        string reference = $"dnshost-sync:{_run}:{zone.Name}:{keyName}";
        return reference[..Math.Min(reference.Length, 128)];
    }
}
