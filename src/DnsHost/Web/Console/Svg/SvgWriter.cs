using System.Globalization;
using System.Text;

namespace DnsHost.Web.WebConsole.Svg;

/// <summary>
/// The markup the charts share: the accessible <c>&lt;svg role="img"&gt;</c> frame with its title and
/// description, escaped text, numbers in invariant form, and the scales of the axes.
/// </summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder _svg = new();

    public SvgWriter(string id, int width, int height, string title, string description)
    {
        string i = Escape(id);
        _svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{i}\" role=\"img\" aria-labelledby=\"{i}-title {i}-desc\" ")
            .Append(CultureInfo.InvariantCulture, $"viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">")
            .Append(CultureInfo.InvariantCulture, $"<title id=\"{i}-title\">{Escape(title)}</title><desc id=\"{i}-desc\">{Escape(description)}</desc>");
    }

    public SvgWriter Raw(string markup)
    {
        _svg.Append(markup);
        return this;
    }

    public SvgWriter Text(double x, double y, string text, string anchor = "start", string fill = SvgChart.Ink, string? extra = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(extra is null ? "" : " " + extra)}>{Escape(text)}</text>");
        return this;
    }

    public SvgWriter Line(double x1, double y1, double x2, double y2, string stroke, string? extra = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\"{(extra is null ? "" : " " + extra)}/>");
        return this;
    }

    public SvgWriter Rect(double x, double y, double width, double height, string fill, string? extra = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, width))}\" height=\"{N(Math.Max(0, height))}\" fill=\"{fill}\"{(extra is null ? "" : " " + extra)}/>");
        return this;
    }

    public override string ToString() => _svg.ToString() + "</svg>";

    /// <summary>A coordinate with at most one decimal, invariant.</summary>
    public static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Text for element content and attributes: the five XML escapes, and no control characters XML forbids.</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            _ = c switch
            {
                '<' => escaped.Append("&lt;"),
                '>' => escaped.Append("&gt;"),
                '&' => escaped.Append("&amp;"),
                '"' => escaped.Append("&quot;"),
                '\'' => escaped.Append("&#39;"),
                < ' ' and not ('\t' or '\n' or '\r') => escaped.Append('\uFFFD'),
                '\uFFFE' or '\uFFFF' => escaped.Append('\uFFFD'),
                _ => escaped.Append(c),
            };
        }
        return escaped.ToString();
    }

    /// <summary>Steps for time axes, shortest first.</summary>
    private static readonly TimeSpan[] TimeSteps =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
        TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1), TimeSpan.FromDays(7),
    ];

    /// <summary>Round times between <paramref name="from"/> and <paramref name="to"/> for the time axis, with their labels (UTC).</summary>
    public static IEnumerable<(DateTimeOffset At, string Label)> TimeTicks(DateTimeOffset from, DateTimeOffset to, int maxTicks = 6)
    {
        var span = to - from;
        var step = TimeSteps.FirstOrDefault(s => span.Ticks / s.Ticks <= maxTicks, TimeSteps[^1]);
        string format = step < TimeSpan.FromMinutes(1) ? "HH:mm:ss" : step < TimeSpan.FromDays(1) ? "HH:mm" : "MM-dd";
        long first = (from.UtcTicks + step.Ticks - 1) / step.Ticks * step.Ticks;
        for (long t = first; t <= to.UtcTicks; t += step.Ticks)
        {
            var at = new DateTimeOffset(t, TimeSpan.Zero);
            yield return (at, at.ToString(format, CultureInfo.InvariantCulture));
        }
    }

    private static readonly double[] Multiples = [1, 2, 2.5, 5, 10];

    /// <summary>A round top for a value axis (1, 2 or 5 times a power of ten) and its step, for four steps.</summary>
    public static (double Top, double Step) ValueScale(double max)
    {
        if (!(max > 0) || double.IsInfinity(max))
            return (1, 0.25);
        double raw = max / 4;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = Multiples.Select(m => m * magnitude).First(s => s >= raw);
        return (step * Math.Ceiling(max / step - 1e-9), step);
    }

    /// <summary>A value for an axis label: 1.5k, 2M, 0.25, with the unit.</summary>
    public static string Value(double value, string unit)
    {
        string number = Math.Abs(value) switch
        {
            >= 1e9 => (value / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
            >= 1e6 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
            >= 1e4 => (value / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
            _ => value.ToString("0.###", CultureInfo.InvariantCulture),
        };
        return unit.Length == 0 ? number : number + " " + unit;
    }
}
