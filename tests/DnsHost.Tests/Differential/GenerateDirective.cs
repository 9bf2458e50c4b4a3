using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DnsHost.Tests.Differential;

/// <summary>
/// Expands BIND's <c>$GENERATE start-stop[/step] lhs [ttl] [class] type rhs</c> into plain records, for
/// reference servers that do not read it (Knot 3.2, NSD 4.6). Handles <c>$</c>, <c>\$</c> and
/// <c>${offset[,width[,base]]}</c> with base d, o, x or X: the forms the test zones use.
/// </summary>
public static partial class GenerateDirective
{
    public static string Expand(string zoneText)
    {
        var output = new StringBuilder();
        foreach (var line in zoneText.Split('\n'))
        {
            var match = Directive().Match(line);
            if (!match.Success)
            {
                output.Append(line).Append('\n');
                continue;
            }
            int start = int.Parse(match.Groups["start"].Value, CultureInfo.InvariantCulture);
            int stop = int.Parse(match.Groups["stop"].Value, CultureInfo.InvariantCulture);
            int step = match.Groups["step"].Success ? int.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture) : 1;
            for (int i = start; i <= stop; i += step)
                output.Append(Substitute(match.Groups["rest"].Value, i)).Append('\n');
        }
        return output.ToString(0, output.Length - 1);
    }

    private static string Substitute(string template, int value) =>
        Iterator().Replace(template, m =>
        {
            if (m.Value == "\\$")
                return "$";
            int offset = m.Groups["offset"].Success ? int.Parse(m.Groups["offset"].Value, CultureInfo.InvariantCulture) : 0;
            int width = m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) : 0;
            string format = m.Groups["base"].Success ? m.Groups["base"].Value : "d";
            int n = value + offset;
            string text = format switch
            {
                "o" => Convert.ToString(n, 8),
                "x" => n.ToString("x", CultureInfo.InvariantCulture),
                "X" => n.ToString("X", CultureInfo.InvariantCulture),
                _ => n.ToString(CultureInfo.InvariantCulture),
            };
            return text.PadLeft(width, '0');
        });

    [GeneratedRegex(@"^\$GENERATE\s+(?<start>\d+)-(?<stop>\d+)(/(?<step>\d+))?\s+(?<rest>.*?)\r?$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"\\\$|\$\{(?<offset>-?\d+)(,(?<width>\d+)(,(?<base>[doxX]))?)?\}|\$")]
    private static partial Regex Iterator();
}
