namespace DnsHost.Protocol;

/// <summary>Resource record types (IANA "Resource Record (RR) TYPEs"); values not listed are handled per RFC 3597.</summary>
public enum RecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    HINFO = 13,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    NAPTR = 35,
    DNAME = 39,
    OPT = 41,
    DS = 43,
    SSHFP = 44,
    RRSIG = 46,
    NSEC = 47,
    DNSKEY = 48,
    NSEC3 = 50,
    NSEC3PARAM = 51,
    TLSA = 52,
    CDS = 59,
    CDNSKEY = 60,
    OPENPGPKEY = 61,
    SVCB = 64,
    HTTPS = 65,
    SPF = 99,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
    URI = 256,
    CAA = 257,
}

public static class RecordClass
{
    public const ushort IN = 1;
    public const ushort CH = 3;
    public const ushort HS = 4;
    public const ushort None = 254;
    public const ushort Any = 255;
}

public enum OpCode : byte
{
    Query = 0,
    IQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>Response codes; values above 15 need the EDNS extended-rcode bits (RFC 6891 6.1.3).</summary>
public enum ResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    YXDomain = 6,
    NotAuth = 9,
    BadVers = 16,
    BadCookie = 23,
}
