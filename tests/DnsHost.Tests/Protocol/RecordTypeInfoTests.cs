using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

[Trait("Kind", "Unit")]
public class RecordTypeInfoTests
{
    [Fact]
    public void Only_the_rfc1035_types_have_compressible_names()
    {
        // RFC 3597 4: NS, CNAME, SOA, PTR and MX (and obsolete ones we do not serve); RFC 6672 2.5: not DNAME.
        var compressible = RecordTypeInfo.Known.Where(i => i.HasCompressibleNames).Select(i => i.Mnemonic).Order();
        Assert.Equal(["CNAME", "MX", "NS", "PTR", "SOA"], compressible);
        Assert.False(RecordData.HasCompressibleNames((ushort)RecordType.DNAME));
        Assert.False(RecordData.HasCompressibleNames((ushort)RecordType.SRV));
        Assert.False(RecordData.HasCompressibleNames(65280));
    }

    public static TheoryData<ushort, byte[], int, int> AdditionalTargets => new()
    {
        { (ushort)RecordType.NS, [0x02, .. "ns"u8, 0x00], 0, 4 },
        {
            (ushort)RecordType.MX,
            [
                0x00, 0x0A,                 // PREFERENCE 10
                0x01, .. "m"u8, 0x00,       // EXCHANGE m.
            ], 2, 3
        },
        {
            (ushort)RecordType.SRV,
            [
                0x00, 0x00, 0x00, 0x05, 0x13, 0xC4, // PRIORITY, WEIGHT, PORT
                0x01, .. "s"u8, 0x00,               // TARGET s.
            ], 6, 3
        },
        {
            (ushort)RecordType.HTTPS,
            [
                0x00, 0x01,                 // SvcPriority 1
                0x01, .. "t"u8, 0x00,       // TargetName t.
                0x00, 0x03, 0x00, 0x02, 0x01, 0xBB, // port=443
            ], 2, 3
        },
    };

    [Theory]
    [MemberData(nameof(AdditionalTargets))]
    public void Additional_target_is_located_in_rdata(ushort type, byte[] rdata, int offset, int length)
    {
        Assert.True(RecordTypeInfo.TryGetAdditionalTarget(type, rdata, out int o, out int l));
        Assert.Equal((offset, length), (o, l));
    }

    [Fact]
    public void No_additional_target_for_other_or_malformed_rdata()
    {
        Assert.False(RecordTypeInfo.TryGetAdditionalTarget((ushort)RecordType.CNAME, [0x00], out _, out _));
        Assert.False(RecordTypeInfo.TryGetAdditionalTarget((ushort)RecordType.MX, [0x00, 0x0A, 0x05, .. "ab"u8], out _, out _));
        Assert.False(RecordTypeInfo.TryGetAdditionalTarget(65280, [0x00], out _, out _));
    }

    [Fact]
    public void Name_fields_of_soa_are_enumerated_in_order()
    {
        byte[] soa =
        [
            0x02, .. "ns"u8, 0x00,          // MNAME ns. (offset 0, 4 octets)
            0x01, .. "h"u8, 0x00,           // RNAME h. (offset 4, 3 octets)
            0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, // SERIAL .. MINIMUM
        ];
        var names = new List<RDataName>();
        foreach (var name in RecordTypeInfo.EnumerateNames((ushort)RecordType.SOA, soa))
            names.Add(name);
        Assert.Equal([new RDataName(0, 4, true), new RDataName(4, 3, true)], names);
    }

    [Fact]
    public void Helpers_do_not_allocate()
    {
        byte[] mx = [0x00, 0x0A, 0x01, .. "m"u8, 0x00];
        int sink = 0;
        for (int i = 0; i < 100; i++)
            sink += Walk(mx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            sink += Walk(mx);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink > 0);

        static int Walk(byte[] rdata)
        {
            int n = 0;
            if (RecordTypeInfo.TryGetAdditionalTarget((ushort)RecordType.MX, rdata, out int offset, out _))
                n += offset;
            foreach (var name in RecordTypeInfo.EnumerateNames((ushort)RecordType.MX, rdata))
                n += name.Length;
            if (RecordData.IsWellFormed((ushort)RecordType.MX, rdata, 0, rdata.Length))
                n++;
            return n;
        }
    }

    [Fact]
    public void Type_bitmap_and_nsec3_fields_print_like_dig()
    {
        byte[] nsec3 =
        [
            0x01, 0x01, 0x00, 0x0A,         // HASH 1, FLAGS 1 (opt-out), ITERATIONS 10
            0x02, 0xAB, 0xCD,               // SALT ABCD
            0x05, 0x00, 0x00, 0x00, 0x00, 0x01, // NEXT HASHED OWNER (base32hex 0000000001)
            0x00, 0x01, 0x40,               // window 0: A
        ];
        Assert.Equal("1 1 10 ABCD 00000001 A", RecordData.ToText((ushort)RecordType.NSEC3, nsec3));
    }
}
