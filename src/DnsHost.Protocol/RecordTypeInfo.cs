using System.Buffers.Binary;
using System.Collections.Frozen;
using K = DnsHost.Protocol.RDataFieldKind;

namespace DnsHost.Protocol;

/// <summary>
/// What the server knows about one RR type: its mnemonic and its RDATA layout as a list of fields.
/// This table is the one place that knowledge lives; the master-file parser, presentation output,
/// the wire checks, decompression, compression and additional-section processing all read it.
/// </summary>
public sealed class RecordTypeInfo
{
    private readonly RDataField[] _fields;

    private RecordTypeInfo(RecordType type, string expected, RDataField[] fields, int additionalTarget = -1)
    {
        Type = (ushort)type;
        Mnemonic = type.ToString();
        Expected = expected;
        _fields = fields;
        AdditionalTargetField = additionalTarget;
        foreach (var f in fields)
            HasCompressibleNames |= f.Kind == K.CompressibleName;
        LowercasesNames = type is RecordType.NS or RecordType.CNAME or RecordType.SOA or RecordType.PTR or RecordType.MX
            or RecordType.SRV or RecordType.NAPTR or RecordType.DNAME or RecordType.RRSIG;
        for (int i = 0; i < fields.Length - 1; i++)
            System.Diagnostics.Debug.Assert(!fields[i].RunsToEnd, "only the last field may run to the end of RDATA");
    }

    public ushort Type { get; }

    public string Mnemonic { get; }

    /// <summary>What the RDATA must hold, in words, for error messages: "a preference and a host name".</summary>
    public string Expected { get; }

    public ReadOnlySpan<RDataField> Fields => _fields;

    /// <summary>Index of the name field whose addresses go in the additional section (RFC 1035 3.3.9, RFC 2782, RFC 9460 4), or -1.</summary>
    public int AdditionalTargetField { get; }

    /// <summary>True when some name in the RDATA may be compressed on the wire (RFC 3597 4).</summary>
    public bool HasCompressibleNames { get; }

    /// <summary>
    /// True for the types whose RDATA names have a lower-case canonical form (RFC 4034 6.2, less NSEC
    /// per RFC 6840 5.1): master files store them lower-cased, as Knot and NSD serve them, so that
    /// "NS ns1" and "NS NS1" are one record. SVCB/HTTPS keep their case, as in Knot.
    /// </summary>
    public bool LowercasesNames { get; }

    private static RDataField F(K kind, string name) => new(kind, name);

