namespace DnsHost.Zones;

/// <summary>One record as read from a zone source, before it is compiled into a <see cref="Zone"/>.</summary>
/// <param name="Owner">Absolute wire name, in the case the source used.</param>
/// <param name="RData">Uncompressed RDATA.</param>
/// <param name="Line">Line in the source where the record starts, or 0 when unknown.</param>
public sealed record ZoneRecord(byte[] Owner, ushort Type, ushort Class, uint Ttl, byte[] RData, int Line = 0);
