using System.Text;

namespace DnsHost.Zones.HealthChecks;

/// <summary>
/// A health check's FullyQualifiedDomainName, which Route 53 resolves and sends as the Host header:
/// a host name of dot-separated labels of 1 to 63 letters, digits, hyphens and underscores (an
/// optional final dot), 255 characters at most. Anything else, a CR or LF above all, is refused.
/// </summary>
public static class HealthCheckDomainName
{
    public static bool IsValid(string name)
    {
        var labels = name.EndsWith('.') ? name[..^1] : name;
        if (labels.Length is 0 or > HealthCheckSpec.MaxDomainName)
            return false;
        foreach (var label in labels.Split('.'))
        {
            if (label.Length is 0 or > 63)
                return false;
            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
                    return false;
            }
        }
        return true;
    }

    /// <summary>The name for an error message: control characters and anything outside printable ASCII as \uXXXX.</summary>
    public static string Printable(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is >= ' ' and <= '~')
                result.Append(c);
            else
                result.Append($"\\u{(int)c:X4}");
        }
        return result.ToString();
    }
}
