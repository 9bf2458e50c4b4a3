using System.Buffers.Binary;
using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// The DNSSEC primitives against known vectors: RFC 5155 appendix A hashes, the IANA root KSK's key
/// tag and DS, and zones signed by ldns-signzone and BIND's dnssec-signzone (files in Vectors/, made
/// once with those tools; their signatures run to 2037) for every algorithm the resolver validates.
/// </summary>
public sealed class DnssecPrimitiveTests
{
    private static string Vector(string file) => Path.Combine(AppContext.BaseDirectory, "Dnssec", "Vectors", file);

    // RFC 5155 appendix A: salt aabbccdd, 12 iterations.
    [Theory]
    [InlineData("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")]
    [InlineData("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl")]
    [InlineData("ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi")]
    [InlineData("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr")]
    [InlineData("w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h")]
    [InlineData("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en")]
    [InlineData("X.W.Example.", "b4um86eghhds6nea196smvmlo4ors995")]
    [InlineData("xx.example.", "t644ebqk9bibcna874givr6joj62mlhv")]
    public void Nsec3_hash_matches_rfc5155_appendix_a(string name, string expected)
    {
        Span<byte> hash = stackalloc byte[Nsec3Hash.Length];
        Assert.True(Nsec3Hash.TryCompute(Nsec3Hash.Sha1, DnsName.Parse(name), Convert.FromHexString("aabbccdd"), 12, hash));
        Assert.Equal(expected, Nsec3Hash.ToBase32Hex(hash));
        Span<byte> back = stackalloc byte[32];
        Assert.Equal(20, Nsec3Hash.FromBase32Hex(System.Text.Encoding.ASCII.GetBytes(expected.ToUpperInvariant()), back));
        Assert.True(back[..20].SequenceEqual(hash));
    }

    [Fact]
    public void Nsec3_hash_refuses_an_unknown_algorithm() =>
        Assert.False(Nsec3Hash.TryCompute(2, DnsName.Parse("example."), [], 0, new byte[20]));

    // The IANA root KSK-2017 (from root-anchors.xml): key tag 20326 and the DS every resolver ships.
    private const string RootKsk2017 =
        "257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=";

    [Fact]
    public void Key_tag_and_ds_digest_of_the_root_ksk()
    {
        var key = Parse("DNSKEY", RootKsk2017);
        Assert.Equal(20326, KeyTag.Compute(key));
        Span<byte> digest = stackalloc byte[32];
        Assert.Equal(32, DsDigest.Compute(DsDigestType.Sha256, DnsName.Root, key, digest));
        Assert.Equal("E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D", Convert.ToHexString(digest));
        Assert.True(DsDigest.Matches(Parse("DS", "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"), DnsName.Root, key));
        Assert.False(DsDigest.Matches(Parse("DS", "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8E"), DnsName.Root, key));
        Assert.False(DsDigest.Matches(Parse("DS", "20326 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"), DnsName.Root, key));
    }

    [Fact]
    public void Ds_records_made_by_ldns_and_bind_match_their_keys()
    {
        var keys = Directory.GetFiles(Path.GetDirectoryName(Vector("ds.txt"))!, "*.zone").SelectMany(ZoneLine.Read)
            .Where(r => r.Type == (ushort)RecordType.DNSKEY).ToList();
        var dsLines = ZoneLine.Read(Vector("ds.txt"));
        Assert.Equal(12, dsLines.Count);
        foreach (var ds in dsLines)
        {
            var tag = BinaryPrimitives.ReadUInt16BigEndian(ds.RData);
            Assert.True(keys.Any(k => DsDigest.Matches(ds.RData, ds.Owner, k.RData)), $"DS {tag} digest {ds.RData[3]} matches no key");
        }
    }

    public static TheoryData<string> SignedZones => new()
    {
        "ldns-RSASHA256.zone", "ldns-RSASHA512.zone", "ldns-ECDSAP256SHA256.zone", "ldns-ECDSAP384SHA384.zone",
        "ldns-ED25519.zone", "bind-nsec3-ECDSAP256SHA256.zone",
    };

