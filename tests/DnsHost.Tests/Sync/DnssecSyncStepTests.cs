using DnsHost.Route53.Client;
using DnsHost.Route53.Sync;

namespace DnsHost.Tests.Sync;

/// <summary>The order and the limits of the DNSSEC steps a plan makes, from GetDNSSEC's settings alone.</summary>
[Trait("Kind", "Unit")]
public sealed class DnssecSyncStepTests
{
    private static KeySigningKeySettings Key(string name, string status) => new(name, "arn:aws:kms:us-east-1:111122223333:key/" + name, status);

    [Fact]
    public void Enabling_comes_after_the_ksk_it_needs_and_disabling_before_the_last_active_ksk_goes()
    {
        var warnings = new List<string>();
        var enable = DnssecSync.Steps(new("SIGNING", [Key("new", "ACTIVE")]), DnssecSettings.None, prune: false, warnings);
        Assert.Equal(["CreateKeySigningKey new ACTIVE", "EnableHostedZoneDNSSEC"], enable.Select(s => $"{s.Action} {s.KeyName} {s.Status}".Trim()));

        var disable = DnssecSync.Steps(new("NOT_SIGNING", [Key("old", "INACTIVE")]), new("SIGNING", [Key("old", "ACTIVE")]), prune: false, warnings);
        Assert.Equal([DnssecStep.Disable, DnssecStep.Deactivate], disable.Select(s => s.Action));

        // --prune: a KSK only the target has is deactivated, then deleted.
        var pruned = DnssecSync.Steps(new("SIGNING", [Key("kept", "ACTIVE")]), new("SIGNING", [Key("kept", "ACTIVE"), Key("extra", "ACTIVE")]), prune: true, warnings);
        Assert.Equal(["DeactivateKeySigningKey extra", "DeleteKeySigningKey extra"], pruned.Select(s => $"{s.Action} {s.KeyName}"));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Route53s_trouble_statuses_are_reported_not_carried()
    {
        var warnings = new List<string>();
        var steps = DnssecSync.Steps(new("ACTION_NEEDED", [Key("broken", "ACTION_NEEDED")]), new("SIGNING", [Key("broken", "ACTIVE")]), prune: false, warnings);
        Assert.Empty(steps);
        Assert.Contains(warnings, w => w.Contains("KSK broken is ACTION_NEEDED on the source"));
        Assert.Contains(warnings, w => w.Contains("signing is ACTION_NEEDED on the source"));
    }
}
