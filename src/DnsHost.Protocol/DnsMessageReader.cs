using System.Buffers.Binary;

namespace DnsHost.Protocol;

/// <summary>A question as read from a message; the name itself sits in the caller's buffer.</summary>
public struct DnsQuestion
{
    /// <summary>Length of the uncompressed wire name written to the caller's buffer.</summary>
    public int NameLength;
    public ushort Type;
    public ushort Class;
}

/// <summary>A resource record as read from a message: the owner is in the caller's buffer, the RDATA is located in the message.</summary>
public struct DnsRecordView
{
    public int NameLength;
    public ushort Type;
    public ushort Class;
    public uint Ttl;
    public int RDataOffset;
    public int RDataLength;
}

/// <summary>
/// Forward-only reader over one DNS message, in the manner of Utf8JsonReader: every step is a
/// TryReadX that returns false on malformed input and leaves the reason in <see cref="Error"/>.
/// It never allocates and never throws on bad input.
/// </summary>
public ref struct DnsMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;

    public DnsMessageReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        _position = 0;
        Error = DnsReadError.None;
    }

    public DnsReadError Error { get; private set; }

    /// <summary>Accept records without RDATA whatever their type: an UPDATE's deletions and prerequisites have none (RFC 2136 2.4, 2.5).</summary>
    public bool AllowEmptyRData { get; set; }
    public readonly int Position => _position;
    public readonly int Remaining => _message.Length - _position;
    public readonly ReadOnlySpan<byte> Message => _message;

    public bool TryReadHeader(out DnsHeader header)
    {
        if (!DnsHeader.TryRead(_message, out header))
            return Fail(DnsReadError.ShortHeader);
        _position = DnsHeader.Size;
        return true;
    }

    public bool TryReadQuestion(scoped Span<byte> nameBuffer, out DnsQuestion question)
    {
        question = default;
        if (!TryReadName(nameBuffer, out question.NameLength))
            return false;
        if (_message.Length - _position < 4)
            return Fail(DnsReadError.Truncated);
        question.Type = BinaryPrimitives.ReadUInt16BigEndian(_message[_position..]);
        question.Class = BinaryPrimitives.ReadUInt16BigEndian(_message[(_position + 2)..]);
        _position += 4;
        return true;
    }

    public bool TryReadRecord(scoped Span<byte> nameBuffer, out DnsRecordView record)
    {
        record = default;
        if (!TryReadName(nameBuffer, out record.NameLength))
            return false;
        if (_message.Length - _position < 10)
            return Fail(DnsReadError.Truncated);
        var fixedPart = _message.Slice(_position, 10);
        record.Type = BinaryPrimitives.ReadUInt16BigEndian(fixedPart);
        record.Class = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[2..]);
        record.Ttl = BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..]);
        record.RDataLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[8..]);
        _position += 10;
        record.RDataOffset = _position;
        if (_message.Length - _position < record.RDataLength)
            return Fail(DnsReadError.Truncated);
        if (!(AllowEmptyRData && record.RDataLength == 0) && !RecordData.IsWellFormed(record.Type, _message, record.RDataOffset, record.RDataLength))
            return Fail(DnsReadError.RDataLengthMismatch);
        _position += record.RDataLength;
        return true;
    }

    /// <summary>Reads a possibly compressed name at the current position into <paramref name="destination"/> (uncompressed).</summary>
    public bool TryReadName(scoped Span<byte> destination, out int length)
    {
        var error = ReadName(_message, ref _position, destination, out length);
        return error == DnsReadError.None || Fail(error);
    }

    /// <summary>
    /// Decompresses the name at <paramref name="position"/>. A pointer must point strictly before the
    /// start of the label run that contains it, so every chain of pointers strictly descends and ends.
    /// </summary>
    public static DnsReadError ReadName(ReadOnlySpan<byte> message, ref int position, Span<byte> destination, out int length)
    {
        length = 0;
        int pos = position;
        int runStart = pos;
        int resume = -1;
        while (true)
        {
            if (pos >= message.Length)
                return DnsReadError.Truncated;
            byte len = message[pos];
            if (len == 0)
            {
                if (length + 1 > DnsName.MaxLength)
                    return DnsReadError.NameTooLong;
                if (length >= destination.Length)
                    return DnsReadError.NameTooLong;
                destination[length++] = 0;
                pos++;
                break;
            }
            switch (len & 0xC0)
            {
                case 0x00:
                    if (pos + 1 + len > message.Length)
                        return DnsReadError.Truncated;
                    if (length + 1 + len + 1 > DnsName.MaxLength || length + 1 + len >= destination.Length)
                        return DnsReadError.NameTooLong;
                    message.Slice(pos, len + 1).CopyTo(destination[length..]);
                    length += len + 1;
                    pos += len + 1;
                    break;
                case 0xC0:
                    if (pos + 1 >= message.Length)
                        return DnsReadError.Truncated;
                    int target = ((len & 0x3F) << 8) | message[pos + 1];
                    if (target >= runStart)
                        return target >= message.Length ? DnsReadError.PointerPastEnd : DnsReadError.PointerNotBackwards;
                    if (resume < 0)
                        resume = pos + 2;
                    pos = runStart = target;
                    break;
                default:
                    // RFC 6891 retired the extended label types; 0x40 and 0x80 are not valid here.
                    return DnsReadError.BadLabelType;
            }
        }
        position = resume >= 0 ? resume : pos;
        return DnsReadError.None;
    }

    /// <summary>Skips a name without copying it, checking it as <see cref="ReadName"/> does.</summary>
    public static DnsReadError SkipName(ReadOnlySpan<byte> message, ref int position)
    {
        Span<byte> scratch = stackalloc byte[DnsName.MaxLength + 1];
        return ReadName(message, ref position, scratch, out _);
    }

    /// <summary>
    /// Reads the OPT pseudo-record (RFC 6891) whose fixed part was just read as <paramref name="record"/>.
    /// The owner must be the root (<see cref="DnsReadError.BadOptRecord"/>); options must be well formed
    /// (<see cref="DnsReadError.BadOption"/>).
    /// </summary>
    public bool TryReadEdns(in DnsRecordView record, out EdnsInfo edns)
    {
        edns = default;
        // RFC 6891 6.1.2: the OPT owner MUST be the root.
        if (record.NameLength != 1)
            return Fail(DnsReadError.BadOptRecord);
        edns.Present = true;
        edns.UdpPayloadSize = record.Class;
        edns.ExtendedRcode = (byte)(record.Ttl >> 24);
        edns.Version = (byte)(record.Ttl >> 16);
        edns.Flags = (ushort)record.Ttl;
        int pos = record.RDataOffset, end = record.RDataOffset + record.RDataLength;
        while (pos < end)
        {
            if (end - pos < 4)
                return Fail(DnsReadError.BadOption);
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(_message[pos..]);
            ushort len = BinaryPrimitives.ReadUInt16BigEndian(_message[(pos + 2)..]);
            pos += 4;
            if (end - pos < len)
                return Fail(DnsReadError.BadOption);
            var data = _message.Slice(pos, len);
            switch (code)
            {
                case EdnsOption.ClientSubnet:
                    if (!edns.ClientSubnet.TryParse(data))
                        return Fail(DnsReadError.BadOption);
                    break;
                case EdnsOption.Cookie:
                    // RFC 7873 5.2.2: a client cookie alone is 8 bytes; with a server cookie 16 to 40.
                    if (len != 8 && (len < 16 || len > 40))
                        return Fail(DnsReadError.BadOption);
                    edns.CookieOffset = pos;
                    edns.CookieLength = len;
                    break;
                case EdnsOption.Padding:
                    edns.PaddingLength = len;
                    break;
                default:
                    edns.UnknownOptionCount++;
                    break;
            }
            pos += len;
        }
        return true;
    }

    private bool Fail(DnsReadError error)
    {
        Error = error;
        return false;
    }
}
