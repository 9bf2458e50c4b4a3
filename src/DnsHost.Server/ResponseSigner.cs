using System.Buffers;
using System.Buffers.Binary;
using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// The DNSSEC stage of a signed zone's answer (online signing): reads back the response the answer
/// stages wrote, and writes it again with an RRSIG after every RRset this zone is authoritative for,
/// and the proof a negative answer needs. Runs per answer, so answers that depend on the client
/// (routing policies, aliases) are signed as sent; <see cref="ZoneSigner"/> caches the signatures.
/// </summary>
/// <remarks>
/// Denial of existence is compact (RFC 9824): the name asked gets one NSEC whose next name is
/// <c>\000.name</c>, so it covers nothing else. A name that does not exist is answered NOERROR with
/// that NSEC listing RRSIG, NSEC and NXNAME (RFC 9824 3.1); a name without the type asked lists the
/// types it has. Wildcard answers are signed under the name asked ("black lies"), so they need no
/// proof. A referral's NS and glue stay unsigned (RFC 4035 2.2); a delegation without DS gets an
/// NSEC at the cut that proves there is none (RFC 4035 3.1.4.1).
/// </remarks>
internal static class ResponseSigner
{
    /// <summary>NXNAME, the meta-type of compact denial's NSEC for a name that does not exist (RFC 9824 3.1).</summary>
    public const ushort NxName = 128;
    private const ushort DefaultKeyTtl = 3600;

    /// <summary>Whether a query for <paramref name="lowerName"/>/<paramref name="type"/> is for the zone's keys, which the signer answers.</summary>
    public static bool IsKeyQuery(ZoneSigner signer, ReadOnlySpan<byte> lowerName, ushort type, bool nsec3 = false) =>
        (type is (ushort)RecordType.DNSKEY or (ushort)RecordType.CDS or (ushort)RecordType.CDNSKEY || nsec3 && type == (ushort)RecordType.NSEC3PARAM)
        && lowerName.SequenceEqual(signer.Origin);

    /// <summary>The keys' RRset (DNSKEY, CDS or CDNSKEY at the apex) with its RRSIG when <paramref name="dnssecOk"/>.</summary>
    public static bool TryWriteKeys(ZoneSigner signer, Zone zone, ushort type, ReadOnlySpan<byte> owner, bool dnssecOk, ref DnsMessageWriter writer)
    {
        IReadOnlyList<byte[]> rdatas = type switch
        {
            (ushort)RecordType.CDS => signer.CdsRDatas,
            (ushort)RecordType.CDNSKEY => signer.CdnskeyRDatas,
            (ushort)RecordType.NSEC3PARAM => [Nsec3Chain.ParamRData],
            _ => signer.Keys.Dnskeys,
        };
        uint ttl = KeyTtl(zone);
        foreach (var rdata in rdatas)
        {
            if (!writer.TryWriteRecord(DnsSection.Answer, owner, type, RecordClass.IN, ttl, rdata))
                return false;
        }
        if (!dnssecOk)
            return true;
        // RFC 6781 3.1: the key sets are signed by the key-signing keys (one CSK or KSK, or an API zone's KSKs);
        // NSEC3PARAM, like any other data, by the zone-signing key.
        var rrsigs = type is (ushort)RecordType.NSEC3PARAM ? [signer.Sign(signer.Origin, type, ttl, rdatas)] : signer.SignKeySet(type, ttl, rdatas);
        foreach (var rrsig in rrsigs)
        {
            if (!writer.TryWriteRecord(DnsSection.Answer, owner, (ushort)RecordType.RRSIG, RecordClass.IN, ttl, rrsig))
                return false;
        }
        return true;
    }

    /// <summary>The TTL of the apex's DNSKEY, CDS and CDNSKEY RRsets: the SOA's, at most an hour.</summary>
    public static uint KeyTtl(Zone zone) => Math.Min(zone.Soa.Ttl, DefaultKeyTtl);

    /// <summary>
    /// Rewrites the response in <paramref name="writer"/> with signatures and proofs. Returns the
    /// RCODE to send (NXDOMAIN becomes NOERROR under compact denial) and sets
    /// <paramref name="truncated"/> when the signed answer does not fit.
    /// </summary>
    public static ResponseCode Sign(ZoneSigner signer, Zone zone, ref DnsMessageWriter writer, ResponseCode rcode, bool authoritative, out bool truncated, bool nsec3 = false)
    {
        truncated = false;
        if (rcode is not (ResponseCode.NoError or ResponseCode.NXDomain) || !TryTakeSections(ref writer, out var question, out var sections))
            return rcode;
        var denial = nsec3 ? new Nsec3Denial(Nsec3Chain.Of(zone, Nsec3ApexTypes), zone) : null;
        return Rewrite(signer, zone, ref writer, sections, question, rcode, authoritative, denial, out truncated);
    }

