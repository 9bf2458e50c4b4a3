using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// What an AXFR of an online-signed zone carries: a whole signed zone a secondary can serve as
/// it is (and <c>ldns-verify-zone</c> accepts). The zone's records, the apex's DNSKEY, CDS and
/// CDNSKEY (and NSEC3PARAM), a full NSEC chain (or the NSEC3 chain with Dnssec:Denial = Nsec3), and an
/// RRSIG over every authoritative RRset, made by the zone's signer (its cache keeps them).
/// </summary>
/// <remarks>
/// Online answers prove denial compactly (RFC 9824). That cannot be precomputed for a secondary,
/// so the transfer carries the classic chain of RFC 4034 4 over the names the zone has. A secondary
/// that serves it gives classic NSEC answers, which validate as well as ours. Names below a
/// delegation (glue) are sent unsigned and outside the chain (RFC 4035 2.2, 2.3).
/// </remarks>
internal static class SignedTransfer
{
    public static List<ZoneRecord> Records(Zone zone, ZoneSigner signer, bool nsec3)
    {
        var soa = TransferService.SoaRecord(zone);
        var list = new List<ZoneRecord> { soa };
        var authoritative = AuthoritativeNames(zone);
        uint keyTtl = ResponseSigner.KeyTtl(zone);
        for (int i = 0; i < authoritative.Count; i++)
        {
            var (node, occluded) = authoritative[i];
            var owner = node.Name.ToArray();
            bool apex = owner.AsSpan().SequenceEqual(zone.Origin);
            var types = new SortedSet<ushort>();
            for (int s = 0; s < node.SetCount; s++)
            {
                var set = node.SetAt(s);
                var rdatas = new List<byte[]>(set.Count);
                for (int r = 0; r < set.Count; r++)
                    rdatas.Add(set.RData[r].ToArray());
                types.Add(set.Type);
                if (!(apex && set.Type == (ushort)RecordType.SOA))
                    rdatas.ForEach(rdata => list.Add(new ZoneRecord(owner, set.Type, RecordClass.IN, set.Ttl, rdata)));
                // RFC 4035 2.2: a delegation's NS and everything below a cut are not signed.
                bool signed = !occluded && !(node.IsDelegation && !apex && set.Type != (ushort)RecordType.DS);
                if (signed)
                    list.Add(new ZoneRecord(owner, (ushort)RecordType.RRSIG, RecordClass.IN, set.Ttl, signer.Sign(owner, set.Type, set.Ttl, rdatas)));
            }
            if (apex)
            {
                AddSigned(list, signer, owner, (ushort)RecordType.DNSKEY, keyTtl, signer.Keys.Dnskeys, types);
                AddSigned(list, signer, owner, (ushort)RecordType.CDS, keyTtl, signer.CdsRDatas, types);
                AddSigned(list, signer, owner, (ushort)RecordType.CDNSKEY, keyTtl, signer.CdnskeyRDatas, types);
                if (nsec3)
                    AddSigned(list, signer, owner, (ushort)RecordType.NSEC3PARAM, keyTtl, [Nsec3Chain.ParamRData], types);
            }
            if (nsec3 || occluded || node.SetCount == 0 && !apex)
                continue;
            // RFC 4034 4.1: the next authoritative name in canonical order, the apex after the last.
            var next = NextInChain(authoritative, i);
            types.Add((ushort)RecordType.NSEC);
            if (!node.IsDelegation || apex || types.Contains((ushort)RecordType.DS))
                types.Add((ushort)RecordType.RRSIG);
            byte[] nsec = [.. next, .. TypeBitmap.Build([.. types])];
            AddSigned(list, signer, owner, (ushort)RecordType.NSEC, zone.NegativeTtl, [nsec], null);
        }
        if (nsec3)
        {
            foreach (var (owner, rdata) in Nsec3Chain.Of(zone, ResponseSigner.Nsec3ApexTypes).All())
                AddSigned(list, signer, owner, (ushort)RecordType.NSEC3, zone.NegativeTtl, [rdata], null);
        }
        list.Add(soa);
        return list;
    }

    private static void AddSigned(List<ZoneRecord> list, ZoneSigner signer, byte[] owner, ushort type, uint ttl, IReadOnlyList<byte[]> rdatas, SortedSet<ushort>? types)
    {
        foreach (var rdata in rdatas)
            list.Add(new ZoneRecord(owner, type, RecordClass.IN, ttl, rdata));
        list.Add(new ZoneRecord(owner, (ushort)RecordType.RRSIG, RecordClass.IN, ttl, signer.Sign(owner, type, ttl, rdatas)));
        types?.Add(type);
    }

    /// <summary>Every node with its "below a delegation" flag, in canonical order (the zone's own).</summary>
    private static List<(ZoneNode Node, bool Occluded)> AuthoritativeNames(Zone zone)
    {
        var result = new List<(ZoneNode, bool)>();
        byte[]? cut = null;
        foreach (var node in zone.Nodes)
        {
            bool occluded = cut is not null && DnsName.IsSubdomainOf(node.Name, cut);
            if (!occluded && node.IsDelegation && !node.Name.SequenceEqual(zone.Origin))
                cut = node.Name.ToArray();
            result.Add((node, occluded));
        }
        return result;
    }

    private static byte[] NextInChain(List<(ZoneNode Node, bool Occluded)> names, int index)
    {
        for (int j = index + 1; j < names.Count; j++)
        {
            if (!names[j].Occluded && names[j].Node.SetCount > 0)
                return names[j].Node.Name.ToArray();
        }
        return names[0].Node.Name.ToArray();
    }
}