    [Theory]
    [MemberData(nameof(SignedZones))]
    public void Every_signature_of_a_signed_zone_verifies(string file)
    {
        var records = ZoneLine.Read(Vector(file));
        var keys = records.Where(r => r.Type == (ushort)RecordType.DNSKEY).ToList();
        int checkedCount = 0;
        foreach (var sig in records.Where(r => r.Type == (ushort)RecordType.RRSIG))
        {
            Assert.True(RrsigRecord.TryRead(sig.RData, out var rrsig));
            var data = SignedDataFor(records, sig.Owner, rrsig);
            ushort tag = rrsig.KeyTag;
            var key = keys.Single(k => KeyTag.Compute(k.RData) == tag);
            DnskeyRecord.TryRead(key.RData, out var dnskey);
            Assert.True(SignatureVerifier.Verify(rrsig.Algorithm, dnskey.PublicKey, data, rrsig.Signature),
                $"{DnsName.ToText(sig.Owner)} RRSIG {RecordData.TypeToText(rrsig.TypeCovered)}");
            // One flipped bit in the signature or in the data, and it no longer verifies.
            var badSignature = rrsig.Signature.ToArray();
            badSignature[badSignature.Length / 2] ^= 0x01;
            Assert.False(SignatureVerifier.Verify(rrsig.Algorithm, dnskey.PublicKey, data, badSignature));
            data[^1] ^= 0x80;
            Assert.False(SignatureVerifier.Verify(rrsig.Algorithm, dnskey.PublicKey, data, rrsig.Signature));
            checkedCount++;
        }
        Assert.True(checkedCount >= 10);
    }

    [Fact]
    public void A_wildcard_expansion_verifies_with_the_wildcard_owner()
    {
        var records = ZoneLine.Read(Vector("ldns-ED25519.zone"));
        var wildcard = DnsName.Parse("*.wild.example.test.");
        var sig = records.Single(r => r.Type == (ushort)RecordType.RRSIG && r.Owner.AsSpan().SequenceEqual(wildcard)
            && BinaryPrimitives.ReadUInt16BigEndian(r.RData) == (ushort)RecordType.TXT);
        RrsigRecord.TryRead(sig.RData, out var rrsig);
        var txt = records.Where(r => r.Type == (ushort)RecordType.TXT).Select(r => r.RData).ToList();
        // The answer to "Some.Name.wild.example.test TXT": the owner has more labels than the RRSIG's 3.
        var data = SignedData.Build(rrsig.SignedPart, rrsig.Labels, rrsig.OriginalTtl, DnsName.Parse("Some.Name.wild.example.test."), (ushort)RecordType.TXT, 1, txt)!;
        var key = records.Single(r => r.Type == (ushort)RecordType.DNSKEY);
        DnskeyRecord.TryRead(key.RData, out var dnskey);
        Assert.True(SignatureVerifier.Verify(rrsig.Algorithm, dnskey.PublicKey, data, rrsig.Signature));
        // Claiming more labels than the owner has is refused (RFC 4035 5.3.1).
        Assert.Null(SignedData.Build(rrsig.SignedPart, 4, rrsig.OriginalTtl, DnsName.Parse("wild.example.test."), (ushort)RecordType.TXT, 1, txt));
    }

    [Fact]
    public void Canonical_order_follows_rfc4034_section_6_1()
    {
        // RFC 4034 6.1's example, in order.
        string[] names = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."];
        for (int i = 0; i + 1 < names.Length; i++)
            Assert.True(CanonicalName.Compare(DnsName.Parse(names[i]), DnsName.Parse(names[i + 1])) < 0, $"{names[i]} < {names[i + 1]}");
        Assert.Equal(0, CanonicalName.Compare(DnsName.Parse("Z.a.example."), DnsName.Parse("z.A.example.")));
        // Covered: strictly between owner and next; the last NSEC wraps round to the apex.
        Assert.True(CanonicalName.IsCovered(DnsName.Parse("b.example."), DnsName.Parse("a.example."), DnsName.Parse("z.example.")));
        Assert.False(CanonicalName.IsCovered(DnsName.Parse("a.example."), DnsName.Parse("a.example."), DnsName.Parse("z.example.")));
        Assert.True(CanonicalName.IsCovered(DnsName.Parse("zz.example."), DnsName.Parse("z.example."), DnsName.Parse("example.")));
    }