    private static readonly RecordTypeInfo[] All =
    [
        new(RecordType.A, "an IPv4 address", [F(K.IPv4, "address")]),
        new(RecordType.NS, "a host name", [F(K.CompressibleName, "host name")], additionalTarget: 0),
        new(RecordType.CNAME, "a target name", [F(K.CompressibleName, "target name")]),
        new(RecordType.SOA, "mname, rname, serial, refresh, retry, expire and minimum",
            [F(K.CompressibleName, "mname"), F(K.CompressibleName, "rname"), F(K.UInt32, "serial"),
             F(K.Period, "refresh"), F(K.Period, "retry"), F(K.Period, "expire"), F(K.Period, "minimum")]),
        new(RecordType.PTR, "a target name", [F(K.CompressibleName, "target name")]),
        new(RecordType.HINFO, "a CPU and an OS string", [F(K.CharacterString, "cpu"), F(K.CharacterString, "os")]),
        new(RecordType.MX, "a preference and a host name", [F(K.UInt16, "preference"), F(K.CompressibleName, "host name")], additionalTarget: 1),
        new(RecordType.TXT, "one or more character strings", [F(K.CharacterStrings, "text")]),
        new(RecordType.AAAA, "an IPv6 address", [F(K.IPv6, "address")]),
        new(RecordType.SRV, "priority, weight, port and a target name",
            [F(K.UInt16, "priority"), F(K.UInt16, "weight"), F(K.UInt16, "port"), F(K.Name, "target name")], additionalTarget: 3),
        new(RecordType.NAPTR, "order, preference, flags, service, regexp and replacement",
            [F(K.UInt16, "order"), F(K.UInt16, "preference"), F(K.CharacterString, "flags"), F(K.CharacterString, "service"),
             F(K.CharacterString, "regexp"), F(K.Name, "replacement")]),
        new(RecordType.DNAME, "a target name", [F(K.Name, "target name")]),
        new(RecordType.DS, "key tag, algorithm, digest type and a hex digest", DsFields),
        new(RecordType.SSHFP, "algorithm, fingerprint type and a hex fingerprint",
            [F(K.UInt8, "algorithm"), F(K.UInt8, "fingerprint type"), F(K.Hex, "fingerprint")]),
        new(RecordType.RRSIG, "type covered, algorithm, labels, original TTL, expiration, inception, key tag, signer and a base64 signature",
            [F(K.Type, "type covered"), F(K.UInt8, "algorithm"), F(K.UInt8, "labels"), F(K.UInt32, "original TTL"),
             F(K.Time, "expiration"), F(K.Time, "inception"), F(K.UInt16, "key tag"), F(K.Name, "signer"), F(K.Base64, "signature")]),
        new(RecordType.NSEC, "a next domain name and a list of types", [F(K.Name, "next domain name"), F(K.TypeBitmap, "types")]),
        new(RecordType.DNSKEY, "flags, protocol, algorithm and a base64 public key", DnskeyFields),
        new(RecordType.NSEC3, "hash algorithm, flags, iterations, salt, next hashed owner and a list of types",
            [F(K.UInt8, "hash algorithm"), F(K.UInt8, "flags"), F(K.UInt16, "iterations"), F(K.Salt, "salt"),
             F(K.Base32Hex, "next hashed owner"), F(K.TypeBitmap, "types")]),
        new(RecordType.NSEC3PARAM, "hash algorithm, flags, iterations and a salt",
            [F(K.UInt8, "hash algorithm"), F(K.UInt8, "flags"), F(K.UInt16, "iterations"), F(K.Salt, "salt")]),
        new(RecordType.TLSA, "usage, selector, matching type and hex data",
            [F(K.UInt8, "usage"), F(K.UInt8, "selector"), F(K.UInt8, "matching type"), F(K.Hex, "data")]),
        new(RecordType.CDS, "key tag, algorithm, digest type and a hex digest", DsFields),
        new(RecordType.CDNSKEY, "flags, protocol, algorithm and a base64 public key", DnskeyFields),
        new(RecordType.OPENPGPKEY, "a base64 public key", [F(K.Base64, "public key")]),
        new(RecordType.SVCB, "a priority, a target name and parameters", SvcbFields, additionalTarget: 1),
        new(RecordType.HTTPS, "a priority, a target name and parameters", SvcbFields, additionalTarget: 1),
        new(RecordType.SPF, "one or more character strings", [F(K.CharacterStrings, "text")]),
        new(RecordType.URI, "priority, weight and a quoted target", [F(K.UInt16, "priority"), F(K.UInt16, "weight"), F(K.Text, "target")]),
        new(RecordType.CAA, "flags, a tag and a value", [F(K.UInt8, "flags"), F(K.Tag, "tag"), F(K.Text, "value")]),
    ];

    private static RDataField[] DsFields => [F(K.UInt16, "key tag"), F(K.UInt8, "algorithm"), F(K.UInt8, "digest type"), F(K.Hex, "digest")];
    private static RDataField[] DnskeyFields => [F(K.UInt16, "flags"), F(K.UInt8, "protocol"), F(K.UInt8, "algorithm"), F(K.Base64, "public key")];
    private static RDataField[] SvcbFields => [F(K.UInt16, "priority"), F(K.Name, "target name"), F(K.SvcParams, "parameters")];

    private static readonly RecordTypeInfo?[] ByType = BuildIndex();

