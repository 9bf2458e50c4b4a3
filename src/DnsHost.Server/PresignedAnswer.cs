using DnsHost.Protocol;
using DnsHost.Zones;
using RrSet = DnsHost.Server.ResponseSigner.RrSet;

namespace DnsHost.Server;

/// <summary>
/// The DNSSEC stage of a pre-signed zone (a zone file that came with its RRSIGs and NSEC or NSEC3
/// chain): the answer stages' response is written again with the zone's own RRSIG after every RRset
/// and the zone's own NSEC/NSEC3 records as proofs (RFC 4035 3.1.1 to 3.1.4; RFC 5155 7.2). Nothing
/// is signed here; a proof the file does not hold is left out and the validator decides.
/// </summary>
internal static class PresignedAnswer
{
    public static ResponseCode Add(PresignedZone presigned, Zone zone, ref DnsMessageWriter writer, ResponseCode rcode, bool authoritative, out bool truncated)
    {
        truncated = false;
        if (rcode is not (ResponseCode.NoError or ResponseCode.NXDomain) || !ResponseSigner.TryTakeSections(ref writer, out var question, out var sections))
            return rcode;
        truncated = !Rewrite(new Proof(presigned, zone), ref writer, sections, question, rcode, authoritative);
        return rcode;
    }

    private static bool Rewrite(Proof proof, ref DnsMessageWriter writer, List<RrSet>[] sections, byte[] question, ResponseCode rcode, bool authoritative)
    {
        var zone = proof.Zone;
        var (answer, authority) = (sections[0], sections[1]);
        RrSet? cut = !authoritative ? authority.FirstOrDefault(s => s.Type == (ushort)RecordType.NS && !DnsName.EqualsIgnoreCase(s.Owner, zone.Origin)) : null;
        byte[]? wildcardAnswer = null;
        for (int i = 0; i < answer.Count; i++)
        {
            var set = answer[i];
            bool synthesised = set.Type == (ushort)RecordType.CNAME && i > 0 && answer[i - 1].Type == (ushort)RecordType.DNAME;
            if (!synthesised && ResponseSigner.InZone(zone, set.Owner) && zone.Find(ResponseSigner.ToLower(set.Owner)) is null)
                wildcardAnswer ??= ResponseSigner.ToLower(set.Owner);
            if (!TryWrite(zone, ref writer, DnsSection.Answer, set, sign: !synthesised && ResponseSigner.InZone(zone, set.Owner)))
                return false;
        }
        foreach (var set in authority)
        {
            bool sign = cut is null ? ResponseSigner.InZone(zone, set.Owner) : set.Type == (ushort)RecordType.DS;
            if (!TryWrite(zone, ref writer, DnsSection.Authority, set, sign))
                return false;
        }
        // RFC 4035 3.1.4.1: a referral without DS proves there is none.
        if (cut is not null && !authority.Any(s => s.Type == (ushort)RecordType.DS))
            proof.NoDs(ResponseSigner.ToLower(cut.Owner));
        // RFC 4035 3.1.3.3 / RFC 5155 7.2.6: a wildcard answer proves no closer name exists.
        if (wildcardAnswer is not null)
            proof.WildcardAnswer(wildcardAnswer);
        if (authoritative && authority.Any(s => s.Type == (ushort)RecordType.SOA))
        {
            var last = answer.Count > 0 ? answer[^1] : null;
            byte[] denied = last is { Type: (ushort)RecordType.CNAME } ? ResponseSigner.ToLower(ResponseSigner.ChainTarget(last)) : ResponseSigner.ToLower(question);
            if (ResponseSigner.InZone(zone, denied))
                proof.Deny(denied, rcode == ResponseCode.NXDomain);
        }
        foreach (var node in proof.Nodes)
        {
            ushort type = node.Find((ushort)RecordType.NSEC) is not null ? (ushort)RecordType.NSEC : (ushort)RecordType.NSEC3;
            if (!TryWriteNode(ref writer, node, type))
                return false;
        }
        foreach (var set in sections[2])
        {
            var mark = writer.Mark();
            if (!TryWrite(zone, ref writer, DnsSection.Additional, set, sign: cut is null && ResponseSigner.InZone(zone, set.Owner)))
            {
                writer.Rewind(mark);
                break;
            }
        }
        return true;
    }

    private static bool TryWrite(Zone zone, ref DnsMessageWriter writer, DnsSection section, RrSet set, bool sign)
    {
        foreach (var rdata in set.RData)
        {
            if (!writer.TryWriteRecord(section, set.Owner, set.Type, RecordClass.IN, set.Ttl, rdata))
                return false;
        }
        if (!sign || set.Type == (ushort)RecordType.RRSIG)
            return true;
        // The RRSIGs are the file's: at the owner, or at the wildcard that made the answer (RFC 4035 3.1.3.3).
        var lower = ResponseSigner.ToLower(set.Owner);
        if ((zone.Find(lower) ?? ResponseSigner.FindWildcard(zone, lower)) is not { } node)
            return true;
        foreach (var rrsig in PresignedZone.Rrsigs(node, set.Type))
        {
            if (!writer.TryWriteRecord(section, set.Owner, (ushort)RecordType.RRSIG, RecordClass.IN, set.Ttl, rrsig))
                return false;
        }
        return true;
    }

