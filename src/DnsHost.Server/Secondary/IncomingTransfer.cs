using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>One step of an IXFR response (RFC 1995 4): the SOA before and after, and the records deleted and added in between.</summary>
public sealed record IxfrStep(ZoneRecord FromSoa, ZoneRecord ToSoa, List<ZoneRecord> Removed, List<ZoneRecord> Added);

/// <summary>
/// What a primary answered: nothing newer (<see cref="UpToDate"/>), the whole zone (<see cref="Records"/>, from an
/// AXFR or an IXFR answered in AXFR form), or the difference sequences of an IXFR (<see cref="Steps"/>).
/// </summary>
public sealed record IncomingTransfer(uint Serial, bool UpToDate, List<ZoneRecord>? Records, List<IxfrStep>? Steps, ZoneRecord? Soa, int Messages, long Bytes)
{
    public bool Incremental => Steps is not null;

    public string Kind => UpToDate ? "SOA (up to date)" : Incremental ? "IXFR" : "AXFR";
}

/// <summary>A refresh from one primary failed; <see cref="TryAxfr"/>: an IXFR was refused or could not be applied, so ask for the whole zone.</summary>
public sealed class TransferFailedException(string message, bool tryAxfr = false) : Exception(message)
{
    public bool TryAxfr { get; } = tryAxfr;
}
