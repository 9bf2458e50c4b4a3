using System.Buffers.Binary;

namespace DnsHost.Protocol.Tsig;

/// <summary>TSIG error codes (RFC 8945 3, the TSIG RR's Error field).</summary>
public static class TsigError
{
    public const ushort None = 0;
    public const ushort BadSig = 16;
    public const ushort BadKey = 17;
    public const ushort BadTime = 18;
    public const ushort BadTrunc = 22;
}

/// <summary>
/// The TSIG record of a message (RFC 8945 4.2), copied out of it: it is the last record of the
/// additional section, and <see cref="RecordStart"/> is where it begins (what precedes it is what the
/// MAC covers).
/// </summary>
public sealed class TsigRecord
{
    public const ushort Type = 250;

    /// <summary>Lower-cased key name.</summary>
    public required byte[] KeyName { get; init; }
    /// <summary>Lower-cased algorithm name.</summary>
    public required byte[] AlgorithmName { get; init; }
    public ulong TimeSigned { get; init; }
    public ushort Fudge { get; init; }
    public required byte[] Mac { get; init; }
    public ushort OriginalId { get; init; }
    public ushort Error { get; init; }
    public required byte[] OtherData { get; init; }
    public int RecordStart { get; init; }

    /// <summary>
    /// Finds the TSIG record. Returns false when there is none; <paramref name="malformed"/> is set when
    /// one is there but not last, not class ANY, or its RDATA does not parse (RFC 8945 5.2: FORMERR).
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> message, out TsigRecord? tsig, out bool malformed)
    {
        (tsig, malformed) = (null, false);
        var reader = new DnsMessageReader(message) { AllowEmptyRData = true };
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        if (!reader.TryReadHeader(out var header))
            return false;
        for (int i = 0; i < header.QuestionCount; i++)
        {
            if (!reader.TryReadQuestion(name, out _))
                return false;
        }
        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        for (int i = 0; i < total; i++)
        {
            int start = reader.Position;
            if (!reader.TryReadRecord(name, out var record))
                return false;
            if (record.Type != Type)
                continue;
            if (i != total - 1 || i < header.AnswerCount + header.AuthorityCount || record.Class != RecordClass.Any)
            {
                malformed = true;
                return true;
            }
            var owner = new byte[record.NameLength];
            DnsName.ToLower(name[..record.NameLength], owner);
            tsig = TryParseRData(message, record.RDataOffset, record.RDataLength, owner, start);
            malformed = tsig is null;
            return true;
        }
        return false;
    }

    private static TsigRecord? TryParseRData(ReadOnlySpan<byte> message, int offset, int length, byte[] keyName, int start)
    {
        int end = offset + length;
        int position = offset;
        Span<byte> algorithm = stackalloc byte[DnsName.MaxLength + 1];
        // RFC 8945 4.2: the algorithm name is not compressed; a pointer is read leniently all the same.
        if (DnsMessageReader.ReadName(message, ref position, algorithm, out int algorithmLength) != DnsReadError.None)
            return null;
        if (end - position < 10)
            return null;
        var rdata = message[position..end];
        ulong time = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(rdata) << 32) | BinaryPrimitives.ReadUInt32BigEndian(rdata[2..]);
        ushort fudge = BinaryPrimitives.ReadUInt16BigEndian(rdata[6..]);
        int macSize = BinaryPrimitives.ReadUInt16BigEndian(rdata[8..]);
        if (rdata.Length < 10 + macSize + 6)
            return null;
        var mac = rdata.Slice(10, macSize).ToArray();
        var rest = rdata[(10 + macSize)..];
        ushort originalId = BinaryPrimitives.ReadUInt16BigEndian(rest);
        ushort error = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(rest[4..]);
        if (rest.Length != 6 + otherLength)
            return null;
        var lowerAlgorithm = new byte[algorithmLength];
        DnsName.ToLower(algorithm[..algorithmLength], lowerAlgorithm);
        return new TsigRecord
        {
            KeyName = keyName,
            AlgorithmName = lowerAlgorithm,
            TimeSigned = time,
            Fudge = fudge,
            Mac = mac,
            OriginalId = originalId,
            Error = error,
            OtherData = rest.Slice(6, otherLength).ToArray(),
            RecordStart = start,
        };
    }
}
