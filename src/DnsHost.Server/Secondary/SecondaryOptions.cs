using System.ComponentModel.DataAnnotations;

namespace DnsHost.Server;

/// <summary>Zones DnsHost serves as a secondary of other servers, bound from "Transfers:Secondary" (see docs/transfers.md).</summary>
public sealed class SecondaryOptions
{
    public const string Section = "Transfers:Secondary";

    /// <summary>Where the last copy of each zone and its refresh time are kept (empty: <c>secondary/</c> next to the API's database).</summary>
    public string Directory { get; set; } = "";

    /// <summary>Seconds between attempts while a zone has never been transferred (no SOA yet to give the retry time).</summary>
    [Range(1, 86400)]
    public int BootstrapRetrySeconds { get; set; } = 10;

    /// <summary>Seconds a connection to a primary may stay silent (connect, SOA query, each message of a transfer).</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 15;

    public List<SecondaryZoneSettings> Zones { get; set; } = [];
}

/// <summary>One zone fetched from primaries.</summary>
public sealed class SecondaryZoneSettings
{
    /// <summary>The zone's name, e.g. example.test.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// The primaries, tried in order: <c>address</c>, <c>address:port</c>, <c>address@port</c> (Knot's way), IPv6 as
    /// <c>[::1]:5300</c> or <c>::1@5300</c>, each optionally followed by <c>key:name</c>. NOTIFY is accepted from these addresses only.
    /// </summary>
    public List<string> Primaries { get; set; } = [];

    /// <summary>TSIG key (a name from Tsig:Keys or Tsig:KeyFiles) for the primaries that do not name their own.</summary>
    public string TsigKey { get; set; } = "";
}
