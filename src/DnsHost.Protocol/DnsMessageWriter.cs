using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DnsHost.Protocol;

/// <summary>
/// Writes one DNS message into a caller's buffer, compressing names (RFC 1035 4.1.4).
/// Every TryWriteX returns false, leaving the message as it was, when the item would pass
/// <see cref="Limit"/>, so the caller can set TC and stop cleanly. Never allocates.
/// </summary>
public ref struct DnsMessageWriter
{
    private const int MaxCompressionTargets = 96;

    private readonly Span<byte> _buffer;
    private int _position;
    private int _limit;
    private DnsHeader _header;
    private CompressionTargets _targets;
    private int _targetCount;

    [InlineArray(MaxCompressionTargets)]
    private struct CompressionTargets
    {
        private ushort _element0;
    }

    public DnsMessageWriter(Span<byte> buffer, int limit)
    {
        _buffer = buffer;
        _limit = Math.Min(limit, buffer.Length);
        _position = DnsHeader.Size;
        _header = default;
        _targetCount = 0;
    }

    public readonly int Position => _position;
    public readonly int Limit => _limit;
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Lowers (or raises, up to the buffer) the size the message may reach, for example to keep room for OPT.</summary>
    public void SetLimit(int limit) => _limit = Math.Min(limit, _buffer.Length);

    public ushort Id { readonly get => _header.Id; set => _header.Id = value; }
    public ushort Flags { readonly get => _header.Flags; set => _header.Flags = value; }
    public readonly ushort AnswerCount => _header.AnswerCount;
    public readonly ushort AuthorityCount => _header.AuthorityCount;
    public readonly ushort AdditionalCount => _header.AdditionalCount;

    /// <summary>Sets the RCODE's low four bits in the header (the high bits go in OPT).</summary>
    public void SetResponseCode(ResponseCode code) => _header.Flags = (ushort)((_header.Flags & 0xFFF0) | ((ushort)code & 0xF));

    /// <summary>A mark to rewind to, dropping everything written after it.</summary>
    public readonly WriterMark Mark() => new(_position, _targetCount, _header.QuestionCount, _header.AnswerCount, _header.AuthorityCount, _header.AdditionalCount);

    public void Rewind(WriterMark mark)
    {
        _position = mark.Position;
        _targetCount = mark.TargetCount;
        _header.QuestionCount = mark.QuestionCount;
        _header.AnswerCount = mark.AnswerCount;
        _header.AuthorityCount = mark.AuthorityCount;
        _header.AdditionalCount = mark.AdditionalCount;
    }

    /// <summary>
    /// Replaces everything after the header with <paramref name="saved"/>: the octets from the header's end to
    /// <paramref name="end"/>.Position of a message this writer (or another) wrote before, taking that message's counts.
    /// Its compression pointers stay valid (they point inside the octets restored); later names are not compressed
    /// against them. False, leaving the message as it was, when it would pass <see cref="Limit"/>.
    /// </summary>
    public bool TryRestore(scoped ReadOnlySpan<byte> saved, WriterMark end)
    {
        if (end.Position > _limit || saved.Length != end.Position - DnsHeader.Size)
            return false;
        saved.CopyTo(_buffer[DnsHeader.Size..]);
        Rewind(end with { TargetCount = 0 });
        return true;
    }

    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> name, ushort type, ushort cls)
    {
        var mark = Mark();
        if (!TryWriteName(name, compress: true) || !TryWriteUInt16(type) || !TryWriteUInt16(cls))
        {
            Rewind(mark);
            return false;
        }
        _header.QuestionCount++;
        return true;
    }

    /// <summary>Writes one resource record whose RDATA is stored uncompressed (as in a zone).</summary>
    public bool TryWriteRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, ushort type, ushort cls, uint ttl, scoped ReadOnlySpan<byte> rdata)
    {
        var mark = Mark();
        if (!TryWriteName(owner, compress: true) || !TryWriteUInt16(type) || !TryWriteUInt16(cls) || !TryWriteUInt32(ttl) || _limit - _position < 2)
        {
            Rewind(mark);
            return false;
        }
        int lengthAt = _position;
        _position += 2;
        if (!TryWriteRData(type, rdata))
        {
            Rewind(mark);
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(_position - lengthAt - 2));
        Count(section);
        return true;
    }

    /// <summary>Writes the OPT pseudo-record (RFC 6891 6.1.2); it must fit even past <see cref="Limit"/> when room was reserved.</summary>
    public bool TryWriteOpt(ushort udpPayloadSize, byte extendedRcode, byte version, ushort flags, scoped ReadOnlySpan<byte> options = default)
    {
        int size = 11 + options.Length;
        if (_buffer.Length - _position < size)
            return false;
        var span = _buffer[_position..];
        span[0] = 0; // root owner
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)RecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(span[3..], udpPayloadSize);
        span[5] = extendedRcode;
        span[6] = version;
        BinaryPrimitives.WriteUInt16BigEndian(span[7..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(span[9..], (ushort)options.Length);
        options.CopyTo(span[11..]);
        _position += size;
        _header.AdditionalCount++;
        return true;
    }

    /// <summary>Writes the header counts and flags into the buffer and returns the message length.</summary>
    public int Finish()
    {
        _header.Write(_buffer);
        return _position;
    }

    private void Count(DnsSection section)
    {
        switch (section)
        {
            case DnsSection.Answer: _header.AnswerCount++; break;
            case DnsSection.Authority: _header.AuthorityCount++; break;
            default: _header.AdditionalCount++; break;
        }
    }

    private bool TryWriteRData(ushort type, scoped ReadOnlySpan<byte> rdata)
    {
        if (!RecordData.HasCompressibleNames(type))
            return TryWriteBytes(rdata);
        // The descriptor table says where the names are; only those marked compressible are compressed (RFC 3597 4).
        int pos = 0;
        foreach (var name in RecordTypeInfo.EnumerateNames(type, rdata))
        {
            if (!TryWriteBytes(rdata[pos..name.Offset]) || !TryWriteName(rdata.Slice(name.Offset, name.Length), compress: name.Compressible))
                return false;
            pos = name.Offset + name.Length;
        }
        return TryWriteBytes(rdata[pos..]);
    }

    private bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (_limit - _position < bytes.Length)
            return false;
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
        return true;
    }

    private bool TryWriteUInt16(ushort value)
    {
        if (_limit - _position < 2)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
        return true;
    }

    private bool TryWriteUInt32(uint value)
    {
        if (_limit - _position < 4)
            return false;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
        return true;
    }

    /// <summary>
    /// Writes an uncompressed wire name, replacing its longest suffix already in the message by a pointer.
    /// Names already written are remembered by the offsets of their labels (below 0x3FFF, RFC 1035 4.1.4).
    /// </summary>
    public bool TryWriteName(scoped ReadOnlySpan<byte> name, bool compress)
    {
        int start = _position;
        int pos = 0;
        bool pointer = false;
        while (name[pos] != 0)
        {
            if (compress)
            {
                // Only names already complete may be pointed at (their labels are registered below,
                // once written), or "test.test." would end in a pointer to itself.
                int match = FindSuffix(name[pos..], _targetCount);
                if (match >= 0)
                {
                    if (_limit - _position < 2)
                    {
                        _position = start;
                        return false;
                    }
                    BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)(0xC000 | match));
                    _position += 2;
                    pointer = true;
                    break;
                }
            }
            int labelSize = name[pos] + 1;
            if (_limit - _position < labelSize)
            {
                _position = start;
                return false;
            }
            name.Slice(pos, labelSize).CopyTo(_buffer[_position..]);
            _position += labelSize;
            pos += labelSize;
        }
        if (!pointer)
        {
            if (_limit - _position < 1)
            {
                _position = start;
                return false;
            }
            _buffer[_position++] = 0;
        }
        // Remember the labels just written only now that the whole name is in the buffer, so a later
        // pointer (or a suffix of this very name) never refers to bytes not yet written.
        for (int offset = start; offset < _position && _buffer[offset] != 0 && (_buffer[offset] & 0xC0) == 0; offset += _buffer[offset] + 1)
        {
            if (offset >= 0x3FFF || _targetCount >= MaxCompressionTargets)
                break;
            _targets[_targetCount++] = (ushort)offset;
        }
        return true;
    }

    private readonly int FindSuffix(scoped ReadOnlySpan<byte> suffix, int targetCount)
    {
        for (int i = 0; i < targetCount; i++)
        {
            if (NameAtEquals(_targets[i], suffix))
                return _targets[i];
        }
        return -1;
    }

    /// <summary>Compares the (possibly compressed) name at <paramref name="offset"/> in the output with an uncompressed name.</summary>
    private readonly bool NameAtEquals(int offset, scoped ReadOnlySpan<byte> name)
    {
        int pos = 0;
        int hops = 0;
        while (true)
        {
            byte len = _buffer[offset];
            if ((len & 0xC0) == 0xC0)
            {
                if (++hops > 64) return false;
                offset = ((len & 0x3F) << 8) | _buffer[offset + 1];
                continue;
            }
            if (len != name[pos])
                return false;
            if (len == 0)
                return true;
            if (!DnsName.EqualsIgnoreCase(_buffer.Slice(offset + 1, len), name.Slice(pos + 1, len)))
                return false;
            offset += len + 1;
            pos += len + 1;
        }
    }
}

public enum DnsSection : byte
{
    Answer,
    Authority,
    Additional,
}

public readonly record struct WriterMark(int Position, int TargetCount, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount);
