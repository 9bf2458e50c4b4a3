using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace DnsHost.Route53.Api;

/// <summary>
/// What one Route 53 API request may bring (issue 16): a body no bigger than its operation can use,
/// XML no deeper than any Route 53 shape, and errors that always fit in an XML reply.
/// </summary>
public static class Route53RequestLimits
{
    /// <summary>
    /// The largest body per operation. ChangeResourceRecordSets carries at most 1,000 ResourceRecord
    /// elements and 32,000 Value characters (64,000 with UPSERT) in a batch; with the XML around them and
    /// room for long names that stays well under 2 MiB. ChangeCidrCollection carries at most 1,000 blocks
    /// per location change list; a traffic policy document is at most 102,400 characters. Everything else
    /// is a few hundred bytes of settings.
    /// </summary>
    public static int MaxBodyBytes(string? operation) => operation switch
    {
        "ChangeResourceRecordSets" => 2 << 20,
        "ChangeCidrCollection" => 1 << 20,
        "CreateTrafficPolicy" or "CreateTrafficPolicyVersion" or "UpdateTrafficPolicyComment" => 512 << 10,
        _ => 64 << 10,
    };

    /// <summary>Deeper than any Route 53 request shape (ChangeResourceRecordSets nests 8), far below what costs CPU.</summary>
    public const int MaxXmlDepth = 32;

    /// <summary>
    /// A signed body over its operation's cap but at most this long is read and discarded before the 413, so
    /// an ordinary client sees the answer; past it the connection is closed at once.
    /// </summary>
    public const long DrainBytes = 8 << 20;

    /// <summary>Reads the body into memory, or returns null as soon as it is longer than <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]?> ReadBodyAsync(Stream body, long? declaredLength, int max, CancellationToken cancel)
    {
        if (declaredLength > max)
            return null;
        var buffer = new byte[declaredLength is long known ? (int)known : Math.Min(max, 16 << 10)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length >= max + 1)
                    return null;
                Array.Resize(ref buffer, Math.Min(max + 1, Math.Max(buffer.Length * 2, 1024)));
            }
            int read = await body.ReadAsync(buffer.AsMemory(length), cancel);
            if (read == 0)
                break;
            length += read;
            if (length > max)
                return null;
        }
        return length == buffer.Length ? buffer : buffer[..length];
    }

    /// <summary>Reader settings for a request body: no DTD (Route 53 takes none), no external anything.</summary>
    public static XmlReaderSettings ReaderSettings(bool async) => new()
    {
        Async = async,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    /// <summary>
    /// Reads a request body as XML (the body is already in memory and capped): depth first, then the document.
    /// Anything the reader refuses is Route 53's InvalidInput, including what .NET's XmlTextReader throws
    /// as ArgumentOutOfRangeException for some bytes in an encoding declaration (afl++ found
    /// <c>&lt;?xml version="1.0\xd2\xd2...8"?&gt;</c>, issue 16), which was a 500 before.
    /// </summary>
    public static XDocument ParseBody(Stream body)
    {
        try
        {
            CheckDepth(body);
            body.Position = 0;
            using var reader = XmlReader.Create(body, ReaderSettings(async: false));
            return XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException e)
        {
            throw new Route53Exception("InvalidInput", $"The request body is not valid XML: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new Route53Exception("InvalidInput", $"The request body is not valid XML: its declaration cannot be read ({e.GetType().Name})");
        }
    }

    /// <summary>Walks the body once and refuses it when elements nest deeper than <see cref="MaxXmlDepth"/>; XmlException when it is not XML.</summary>
    public static void CheckDepth(Stream body)
    {
        using var reader = XmlReader.Create(body, ReaderSettings(async: false));
        while (reader.Read())
        {
            if (reader.Depth > MaxXmlDepth)
                throw new Route53Exception("InvalidInput", $"The request body nests XML elements more than {MaxXmlDepth} deep; no Route 53 request does");
        }
    }

    /// <summary>
    /// The text with every character XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF)
    /// written as \uXXXX, so an error that quotes bad input still goes out as Route 53's error document.
    /// </summary>
    public static string XmlSafe(string text)
    {
        if (IsXmlSafe(text))
            return text;
        var result = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result.Append(c).Append(text[++i]);
                continue;
            }
            if (XmlConvert.IsXmlChar(c))
                result.Append(c);
            else
                result.Append($"\\u{(int)c:X4}");
        }
        return result.ToString();
    }

    public static bool IsXmlSafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (!XmlConvert.IsXmlChar(text[i]))
                return false;
        }
        return true;
    }
}
