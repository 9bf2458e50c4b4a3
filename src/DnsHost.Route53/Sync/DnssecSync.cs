using DnsHost.Route53.Client;

namespace DnsHost.Route53.Sync;

/// <summary>One DNSSEC change of a zone's plan: a Route 53 operation, and for the KSK operations the key's settings.</summary>
public sealed record DnssecStep(string Action, string? KeyName = null, string? KmsArn = null, string? Status = null)
{
    public const string Enable = "EnableHostedZoneDNSSEC", Disable = "DisableHostedZoneDNSSEC", Create = "CreateKeySigningKey",
        Activate = "ActivateKeySigningKey", Deactivate = "DeactivateKeySigningKey", Delete = "DeleteKeySigningKey";

    /// <summary>The step as the plan prints it.</summary>
    public override string ToString() => Action switch
    {
        Enable => "dnssec: enable signing (NOT_SIGNING -> SIGNING)",
        Disable => "dnssec: disable signing (SIGNING -> NOT_SIGNING)",
        Create => $"+ KSK {KeyName} (KMS key {KmsArn}, {Status})",
        Activate => $"~ KSK {KeyName} INACTIVE -> ACTIVE",
        Deactivate => $"~ KSK {KeyName} ACTIVE -> INACTIVE",
        _ => $"- KSK {KeyName}",
    };
}

/// <summary>A sync side that has Route 53's DNSSEC settings (a Route 53 account or a DnsHost; not a folder).</summary>
public interface IDnssecSyncSide
{
    /// <summary>The zone's signing status and KSKs; <see cref="DnssecSettings.None"/> for a private zone or one not made yet.</summary>
    Task<DnssecSettings> GetDnssecAsync(SyncZone zone, CancellationToken cancellationToken);

    /// <summary>Carries out one step; returns its change id.</summary>
    Task<string> ApplyDnssecAsync(SyncZone zone, DnssecStep change, CancellationToken cancellationToken);
}

/// <summary>
/// The DNSSEC part of a sync: the signing status and each KSK's name, KMS key ARN and status go from
/// source to target; key material never does (on Route 53 the KSK is the KMS key's, on DnsHost a
/// key pair made there), so the two sides publish different keys and DS records.
/// </summary>
public static class DnssecSync
{
    public const string Note = "DNSSEC: the signing status and each KSK's name, KMS key ARN and status are carried; private keys are not, so the target signs with its own keys and its DS record differs from the source's";

    /// <summary>Adds to <paramref name="plan"/> the steps that make the target's DNSSEC settings the source's.</summary>
    public static async Task PlanAsync(ZonePlan plan, ISyncSide source, ISyncSide target, SyncOptions options, CancellationToken cancellationToken)
    {
        if (plan.Source.IsPrivate || source is not IDnssecSyncSide from)
            return;
        DnssecSettings wanted;
        try
        {
            wanted = await from.GetDnssecAsync(plan.Source, cancellationToken);
        }
        catch (Route53ClientException e)
        {
            plan.Warnings.Add($"DNSSEC settings not compared: {source.Description} answered GetDNSSEC with {e.Code}");
            return;
        }
        if (target is not IDnssecSyncSide to)
        {
            if (wanted.KeySigningKeys.Count > 0 || wanted.ServeSignature != DnssecSettings.None.ServeSignature)
                plan.Warnings.Add($"DNSSEC settings ({wanted.ServeSignature}, {wanted.KeySigningKeys.Count} KSK(s)) are not carried to {target.Description}");
            return;
        }
        DnssecSettings current;
        try
        {
            current = plan.CreateZone ? DnssecSettings.None : await to.GetDnssecAsync(plan.Target, cancellationToken);
        }
        catch (Route53ClientException e)
        {
            plan.Warnings.Add($"DNSSEC settings not compared: {target.Description} answered GetDNSSEC with {e.Code}");
            return;
        }
        plan.Dnssec.AddRange(Steps(wanted, current, options.Prune, plan.Warnings));
    }

    /// <summary>
    /// The steps, in an order Route 53 accepts: new and newly active KSKs first, then the signing status
    /// (enabling needs an ACTIVE KSK; disabling comes before the last ACTIVE KSK is deactivated), then
    /// deactivations, then deletions (a KSK must be INACTIVE to be deleted).
    /// </summary>
    public static List<DnssecStep> Steps(DnssecSettings wanted, DnssecSettings current, bool prune, List<string> warnings)
    {
        var steps = new List<DnssecStep>();
        var have = current.KeySigningKeys.ToDictionary(k => k.Name, StringComparer.Ordinal);
        var want = wanted.KeySigningKeys.ToDictionary(k => k.Name, StringComparer.Ordinal);
        bool Active(string status) => status == "ACTIVE";
        // Route 53's other statuses (DELETING, ACTION_NEEDED, INTERNAL_FAILURE) describe the source's own trouble: not carried.
        foreach (var key in wanted.KeySigningKeys.Where(k => k.Status is not ("ACTIVE" or "INACTIVE")))
            warnings.Add($"KSK {key.Name} is {key.Status} on the source; that status is not carried");
        if (wanted.ServeSignature is not ("SIGNING" or "NOT_SIGNING"))
            warnings.Add($"DNSSEC signing is {wanted.ServeSignature} on the source; the target's signing status is left as it is");
        foreach (var key in wanted.KeySigningKeys)
        {
            if (!have.TryGetValue(key.Name, out var existing))
                steps.Add(new DnssecStep(DnssecStep.Create, key.Name, key.KmsArn, Active(key.Status) ? "ACTIVE" : "INACTIVE"));
            else
            {
                if (existing.KmsArn != key.KmsArn)
                    warnings.Add($"KSK {key.Name} uses the KMS key {existing.KmsArn} on the target and {key.KmsArn} on the source; Route 53 cannot change a KSK's key: delete the target's KSK to have it made anew");
                if (Active(key.Status) && !Active(existing.Status))
                    steps.Add(new DnssecStep(DnssecStep.Activate, key.Name, key.KmsArn, "ACTIVE"));
            }
        }
        bool signing = wanted.ServeSignature == "SIGNING", targetSigning = current.ServeSignature == "SIGNING";
        if (signing && !targetSigning)
            steps.Add(new DnssecStep(DnssecStep.Enable));
        else if (!signing && targetSigning && wanted.ServeSignature == "NOT_SIGNING")
            steps.Add(new DnssecStep(DnssecStep.Disable));
        foreach (var key in wanted.KeySigningKeys)
        {
            if (have.TryGetValue(key.Name, out var existing) && key.Status == "INACTIVE" && Active(existing.Status))
                steps.Add(new DnssecStep(DnssecStep.Deactivate, key.Name, key.KmsArn, "INACTIVE"));
        }
        foreach (var extra in current.KeySigningKeys.Where(k => !want.ContainsKey(k.Name)))
        {
            if (!prune)
            {
                warnings.Add($"KSK {extra.Name} is on the target only; left as it is (--prune deletes it)");
                continue;
            }
            if (Active(extra.Status))
                steps.Add(new DnssecStep(DnssecStep.Deactivate, extra.Name, extra.KmsArn, "INACTIVE"));
            steps.Add(new DnssecStep(DnssecStep.Delete, extra.Name, extra.KmsArn));
        }
        return steps;
    }
}
