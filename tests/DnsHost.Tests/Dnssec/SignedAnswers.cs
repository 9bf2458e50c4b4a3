using System.Buffers.Binary;
using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Tests.Dnssec;

/// <summary>A response read with raw RDATA, and a check of every RRSIG in it against a DNSKEY, independent of the signer.</summary>
internal sealed class SignedAnswers
{
    public sealed record Rr(int Section, byte[] Owner, ushort Type, uint Ttl, byte[] RData)
    {
        public string OwnerText => DnsName.ToText(Owner);
        public string Text => RecordData.ToText(Type, RData);
    }

    public required int Rcode { get; init; }
    public required ushort Flags { get; init; }
    public required List<Rr> Records { get; init; }

    public IEnumerable<Rr> In(int section) => Records.Where(r => r.Section == section);

    public static SignedAnswers Read(ReadOnlySpan<byte> message)
    {
        var reader = new DnsMessageReader(message);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Assert.True(reader.TryReadHeader(out var header));
        for (int i = 0; i < header.QuestionCount; i++)
            Assert.True(reader.TryReadQuestion(name, out _));
        var records = new List<Rr>();
        var rdata = new byte[ushort.MaxValue];
        int[] counts = [header.AnswerCount, header.AuthorityCount, header.AdditionalCount];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < counts[s]; i++)
            {
                Assert.True(reader.TryReadRecord(name, out var r));
                if (r.Type == (ushort)RecordType.OPT)
                    continue;
                int length = RecordData.CopyUncompressed(r.Type, message, r.RDataOffset, r.RDataLength, rdata);
                records.Add(new Rr(s, name[..r.NameLength].ToArray(), r.Type, r.Ttl, rdata[..length]));
            }
        }
        return new SignedAnswers { Rcode = header.Flags & 0xF, Flags = header.Flags, Records = records };
    }

    /// <summary>Every RRset of <paramref name="section"/> except RRSIGs, each with whether an RRSIG over it verifies with <paramref name="dnskey"/>.</summary>
    public List<(string Owner, string Type, bool Verified)> Check(int section, byte[] dnskey)
    {
        var result = new List<(string, string, bool)>();
        var sets = In(section).Where(r => r.Type != (ushort)RecordType.RRSIG)
            .GroupBy(r => (Owner: DnsName.ToText(r.Owner).ToLowerInvariant(), r.Type));
        foreach (var set in sets)
        {
            var first = set.First();
            bool verified = In(section).Where(r => r.Type == (ushort)RecordType.RRSIG && DnsName.EqualsIgnoreCase(r.Owner, first.Owner))
                .Any(sig => Verifies(sig.RData, first.Owner, first.Type, set.Select(r => r.RData).ToList(), dnskey));
            result.Add((set.Key.Owner, RecordData.TypeToText(set.Key.Type), verified));
        }
        return result;
    }

    public static bool Verifies(byte[] rrsigRData, byte[] owner, ushort type, IReadOnlyList<byte[]> rdatas, byte[] dnskey)
    {
        if (!RrsigRecord.TryRead(rrsigRData, out var rrsig) || rrsig.TypeCovered != type || rrsig.KeyTag != KeyTag.Compute(dnskey))
            return false;
        var data = SignedData.Build(rrsig.SignedPart, rrsig.Labels, rrsig.OriginalTtl, owner, type, RecordClass.IN, rdatas);
        return data is not null && SignatureVerifier.Verify(rrsig.Algorithm, dnskey.AsSpan(4), data, rrsig.Signature);
    }

    public static ushort[] BitmapTypes(ReadOnlySpan<byte> bitmap)
    {
        var types = new List<ushort>();
        int pos = 0;
        while (pos + 2 <= bitmap.Length)
        {
            int window = bitmap[pos], length = bitmap[pos + 1];
            for (int b = 0; b < length; b++)
                for (int bit = 0; bit < 8; bit++)
                    if ((bitmap[pos + 2 + b] & (0x80 >> bit)) != 0)
                        types.Add((ushort)(window * 256 + b * 8 + bit));
            pos += 2 + length;
        }
        return [.. types];
    }

    public static ushort TypeCovered(byte[] rrsig) => BinaryPrimitives.ReadUInt16BigEndian(rrsig);
}
