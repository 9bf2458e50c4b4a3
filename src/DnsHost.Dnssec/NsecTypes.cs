namespace DnsHost.Dnssec;

/// <summary>Lookups in the type bitmap of NSEC and NSEC3 (RFC 4034 4.1.2): windows of up to 256 types.</summary>
public static class NsecTypes
{
    public static bool Contains(ReadOnlySpan<byte> bitmap, ushort type)
    {
        int window = type >> 8, bit = type & 0xFF;
        int pos = 0;
        while (pos + 2 <= bitmap.Length)
        {
            int number = bitmap[pos], length = bitmap[pos + 1];
            if (pos + 2 + length > bitmap.Length)
                return false;
            if (number == window)
                return bit / 8 < length && (bitmap[pos + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
            pos += 2 + length;
        }
        return false;
    }
}
