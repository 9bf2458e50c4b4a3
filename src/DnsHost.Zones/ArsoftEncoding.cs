using System.Reflection;
using ARSoft.Tools.Net.Dns;

namespace DnsHost.Zones;

/// <summary>
/// ARSoft.Tools.Net parses master files but keeps its wire encoder internal. This one small type
/// reaches it, so the rest of the code sees only wire bytes that our own reader then checks.
/// </summary>
internal static class ArsoftEncoding
{
    private static readonly Func<DnsMessageBase, DnsRawPackage> Encode = CreateEncoder();

    private static Func<DnsMessageBase, DnsRawPackage> CreateEncoder()
    {
        var method = typeof(DnsMessageBase).GetMethod("Encode", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, Type.EmptyTypes)
            ?? throw new MissingMethodException("ARSoft.Tools.Net no longer has DnsMessageBase.Encode(); update ArsoftEncoding");
        return method.CreateDelegate<Func<DnsMessageBase, DnsRawPackage>>();
    }

    /// <summary>A whole DNS message whose answer section is <paramref name="record"/>.</summary>
    public static ReadOnlySpan<byte> EncodeAsAnswer(DnsRecordBase record)
    {
        var message = new DnsMessage();
        message.AnswerRecords.Add(record);
        return Encode(message).ToArraySegment(false).AsSpan();
    }
}