    [Fact]
    public void Signature_validity_uses_serial_arithmetic_and_skew()
    {
        uint inception = 1_700_000_000, expiration = 1_700_100_000;
        var inside = DateTimeOffset.FromUnixTimeSeconds(1_700_050_000);
        Assert.Equal(SignatureTime.Valid, SignatureWindow.Check(inception, expiration, inside, 0));
        Assert.Equal(SignatureTime.Expired, SignatureWindow.Check(inception, expiration, DateTimeOffset.FromUnixTimeSeconds(1_700_100_001), 0));
        Assert.Equal(SignatureTime.Valid, SignatureWindow.Check(inception, expiration, DateTimeOffset.FromUnixTimeSeconds(1_700_100_001), 60));
        Assert.Equal(SignatureTime.NotYetValid, SignatureWindow.Check(inception, expiration, DateTimeOffset.FromUnixTimeSeconds(1_699_999_000), 60));
        // RFC 4034 3.1.5: a window across the 2106 wrap of 32-bit seconds still works.
        var afterWrap = DateTimeOffset.FromUnixTimeSeconds(0x1_0000_0010);
        Assert.Equal(SignatureTime.Valid, SignatureWindow.Check(0xFFFF_FF00, 0x100, afterWrap, 0));
    }

    [Fact]
    public void Type_bitmap_lookup()
    {
        // NSEC of "example.test." from the ldns zone: NS SOA RRSIG NSEC DNSKEY.
        var nsec = Parse("NSEC", "mail.example.test. NS SOA RRSIG NSEC DNSKEY TYPE1234");
        var bitmap = nsec[RecordTypeInfo.NameEnd(nsec, 0)..];
        Assert.True(NsecTypes.Contains(bitmap, (ushort)RecordType.SOA));
        Assert.True(NsecTypes.Contains(bitmap, (ushort)RecordType.DNSKEY));
        Assert.True(NsecTypes.Contains(bitmap, 1234));
        Assert.False(NsecTypes.Contains(bitmap, (ushort)RecordType.A));
        Assert.False(NsecTypes.Contains(bitmap, (ushort)RecordType.DS));
        Assert.False(NsecTypes.Contains(bitmap, 1235));
    }

    [Fact]
    public void Malformed_keys_and_signatures_are_refused_without_throwing()
    {
        byte[] data = [1, 2, 3];
        foreach (byte algorithm in new byte[] { 5, 8, 10, 13, 14, 15, 16, 99 })
        {
            Assert.False(SignatureVerifier.Verify(algorithm, [], data, []));
            Assert.False(SignatureVerifier.Verify(algorithm, [3, 1, 0, 1], data, new byte[64]));
            Assert.False(SignatureVerifier.Verify(algorithm, new byte[64], data, new byte[64]));
        }
        Assert.False(RrsigRecord.TryRead([0, 1, 8], out _));
        Assert.False(DnskeyRecord.TryRead([1, 0, 3], out _));
    }

    private static byte[] SignedDataFor(List<ZoneLine> records, byte[] owner, RrsigRecord rrsig)
    {
        ushort covered = rrsig.TypeCovered;
        var set = records.Where(r => r.Type == covered && DnsName.EqualsIgnoreCase(r.Owner, owner)).ToList();
        Assert.NotEmpty(set);
        // Signed with the original TTL, whatever TTL the record carries now.
        return SignedData.Build(rrsig.SignedPart, rrsig.Labels, rrsig.OriginalTtl, set[0].Owner, rrsig.TypeCovered, RecordClass.IN, set.Select(r => r.RData).ToList())!;
    }

    private static byte[] Parse(string type, string value)
    {
        Assert.True(DnsHost.Zones.MasterFiles.MasterFileParser.TryParseRData(type, value, out var rdata, out var error), error);
        return rdata;
    }
}