    private static bool TryWriteNode(ref DnsMessageWriter writer, ZoneNode node, ushort type)
    {
        var set = node.Find(type)!.Value;
        var owner = node.Name.ToArray();
        for (int i = 0; i < set.Count; i++)
        {
            if (!writer.TryWriteRecord(DnsSection.Authority, owner, type, RecordClass.IN, set.Ttl, set.RData[i]))
                return false;
        }
        foreach (var rrsig in PresignedZone.Rrsigs(node, type))
        {
            if (!writer.TryWriteRecord(DnsSection.Authority, owner, (ushort)RecordType.RRSIG, RecordClass.IN, set.Ttl, rrsig))
                return false;
        }
        return true;
    }

    /// <summary>The NSEC or NSEC3 records a negative or wildcard answer needs, each once, in the order found.</summary>
    private sealed class Proof(PresignedZone presigned, Zone zone)
    {
        private readonly List<ZoneNode> _nodes = [];

        public Zone Zone => zone;
        public IReadOnlyList<ZoneNode> Nodes => _nodes;

        /// <summary>RFC 4035 3.1.3.1-3.1.3.4, RFC 5155 7.2.1-7.2.5.</summary>
        public void Deny(byte[] name, bool nxdomain)
        {
            var encloser = ClosestEncloser(name);
            bool exists = encloser.Length == name.Length;
            byte[] wildcard = [1, (byte)'*', .. encloser];
            bool wildcardExists = !exists && wildcard.Length <= DnsName.MaxLength && zone.Find(wildcard) is not null;
            if (presigned.UsesNsec3)
            {
                if (exists)
                {
                    Nsec3(name);
                    return;
                }
                ClosestEncloserProof(name, encloser);
                Nsec3(wildcard); // matches it (wildcard NODATA) or covers it (NXDOMAIN)
                return;
            }
            if (exists && zone.Find(name) is { } node && node.Find((ushort)RecordType.NSEC) is not null)
            {
                Add(node);
                return;
            }
            // A name that does not exist (or an empty non-terminal): the NSEC that covers it.
            Add(presigned.NsecCovering(name));
            if (nxdomain || wildcardExists)
                Add(wildcardExists && !nxdomain ? zone.Find(wildcard) : presigned.NsecCovering(wildcard));
        }

        public void WildcardAnswer(byte[] name)
        {
            if (presigned.UsesNsec3)
                Nsec3(NextCloser(name, ClosestEncloser(name)));
            else
                Add(presigned.NsecCovering(name));
        }

        public void NoDs(byte[] cut)
        {
            if (!presigned.UsesNsec3)
            {
                Add(zone.Find(cut));
                return;
            }
            if (presigned.Nsec3For(cut, out bool matches) is { } node && matches)
            {
                Add(node);
                return;
            }
            // RFC 5155 7.2.7: an opt-out span covers the cut; prove its closest provable encloser.
            var encloser = DnsName.Parent(cut).ToArray();
            while (encloser.Length > zone.Origin.Length && !(presigned.Nsec3For(encloser, out bool m) is not null && m))
                encloser = DnsName.Parent(encloser).ToArray();
            ClosestEncloserProof(cut, encloser);
        }

        private void ClosestEncloserProof(byte[] name, byte[] encloser)
        {
            Nsec3(encloser);
            Nsec3(NextCloser(name, encloser));
        }

        private void Nsec3(ReadOnlySpan<byte> name) => Add(presigned.Nsec3For(name, out _));

        private byte[] ClosestEncloser(byte[] name)
        {
            ReadOnlySpan<byte> encloser = name;
            while (encloser.Length > zone.Origin.Length && zone.Find(encloser) is null)
                encloser = DnsName.Parent(encloser);
            return encloser.ToArray();
        }

        /// <summary>The ancestor of <paramref name="name"/> one label longer than <paramref name="encloser"/> (RFC 5155 1.3).</summary>
        private static byte[] NextCloser(byte[] name, byte[] encloser)
        {
            ReadOnlySpan<byte> next = name;
            while (next.Length > encloser.Length && DnsName.Parent(next).Length > encloser.Length)
                next = DnsName.Parent(next);
            return next.ToArray();
        }

        private void Add(ZoneNode? node)
        {
            if (node is { } n && !_nodes.Any(x => x.Index == n.Index))
                _nodes.Add(n);
        }
    }
}
