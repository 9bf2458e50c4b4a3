using DnsHost.Protocol;

namespace DnsHost.Tests.Infrastructure;

/// <summary>Builds query messages for tests.</summary>
public static class TestQuery
{
    public static byte[] Build(string name, RecordType type, ushort id = 0x1234, bool rd = false, int? ednsSize = 1232,
        bool dnssecOk = false, byte ednsVersion = 0, ushort cls = RecordClass.IN, byte opcode = 0, byte[]? ednsOptions = null) =>
        Build(name, (ushort)type, id, rd, ednsSize, dnssecOk, ednsVersion, cls, opcode, ednsOptions);

    public static byte[] Build(string name, ushort type, ushort id = 0x1234, bool rd = false, int? ednsSize = 1232,
        bool dnssecOk = false, byte ednsVersion = 0, ushort cls = RecordClass.IN, byte opcode = 0, byte[]? ednsOptions = null)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = id;
        writer.Flags = (ushort)((opcode << 11) | (rd ? DnsHeader.RdBit : 0));
        Assert.True(writer.TryWriteQuestion(DnsName.Parse(name.EndsWith('.') ? name : name + "."), type, cls));
        if (ednsSize is int size)
            Assert.True(writer.TryWriteOpt((ushort)size, 0, ednsVersion, dnssecOk ? EdnsInfo.DoBit : (ushort)0, ednsOptions ?? []));
        int length = writer.Finish();
        return buffer[..length];
    }
}