    /// <summary>
    /// Reads back the answer the writer holds (question and sections, as copies) and rewinds the writer to the
    /// question alone, for the answer to be written again with signatures and proofs. False leaves the writer as it was.
    /// </summary>
    internal static bool TryTakeSections(ref DnsMessageWriter writer, out byte[] question, out List<RrSet>[] sections)
    {
        var written = writer.Written;
        var copy = ArrayPool<byte>.Shared.Rent(written.Length);
        ushort questionType;
        try
        {
            written.CopyTo(copy);
            var message = copy.AsSpan(0, written.Length);
            BinaryPrimitives.WriteUInt16BigEndian(message[4..], 1);
            BinaryPrimitives.WriteUInt16BigEndian(message[6..], writer.AnswerCount);
            BinaryPrimitives.WriteUInt16BigEndian(message[8..], writer.AuthorityCount);
            BinaryPrimitives.WriteUInt16BigEndian(message[10..], writer.AdditionalCount);
            if (!TryReadSections(message, out question, out questionType, out sections))
                return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
        writer.Rewind(new WriterMark(DnsHeader.Size, 0, 0, 0, 0, 0));
        writer.TryWriteQuestion(question, questionType, RecordClass.IN);
        return true;
    }

    /// <summary>The signer's own types at the apex of an NSEC3 zone.</summary>
    internal static readonly ushort[] Nsec3ApexTypes = [(ushort)RecordType.DNSKEY, (ushort)RecordType.CDS, (ushort)RecordType.CDNSKEY, (ushort)RecordType.NSEC3PARAM];

    private static ResponseCode Rewrite(ZoneSigner signer, Zone zone, ref DnsMessageWriter writer, List<RrSet>[] sections, byte[] question, ResponseCode rcode, bool authoritative, Nsec3Denial? denial, out bool truncated)
    {
        truncated = false;
        var answer = sections[0];
        var authority = sections[1];
        // A referral: not authoritative, and the authority section holds the child's NS.
        RrSet? cut = !authoritative ? authority.FirstOrDefault(s => s.Type == (ushort)RecordType.NS && !DnsName.EqualsIgnoreCase(s.Owner, zone.Origin)) : null;

        for (int i = 0; i < answer.Count; i++)
        {
            var set = answer[i];
            // RFC 6672 5.3.1: the CNAME synthesised from a DNAME is not signed; the DNAME is.
            bool synthesised = set.Type == (ushort)RecordType.CNAME && i > 0 && answer[i - 1].Type == (ushort)RecordType.DNAME;
            int wildcardLabels = -1;
            // With NSEC3 a wildcard answer is signed as the wildcard's and proved (RFC 5155 7.2.6); compact denial signs it as the name.
            if (denial is not null && !synthesised && InZone(zone, set.Owner) && zone.Find(ToLower(set.Owner)) is null && FindWildcard(zone, ToLower(set.Owner)) is { } source)
            {
                wildcardLabels = DnsName.LabelCount(source.Name) - 1;
                denial.WildcardAnswer(ToLower(set.Owner));
            }
            if (!TryWrite(signer, zone, ref writer, DnsSection.Answer, set, sign: !synthesised && InZone(zone, set.Owner), wildcardLabels))
                return Truncate(ref writer, rcode, out truncated);
        }

        bool negative = authoritative && authority.Any(s => s.Type == (ushort)RecordType.SOA);
        foreach (var set in authority)
        {
            bool sign = cut is null ? InZone(zone, set.Owner) : set.Type == (ushort)RecordType.DS;
            if (!TryWrite(signer, zone, ref writer, DnsSection.Authority, set, sign))
                return Truncate(ref writer, rcode, out truncated);
        }
        if (denial is not null)
        {
            if (cut is not null && !authority.Any(s => s.Type == (ushort)RecordType.DS))
                denial.NoDs(ToLower(cut.Owner));
            if (negative)
            {
                var last = answer.Count > 0 ? answer[^1] : null;
                byte[] denied = last is { Type: (ushort)RecordType.CNAME } ? ToLower(ChainTarget(last)) : ToLower(question);
                if (InZone(zone, denied))
                    denial.Deny(denied);
            }
            foreach (var set in denial.Sets)
            {
                if (!TryWrite(signer, zone, ref writer, DnsSection.Authority, set, sign: true))
                    return Truncate(ref writer, rcode, out truncated);
            }
        }
        else if (cut is not null && !authority.Any(s => s.Type == (ushort)RecordType.DS) && !TryWriteCutProof(signer, zone, ref writer, cut.Owner))
            return Truncate(ref writer, rcode, out truncated);
        if (negative && denial is null)
        {
            // The name denied: the last link of a CNAME chain, or the name asked.
            var last = answer.Count > 0 ? answer[^1] : null;
            byte[] denied = last is { Type: (ushort)RecordType.CNAME } ? ToLower(ChainTarget(last)) : ToLower(question);
            if (InZone(zone, denied))
            {
                ushort[] types = rcode == ResponseCode.NXDomain
                    ? [(ushort)RecordType.RRSIG, (ushort)RecordType.NSEC, NxName]
                    : TypesAt(signer, zone, denied);
                var nsec = Nsec(denied, types);
                if (!TryWrite(signer, zone, ref writer, DnsSection.Authority, new RrSet(denied, (ushort)RecordType.NSEC, zone.NegativeTtl, [nsec]), sign: true))
                    return Truncate(ref writer, rcode, out truncated);
                // RFC 9824 3.1: NXDOMAIN is answered NOERROR, the NSEC with NXNAME saying why.
                rcode = ResponseCode.NoError;
            }
        }

        foreach (var set in sections[2])
        {
            bool glue = cut is not null && DnsName.IsSubdomainOf(ToLower(set.Owner), ToLower(cut.Owner));
            var mark = writer.Mark();
            // Additional data is optional: what does not fit is left out (RFC 4035 3.1.1: its RRSIGs with it).
            if (!TryWrite(signer, zone, ref writer, DnsSection.Additional, set, sign: !glue && InZone(zone, set.Owner)))
            {
                writer.Rewind(mark);
                break;
            }
        }
        return rcode;
    }

    /// <summary>
    /// RFC 4035 3.1.4: a referral to DO carries the DS RRset of the cut (the answer stages leave it
    /// out), or the NSEC that proves there is none (RFC 4035 3.1.4.1).
    /// </summary>
    private static bool TryWriteCutProof(ZoneSigner signer, Zone zone, ref DnsMessageWriter writer, byte[] cut)
    {
        if (zone.Find(ToLower(cut)) is { } node && node.Find((ushort)RecordType.DS) is { } ds)
        {
            var rdatas = new List<byte[]>();
            foreach (var rdata in ds.RData)
                rdatas.Add(rdata.ToArray());
            return TryWrite(signer, zone, ref writer, DnsSection.Authority, new RrSet(cut, (ushort)RecordType.DS, ds.Ttl, rdatas), sign: true);
        }
        var nsec = Nsec(cut, [(ushort)RecordType.NS, (ushort)RecordType.RRSIG, (ushort)RecordType.NSEC]);
        return TryWrite(signer, zone, ref writer, DnsSection.Authority, new RrSet(cut, (ushort)RecordType.NSEC, zone.NegativeTtl, [nsec]), sign: true);
    }

    private static ResponseCode Truncate(ref DnsMessageWriter writer, ResponseCode rcode, out bool truncated)
    {
        // RFC 4035 3.1.1: when the RRSIGs of the answer do not fit, the client must ask again over TCP.
        truncated = true;
        return rcode;
    }

    private static bool TryWrite(ZoneSigner signer, Zone zone, ref DnsMessageWriter writer, DnsSection section, RrSet set, bool sign, int wildcardLabels = -1)
    {
        foreach (var rdata in set.RData)
        {
            if (!writer.TryWriteRecord(section, set.Owner, set.Type, RecordClass.IN, set.Ttl, rdata))
                return false;
        }
        if (!sign || set.Type == (ushort)RecordType.RRSIG)
            return true;
        var rrsig = signer.Sign(set.Owner, set.Type, set.Ttl, set.RData, wildcardLabels);
        return writer.TryWriteRecord(section, set.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, set.Ttl, rrsig);
    }

    /// <summary>The types at a name for its NSEC: what the zone has there, the signer's own, RRSIG and NSEC.</summary>
    private static ushort[] TypesAt(ZoneSigner signer, Zone zone, byte[] name)
    {
        var types = new SortedSet<ushort> { (ushort)RecordType.RRSIG, (ushort)RecordType.NSEC };
        var node = zone.Find(name) ?? FindWildcard(zone, name);
        if (node is { } n)
        {
            for (int s = 0; s < n.SetCount; s++)
                types.Add(n.SetAt(s).Type);
        }
        if (name.AsSpan().SequenceEqual(signer.Origin))
        {
            types.Add((ushort)RecordType.DNSKEY);
            types.Add((ushort)RecordType.CDS);
            types.Add((ushort)RecordType.CDNSKEY);
        }
        return [.. types];
    }

    /// <summary>The wildcard that would synthesise <paramref name="name"/>: "*." under its closest encloser (RFC 4592 3.3.1).</summary>
    internal static ZoneNode? FindWildcard(Zone zone, byte[] name)
    {
        ReadOnlySpan<byte> encloser = name;
        while (encloser.Length > zone.Origin.Length && zone.Find(encloser) is null)
            encloser = DnsName.Parent(encloser);
        byte[] wildcard = [1, (byte)'*', .. encloser];
        return wildcard.Length <= DnsName.MaxLength ? zone.Find(wildcard) : null;
    }

    /// <summary>An NSEC RDATA for <paramref name="owner"/>: next name "\000." + owner (RFC 9824 3), then the type bitmap (RFC 4034 4.1.2).</summary>
    private static byte[] Nsec(ReadOnlySpan<byte> owner, ReadOnlySpan<ushort> types)
    {
        var bitmap = TypeBitmap.Build(types);
        // "\000.owner" is longer by two octets; a name already at the limit keeps itself as next name.
        bool fits = owner.Length + 2 <= DnsName.MaxLength;
        var rdata = new byte[(fits ? owner.Length + 2 : owner.Length) + bitmap.Length];
        int pos = 0;
        if (fits)
        {
            rdata[0] = 1;
            rdata[1] = 0;
            pos = 2;
        }
        DnsName.ToLower(owner, rdata.AsSpan(pos));
        bitmap.CopyTo(rdata, pos + owner.Length);
        return rdata;
    }

    internal static bool InZone(Zone zone, ReadOnlySpan<byte> owner)
    {
        Span<byte> lower = stackalloc byte[owner.Length];
        DnsName.ToLower(owner, lower);
        return DnsName.IsSubdomainOf(lower, zone.Origin);
    }

    internal static byte[] ToLower(ReadOnlySpan<byte> name)
    {
        var lower = new byte[name.Length];
        DnsName.ToLower(name, lower);
        return lower;
    }

    internal static ReadOnlySpan<byte> ChainTarget(RrSet cname) => cname.RData[^1];

    internal static bool TryReadSections(ReadOnlySpan<byte> message, out byte[] question, out ushort questionType, out List<RrSet>[] sections)
    {
        sections = [[], [], []];
        question = [];
        questionType = 0;
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        if (!reader.TryReadHeader(out var header) || !reader.TryReadQuestion(name, out var q))
            return false;
        question = name[..q.NameLength].ToArray();
        questionType = q.Type;
        var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            return ReadRecords(message, ref reader, header, name, buffer, sections);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool ReadRecords(ReadOnlySpan<byte> message, ref DnsMessageReader reader, in DnsHeader header, scoped Span<byte> name, scoped Span<byte> rdata, List<RrSet>[] sections)
    {
        int[] counts = [header.AnswerCount, header.AuthorityCount, header.AdditionalCount];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < counts[s]; i++)
            {
                if (!reader.TryReadRecord(name, out var record))
                    return false;
                int length = RecordData.CopyUncompressed(record.Type, message, record.RDataOffset, record.RDataLength, rdata);
                if (length < 0)
                    return false;
                var owner = name[..record.NameLength];
                var list = sections[s];
                if (list.Count > 0 && list[^1].Type == record.Type && DnsName.EqualsIgnoreCase(list[^1].Owner, owner))
                    list[^1].RData.Add(rdata[..length].ToArray());
                else
                    list.Add(new RrSet(owner.ToArray(), record.Type, record.Ttl, [rdata[..length].ToArray()]));
            }
        }
        return true;
    }

    internal sealed record RrSet(byte[] Owner, ushort Type, uint Ttl, List<byte[]> RData);
}
