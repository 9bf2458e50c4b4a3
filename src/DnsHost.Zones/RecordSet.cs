using System.Buffers.Binary;
using System.Diagnostics;
using DnsHost.Protocol;

namespace DnsHost.Zones;

/// <summary>
/// An RRset as the answer path needs it: owner, type, one TTL (RFC 2181 5.2) and the RDATA of each
/// record in uncompressed wire form. A view over a block in a zone's data arena (or a small buffer of
/// its own for Route 53 routed sets), so a zone of a million records holds no per-record objects.
/// </summary>
/// <remarks>
/// Block layout: type (u16), TTL (u32), record count (u16), then per record its length (u16) and RDATA.
/// </remarks>
public readonly struct RecordSet
{
    internal const int HeaderSize = 8;
    private readonly byte[] _block;
    private readonly int _offset;
    private readonly byte[] _owner;
    private readonly int _ownerOffset;
    private readonly int _ownerLength;

    internal RecordSet(byte[] block, int offset, byte[] ownerArena, int ownerOffset, int ownerLength)
    {
        Debug.Assert(offset + HeaderSize <= block.Length);
        _block = block;
        _offset = offset;
        _owner = ownerArena;
        _ownerOffset = ownerOffset;
        _ownerLength = ownerLength;
    }

    /// <summary>A set of its own (Route 53 routed and alias sets); the owner is lower-cased.</summary>
    public RecordSet(byte[] owner, ushort type, uint ttl, byte[][] rdata)
    {
        int size = HeaderSize;
        foreach (var r in rdata)
            size += 2 + r.Length;
        var block = new byte[size];
        Encode(block, type, ttl, rdata.Length);
        int pos = HeaderSize;
        foreach (var r in rdata)
        {
            BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(pos), (ushort)r.Length);
            r.CopyTo(block, pos + 2);
            pos += 2 + r.Length;
        }
        var lower = new byte[owner.Length];
        DnsName.ToLower(owner, lower);
        _block = block;
        _offset = 0;
        _owner = lower;
        _ownerOffset = 0;
        _ownerLength = lower.Length;
    }

    internal static void Encode(Span<byte> header, ushort type, uint ttl, int count)
    {
        BinaryPrimitives.WriteUInt16BigEndian(header, type);
        BinaryPrimitives.WriteUInt32BigEndian(header[2..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)count);
    }

    /// <summary>The default value: no set.</summary>
    public bool IsEmpty => _block is null;

    /// <summary>Owner name in wire form, lower-cased.</summary>
    public ReadOnlySpan<byte> Owner => _owner.AsSpan(_ownerOffset, _ownerLength);
    public ushort Type => BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(_offset));
    public uint Ttl => BinaryPrimitives.ReadUInt32BigEndian(_block.AsSpan(_offset + 2));
    public int Count => BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(_offset + 6));
    public RDataList RData => new(_block, _offset + HeaderSize, Count);

    /// <summary>Bytes the set takes in its arena (header and records).</summary>
    internal int BlockLength
    {
        get
        {
            int pos = _offset + HeaderSize;
            for (int i = Count; i > 0; i--)
                pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(pos));
            return pos - _offset;
        }
    }

    internal ReadOnlySpan<byte> Block => _block.AsSpan(_offset, BlockLength);

    /// <summary>For a CNAME or DNAME set: the target name as written (first record).</summary>
    public ReadOnlySpan<byte> Target => RData[0];

    public override string ToString() => $"{DnsName.ToText(Owner)} {RecordData.TypeToText(Type)} ({Count})";
}

/// <summary>The RDATA of a <see cref="RecordSet"/>, in order, without copying.</summary>
public readonly struct RDataList
{
    private readonly byte[] _block;
    private readonly int _start;

    internal RDataList(byte[] block, int start, int count)
    {
        _block = block;
        _start = start;
        Length = count;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Length)
                throw new ArgumentOutOfRangeException(nameof(index));
            int pos = _start;
            for (int i = 0; i < index; i++)
                pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(pos));
            return _block.AsSpan(pos + 2, BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(pos)));
        }
    }

    public Enumerator GetEnumerator() => new(_block, _start, Length);

    public byte[][] ToArray()
    {
        var result = new byte[Length][];
        int i = 0;
        foreach (var r in this)
            result[i++] = r.ToArray();
        return result;
    }

    public ref struct Enumerator
    {
        private readonly byte[] _block;
        private int _next;
        private int _left;
        private ReadOnlySpan<byte> _current;

        internal Enumerator(byte[] block, int start, int count)
        {
            _block = block;
            _next = start;
            _left = count;
            _current = default;
        }

        public readonly ReadOnlySpan<byte> Current => _current;

        public bool MoveNext()
        {
            if (_left == 0)
                return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(_block.AsSpan(_next));
            _current = _block.AsSpan(_next + 2, length);
            _next += 2 + length;
            _left--;
            return true;
        }
    }
}
