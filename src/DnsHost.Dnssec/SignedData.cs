using System.Buffers.Binary;
using DnsHost.Protocol;

namespace DnsHost.Dnssec;

/// <summary>
/// The octets an RRSIG signs (RFC 4034 3.1.8.1 and 6): the RRSIG RDATA without the signature, then
/// every RR of the set in canonical form (owner lower-cased and, for a wildcard expansion, rebuilt as
/// "*." + the last Labels labels; class; the original TTL; names inside RDATA lower-cased for the
/// types RFC 4034 6.2 lists, as amended by RFC 6840 5.1), sorted by RDATA, duplicates removed.
/// Used for checking here and for signing by anyone who needs it.
/// </summary>
public static class SignedData
{
    /// <summary>
    /// Builds the signed data for an RRset. <paramref name="rdatas"/> are uncompressed RDATA of one
    /// owner, type and class. Returns null when the RRSIG's label count exceeds the owner's (RFC 4035 5.3.1).
    /// </summary>
    public static byte[]? Build(ReadOnlySpan<byte> rrsigSignedPart, byte labels, uint originalTtl, ReadOnlySpan<byte> owner, ushort type, ushort cls, IReadOnlyList<byte[]> rdatas)
    {
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 2];
        int nameLength = CanonicalOwner(owner, labels, name);
        if (nameLength < 0)
            return null;
        var canonical = new byte[rdatas.Count][];
        for (int i = 0; i < rdatas.Count; i++)
            canonical[i] = CanonicalRData(type, rdatas[i]);
        // RFC 4034 6.3: RRs sorted by their canonical RDATA as left-justified octet strings.
        Array.Sort(canonical, static (a, b) => a.AsSpan().SequenceCompareTo(b));
        int total = rrsigSignedPart.Length;
        for (int i = 0; i < canonical.Length; i++)
        {
            if (i > 0 && canonical[i].AsSpan().SequenceEqual(canonical[i - 1]))
                continue;
            total += nameLength + 10 + canonical[i].Length;
        }
        var data = new byte[total];
        var span = data.AsSpan();
        rrsigSignedPart.CopyTo(span);
        // The signer's name inside the RRSIG RDATA is signed in canonical (lower-case) form.
        CanonicalName.ToLower(rrsigSignedPart[RrsigRecord.FixedLength..], span[RrsigRecord.FixedLength..]);
        int pos = rrsigSignedPart.Length;
        for (int i = 0; i < canonical.Length; i++)
        {
            if (i > 0 && canonical[i].AsSpan().SequenceEqual(canonical[i - 1]))
                continue;
            name[..nameLength].CopyTo(span[pos..]);
            pos += nameLength;
            BinaryPrimitives.WriteUInt16BigEndian(span[pos..], type);
            BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 2)..], cls);
            BinaryPrimitives.WriteUInt32BigEndian(span[(pos + 4)..], originalTtl);
            BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 8)..], (ushort)canonical[i].Length);
            pos += 10;
            canonical[i].CopyTo(span[pos..]);
            pos += canonical[i].Length;
        }
        return data;
    }

    /// <summary>
    /// The owner as signed (RFC 4035 5.3.2): lower-cased; when it has more labels than the RRSIG says,
    /// the answer came from a wildcard and the signed owner is "*." + its last <paramref name="labels"/> labels.
    /// </summary>
    public static int CanonicalOwner(ReadOnlySpan<byte> owner, byte labels, Span<byte> destination)
    {
        int ownerLabels = DnsName.LabelCount(owner);
        // RFC 4034 3.1.3: a wildcard owner's "*" label is not counted.
        if (DnsName.IsWildcard(owner))
            ownerLabels--;
        if (labels > ownerLabels)
            return -1;
        if (labels == ownerLabels)
        {
            CanonicalName.ToLower(owner, destination);
            return owner.Length;
        }
        var suffix = owner[DnsName.SuffixOffset(owner, labels)..];
        destination[0] = 1;
        destination[1] = (byte)'*';
        CanonicalName.ToLower(suffix, destination[2..]);
        return suffix.Length + 2;
    }

    /// <summary>RDATA with the embedded names of the RFC 4034 6.2 types lower-cased (RFC 6840 5.1: not NSEC's next name).</summary>
    public static byte[] CanonicalRData(ushort type, ReadOnlySpan<byte> rdata)
    {
        var copy = rdata.ToArray();
        if (!LowersNames(type))
            return copy;
        foreach (var field in RecordTypeInfo.EnumerateNames(type, rdata))
            CanonicalName.ToLower(rdata.Slice(field.Offset, field.Length), copy.AsSpan(field.Offset));
        return copy;
    }

    // RFC 4034 6.2's list (less NSEC) is kept once, in the descriptor table; types without a descriptor
    // (MD, MF, MB, ...) are opaque here, so they have no names to lower anyway.
    private static bool LowersNames(ushort type) => RecordTypeInfo.Get(type) is { LowercasesNames: true };
}