    private static readonly FrozenDictionary<string, RecordTypeInfo> ByMnemonic =
        All.ToFrozenDictionary(i => i.Mnemonic, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, RecordTypeInfo>.AlternateLookup<ReadOnlySpan<char>> ByMnemonicSpan =
        ByMnemonic.GetAlternateLookup<ReadOnlySpan<char>>();

    private static RecordTypeInfo?[] BuildIndex()
    {
        var index = new RecordTypeInfo?[All.Max(i => i.Type) + 1];
        foreach (var info in All)
            index[info.Type] = info;
        return index;
    }

    /// <summary>The descriptor of a type, or null for a type handled as opaque RDATA (RFC 3597).</summary>
    public static RecordTypeInfo? Get(ushort type) => type < ByType.Length ? ByType[type] : null;

    /// <summary>Finds a type by its mnemonic, ignoring case ("mx", "HTTPS").</summary>
    public static bool TryGet(ReadOnlySpan<char> mnemonic, out RecordTypeInfo info) =>
        ByMnemonicSpan.TryGetValue(mnemonic, out info!);

    /// <summary>Every type the table describes.</summary>
    public static IReadOnlyList<RecordTypeInfo> Known => All;

    /// <summary>
    /// Where the name that calls for additional-section processing (NS host, MX exchange, SRV target,
    /// SVCB/HTTPS TargetName) sits in uncompressed RDATA. False for other types and for malformed RDATA.
    /// </summary>
    public static bool TryGetAdditionalTarget(ushort type, ReadOnlySpan<byte> rdata, out int offset, out int length)
    {
        offset = length = 0;
        var info = Get(type);
        if (info is null || info.AdditionalTargetField < 0)
            return false;
        int pos = 0;
        var fields = info.Fields;
        for (int i = 0; i < info.AdditionalTargetField; i++)
        {
            pos = FieldEnd(fields[i].Kind, rdata, pos);
            if (pos < 0)
                return false;
        }
        int end = FieldEnd(fields[info.AdditionalTargetField].Kind, rdata, pos);
        if (end < 0)
            return false;
        offset = pos;
        length = end - pos;
        return true;
    }

    /// <summary>The domain names in uncompressed RDATA, in order, with whether each may be compressed.</summary>
    public static RDataNameEnumerator EnumerateNames(ushort type, ReadOnlySpan<byte> rdata) => new(Get(type), rdata);

    /// <summary>
    /// The end of the field of <paramref name="kind"/> starting at <paramref name="pos"/> in uncompressed
    /// <paramref name="data"/> (which ends where the RDATA ends), or -1 when it does not fit or is malformed.
    /// </summary>
    public static int FieldEnd(RDataFieldKind kind, ReadOnlySpan<byte> data, int pos)
    {
        if ((uint)pos > (uint)data.Length)
            return -1;
        int left = data.Length - pos;
        switch (kind)
        {
            case K.CompressibleName:
            case K.Name:
                return NameEnd(data, pos);
            case K.UInt8: return left >= 1 ? pos + 1 : -1;
            case K.UInt16: case K.Type: return left >= 2 ? pos + 2 : -1;
            case K.UInt32: case K.Period: case K.Time: case K.IPv4: return left >= 4 ? pos + 4 : -1;
            case K.IPv6: return left >= 16 ? pos + 16 : -1;
            case K.CharacterString: case K.Tag: case K.Salt: case K.Base32Hex:
                return left >= 1 && left - 1 >= data[pos] ? pos + 1 + data[pos] : -1;
            case K.CharacterStrings:
                if (left == 0)
                    return -1;
                while (pos < data.Length)
                {
                    pos += 1 + data[pos];
                    if (pos > data.Length)
                        return -1;
                }
                return pos;
            case K.Text: case K.Hex: case K.Base64:
                return data.Length;
            case K.TypeBitmap:
                // RFC 4034 4.1.2: window number, bitmap length 1 to 32, bitmap.
                while (pos < data.Length)
                {
                    if (data.Length - pos < 2 || data[pos + 1] is 0 or > 32 || data.Length - pos - 2 < data[pos + 1])
                        return -1;
                    pos += 2 + data[pos + 1];
                }
                return pos;
            case K.SvcParams:
                while (pos < data.Length)
                {
                    if (data.Length - pos < 4)
                        return -1;
                    int len = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
                    pos += 4;
                    if (data.Length - pos < len)
                        return -1;
                    pos += len;
                }
                return pos;
            default:
                return -1;
        }
    }

    /// <summary>End of an uncompressed wire name at <paramref name="pos"/>, or -1 (a pointer, a bad label, past the end, over 255 octets).</summary>
    public static int NameEnd(ReadOnlySpan<byte> data, int pos)
    {
        int start = pos;
        while (true)
        {
            if (pos >= data.Length)
                return -1;
            int len = data[pos];
            if (len == 0)
                return pos + 1 - start <= DnsName.MaxLength ? pos + 1 : -1;
            if (len > DnsName.MaxLabelLength)
                return -1;
            pos += len + 1;
        }
    }
}

/// <summary>Walks the name fields of uncompressed RDATA without allocating; stops early at malformed RDATA.</summary>
public ref struct RDataNameEnumerator
{
    private readonly RecordTypeInfo? _info;
    private readonly ReadOnlySpan<byte> _rdata;
    private int _field;
    private int _pos;

    internal RDataNameEnumerator(RecordTypeInfo? info, ReadOnlySpan<byte> rdata)
    {
        _info = info;
        _rdata = rdata;
        _field = -1;
        _pos = 0;
        Current = default;
    }

    public RDataName Current { get; private set; }

    public readonly RDataNameEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_info is null)
            return false;
        var fields = _info.Fields;
        while (++_field < fields.Length)
        {
            var field = fields[_field];
            int end = RecordTypeInfo.FieldEnd(field.Kind, _rdata, _pos);
            if (end < 0)
            {
                _field = fields.Length;
                return false;
            }
            int start = _pos;
            _pos = end;
            if (field.IsName)
            {
                Current = new RDataName(start, end - start, field.Kind == RDataFieldKind.CompressibleName);
                return true;
            }
        }
        return false;
    }
}
