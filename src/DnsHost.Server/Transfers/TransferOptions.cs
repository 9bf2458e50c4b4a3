using System.ComponentModel.DataAnnotations;

namespace DnsHost.Server;

/// <summary>TSIG keys (RFC 8945), bound from the "Tsig" configuration section.</summary>
public sealed class TsigOptions
{
    public const string Section = "Tsig";

    /// <summary>Keys written as kdig -y takes them: <c>hmac-sha256:name:base64secret</c>.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>Files holding keys as <c>tsig-keygen</c> or <c>keymgr -t</c> print them.</summary>
    public List<string> KeyFiles { get; set; } = [];

    /// <summary>Accept hmac-sha1 keys (old clients only; RFC 8945 6 makes SHA-256 the one to implement).</summary>
    public bool AllowHmacSha1 { get; set; }

    /// <summary>Seconds of clock difference accepted in a signed message (RFC 8945 10 recommends 300).</summary>
    [Range(1, 3600)]
    public int Fudge { get; set; } = 300;
}

/// <summary>Zone transfers, journal, serials and NOTIFY, bound from the "Transfers" configuration section.</summary>
public sealed class TransferOptions
{
    public const string Section = "Transfers";

    /// <summary>How a change that does not raise the serial itself gets a new one.</summary>
    public SerialPolicy SerialPolicy { get; set; } = SerialPolicy.Increment;

    /// <summary>Changes kept per zone for IXFR; an older client serial gets the whole zone.</summary>
    [Range(0, 100000)]
    public int JournalMaxChanges { get; set; } = 100;

    /// <summary>Octets of changes kept per zone for IXFR.</summary>
    [Range(0, long.MaxValue)]
    public long JournalMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>What a transfer of a zone with Route 53 routing or alias sets carries (see docs/transfers.md).</summary>
    public RoutedZoneTransfer RoutedZones { get; set; } = RoutedZoneTransfer.Refuse;

    /// <summary>Where serials are kept between runs (empty: next to the API's database).</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>NOTIFY: attempts per secondary and the seconds before the first retry (doubled each time).</summary>
    [Range(1, 20)]
    public int NotifyAttempts { get; set; } = 5;

    [Range(1, 3600)]
    public int NotifyRetrySeconds { get; set; } = 2;

    /// <summary>Per-zone transfer access and secondaries to notify.</summary>
    public List<ZoneTransferSettings> Zones { get; set; } = [];
}

/// <summary>One zone's transfer settings.</summary>
public sealed class ZoneTransferSettings
{
    /// <summary>The zone's name, e.g. example.test.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// Who may transfer: each entry is a network (<c>192.0.2.0/24</c>), a key (<c>key:xfr</c>) or both
    /// (<c>192.0.2.0/24 key:xfr</c>, both required). Empty: <c>Dns:TransferAllow</c>, any key or none.
    /// </summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Secondaries to NOTIFY on every new serial: <c>address[:port]</c>, optionally followed by <c>key:name</c>.</summary>
    public List<string> Notify { get; set; } = [];

    /// <summary>
    /// Dynamic update (RFC 2136) rules, BIND update-policy style: <c>identity scope [name] types</c>, e.g.
    /// <c>key:acme name _acme-challenge.example.test TXT</c>, <c>key:dhcp zonesub A AAAA PTR</c>,
    /// <c>127.0.0.1/32 subdomain dyn.example.test ANY</c>. Empty: updates to the zone are refused.
    /// </summary>
    public List<string> Update { get; set; } = [];

    /// <summary>Also NOTIFY the addresses of the zone's NS set (from its own A/AAAA records, port 53), the SOA MNAME left out (RFC 1996 3.6).</summary>
    public bool NotifyNameServers { get; set; }
}

/// <summary>What an AXFR/IXFR of a zone with Route 53 routing or alias record sets does.</summary>
public enum RoutedZoneTransfer
{
    /// <summary>Refuse it (REFUSED, Extended DNS Error 18 "Prohibited" with the reason): a secondary cannot run the policies.</summary>
    Refuse,
    /// <summary>Transfer the plain records only; routed and alias sets are left out (they answer only on DnsHost).</summary>
    PlainRecordsOnly,
}
