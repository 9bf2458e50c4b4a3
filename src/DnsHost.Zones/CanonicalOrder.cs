namespace DnsHost.Zones;

/// <summary>
/// RFC 4034 6.1 canonical order of lower-cased wire names: compared label by label from the
/// rightmost, each label as an octet string where a shorter prefix sorts first; a name sorts
/// right after its ancestors.
/// </summary>
public static class CanonicalOrder
{
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Span<byte> aStarts = stackalloc byte[128];
        Span<byte> bStarts = stackalloc byte[128];
        int aCount = LabelStarts(a, aStarts);
        int bCount = LabelStarts(b, bStarts);
        int i = aCount - 1, j = bCount - 1;
        for (; i >= 0 && j >= 0; i--, j--)
        {
            var aLabel = a.Slice(aStarts[i] + 1, a[aStarts[i]]);
            var bLabel = b.Slice(bStarts[j] + 1, b[bStarts[j]]);
            int c = aLabel.SequenceCompareTo(bLabel);
            if (c != 0)
                return c;
        }
        return aCount.CompareTo(bCount);
    }

    private static int LabelStarts(ReadOnlySpan<byte> name, Span<byte> starts)
    {
        int count = 0, pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            starts[count++] = (byte)pos;
            pos += name[pos] + 1;
        }
        return count;
    }
}
