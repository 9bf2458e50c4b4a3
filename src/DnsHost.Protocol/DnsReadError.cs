namespace DnsHost.Protocol;

/// <summary>Why a <see cref="DnsMessageReader"/> step failed; the caller turns it into FORMERR or a drop.</summary>
public enum DnsReadError : byte
{
    None,
    ShortHeader,
    Truncated,
    NameTooLong,
    BadLabelType,
    PointerNotBackwards,
    PointerPastEnd,
    RDataLengthMismatch,
    BadOptRecord,
    BadOption,
}
