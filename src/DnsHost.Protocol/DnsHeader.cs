using System.Buffers.Binary;

namespace DnsHost.Protocol;

/// <summary>The fixed 12-byte message header of RFC 1035 4.1.1.</summary>
public struct DnsHeader
{
    public const int Size = 12;

    public ushort Id;
    public ushort Flags;
    public ushort QuestionCount;
    public ushort AnswerCount;
    public ushort AuthorityCount;
    public ushort AdditionalCount;

    public const ushort QrBit = 0x8000;
    public const ushort AaBit = 0x0400;
    public const ushort TcBit = 0x0200;
    public const ushort RdBit = 0x0100;
    public const ushort RaBit = 0x0080;
    public const ushort AdBit = 0x0020;
    public const ushort CdBit = 0x0010;

    public readonly bool IsResponse => (Flags & QrBit) != 0;
    public readonly OpCode OpCode => (OpCode)((Flags >> 11) & 0xF);
    public readonly bool RecursionDesired => (Flags & RdBit) != 0;
    public readonly bool CheckingDisabled => (Flags & CdBit) != 0;
    public readonly bool Truncated => (Flags & TcBit) != 0;
    public readonly bool Authoritative => (Flags & AaBit) != 0;
    public readonly byte ResponseCodeLow => (byte)(Flags & 0xF);

    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < Size)
        {
            header = default;
            return false;
        }
        header = new DnsHeader
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            QuestionCount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            AnswerCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            AuthorityCount = BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            AdditionalCount = BinaryPrimitives.ReadUInt16BigEndian(message[10..]),
        };
        return true;
    }

    public readonly void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
    }
}
