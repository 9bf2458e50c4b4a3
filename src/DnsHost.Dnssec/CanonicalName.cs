namespace DnsHost.Dnssec;

/// <summary>Names in DNSSEC canonical form (RFC 4034 6.2: lower case) and canonical order (RFC 4034 6.1).</summary>
public static class CanonicalName
{
    public static void ToLower(ReadOnlySpan<byte> name, Span<byte> destination) => DnsHost.Protocol.DnsName.ToLower(name, destination);

    /// <summary>
    /// RFC 4034 6.1: labels compared from the rightmost, each as a lower-cased octet string where a
    /// shorter prefix sorts first; a name sorts right after its ancestors.
    /// </summary>
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Span<byte> aStarts = stackalloc byte[128];
        Span<byte> bStarts = stackalloc byte[128];
        int aCount = LabelStarts(a, aStarts);
        int bCount = LabelStarts(b, bStarts);
        for (int i = aCount - 1, j = bCount - 1; i >= 0 && j >= 0; i--, j--)
        {
            var aLabel = a.Slice(aStarts[i] + 1, a[aStarts[i]]);
            var bLabel = b.Slice(bStarts[j] + 1, b[bStarts[j]]);
            int length = Math.Min(aLabel.Length, bLabel.Length);
            for (int k = 0; k < length; k++)
            {
                int c = DnsHost.Protocol.DnsName.ToLowerAscii(aLabel[k]) - DnsHost.Protocol.DnsName.ToLowerAscii(bLabel[k]);
                if (c != 0)
                    return c;
            }
            if (aLabel.Length != bLabel.Length)
                return aLabel.Length - bLabel.Length;
        }
        return aCount - bCount;
    }

    /// <summary>
    /// Whether <paramref name="name"/> falls strictly between an NSEC's owner and its next name in the
    /// zone's canonical order (RFC 4035 5.4), the last NSEC wrapping round to the apex.
    /// </summary>
    public static bool IsCovered(ReadOnlySpan<byte> name, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> next)
    {
        int afterOwner = Compare(name, owner);
        int beforeNext = Compare(name, next);
        if (Compare(owner, next) < 0)
            return afterOwner > 0 && beforeNext < 0;
        // The last NSEC of the chain: its next name is the apex.
        return afterOwner > 0 || beforeNext < 0;
    }

    private static int LabelStarts(ReadOnlySpan<byte> name, Span<byte> starts)
    {
        int count = 0, pos = 0;
        while (pos < name.Length && name[pos] != 0 && count < starts.Length)
        {
            starts[count++] = (byte)pos;
            pos += name[pos] + 1;
        }
        return count;
    }
}
