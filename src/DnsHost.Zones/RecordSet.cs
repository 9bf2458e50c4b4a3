using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// An RRset as the answer path needs it: owner, type, one TTL (RFC 2181 5.2) and the RDATA of each
/// record in uncompressed wire form, ready to be copied (or name-compressed) into a response.
/// </summary>
public sealed class RecordSet
{
    public RecordSet(byte[] owner, ushort type, uint ttl, byte[][] rdata)
    {
        Owner = owner;
        Type = type;
        Ttl = ttl;
        RData = rdata;
        AdditionalTargets = FindAdditionalTargets(type, rdata);
        _ = LowerTarget;
    }

    /// <summary>Owner name in wire form, lower-cased.</summary>
    public byte[] Owner { get; }
    public ushort Type { get; }
    public uint Ttl { get; }
    public byte[][] RData { get; }

    /// <summary>Lower-cased names whose addresses go in the additional section (RFC 1035 3.3.9, 3.3.11; RFC 2782).</summary>
    public byte[][] AdditionalTargets { get; }

    /// <summary>For a CNAME set: the target, lower-cased, for following the chain.</summary>
    public byte[]? LowerTarget => _lowerTarget ??= Type == (ushort)RecordType.CNAME ? Lower(RData[0]) : null;

    private byte[]? _lowerTarget;

    private static byte[] Lower(byte[] name)
    {
        var lower = new byte[name.Length];
        DnsName.ToLower(name, lower);
        return lower;
    }

    private static byte[] NameAt(byte[] rdata, int offset)
    {
        int end = offset;
        while (end < rdata.Length && rdata[end] != 0)
            end += rdata[end] + 1;
        return rdata[offset..Math.Min(end + 1, rdata.Length)];
    }

    private static byte[][] FindAdditionalTargets(ushort type, byte[][] rdata)
    {
        int offset = type switch
        {
            (ushort)RecordType.NS => 0,
            (ushort)RecordType.MX => 2,
            (ushort)RecordType.SRV => 6,
            // RFC 9460 4.1: the addresses of an SVCB/HTTPS TargetName belong in the additional section.
            (ushort)RecordType.SVCB or (ushort)RecordType.HTTPS => 2,
            _ => -1,
        };
        if (offset < 0)
            return [];
        var targets = new List<byte[]>(rdata.Length);
        foreach (var r in rdata)
        {
            if (r.Length <= offset)
                continue;
            var name = NameAt(r, offset);
            DnsName.ToLower(name, name);
            // RFC 2782: a target of "." means the service is not available; nothing to add.
            if (name.Length > 1 && !targets.Exists(t => t.AsSpan().SequenceEqual(name)))
                targets.Add(name);
        }
        return targets.ToArray();
    }
}
