namespace DnsHost.Dnssec;

/// <summary>The key tag of a DNSKEY (RFC 4034 appendix B): a 16-bit checksum over its RDATA.</summary>
public static class KeyTag
{
    public static ushort Compute(ReadOnlySpan<byte> dnskeyRData)
    {
        // RFC 4034 B.1: algorithm 1 (RSA/MD5) uses the third-to-last and second-to-last octets of the key.
        if (dnskeyRData.Length >= 4 && dnskeyRData[3] == 1)
            return dnskeyRData.Length >= 3 ? (ushort)((dnskeyRData[^3] << 8) | dnskeyRData[^2]) : (ushort)0;
        uint accumulator = 0;
        for (int i = 0; i < dnskeyRData.Length; i++)
            accumulator += (i & 1) != 0 ? dnskeyRData[i] : (uint)dnskeyRData[i] << 8;
        accumulator += (accumulator >> 16) & 0xFFFF;
        return (ushort)accumulator;
    }
}
