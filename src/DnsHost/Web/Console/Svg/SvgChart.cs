using System.Globalization;

namespace DnsHost.Web.WebConsole.Svg;

/// <summary>One value at one time.</summary>
public readonly record struct ChartPoint(DateTimeOffset At, double Value);

/// <summary>A named line of a <see cref="SvgChart.Line"/> chart.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points);

/// <summary>A bar of a <see cref="SvgChart.Bars"/> chart (a histogram bucket, a name's count).</summary>
public readonly record struct ChartBar(string Label, double Value);

/// <summary>From <see cref="At"/> on, the status is <see cref="Healthy"/> (until the next change).</summary>
public readonly record struct StatusAt(DateTimeOffset At, bool Healthy);

/// <summary>What an event means, drawn as a shape as well as a colour: a fault (triangle), a recovery (circle), anything else (square).</summary>
public enum EventTone { Neutral, Fault, Recovery }

public readonly record struct ChartEvent(DateTimeOffset At, string Label, EventTone Tone);

/// <summary>
/// Server-drawn SVG charts for the console: pure functions from data to markup, no script, no external
/// asset. Every chart is <c>role="img"</c> with a <c>&lt;title&gt;</c> and <c>&lt;desc&gt;</c> named by
/// <c>aria-labelledby</c> (so each chart's <c>id</c> must be unique on the page), all text is escaped, colours
/// reach 3:1 against white (WCAG 1.4.11) and each meaning has a second cue: series a dash pattern and a
/// legend, an unhealthy span a hatch and its word, an event a shape. Times are drawn in UTC.
/// </summary>
public static class SvgChart
{
    public const string Ink = "#1a1a1a", Axis = "#595959", Grid = "#d9d9d9";
    public const string HealthyColour = "#1b7a3a", UnhealthyColour = "#b3261e", UnhealthyStripe = "#5c120e", NoDataColour = "#6b6b6b";

    /// <summary>Series colours, each at least 4.5:1 on white, with a dash pattern each.</summary>
    private static readonly string[] Palette = ["#0b57a4", "#b3261e", "#1b7a3a", "#6a3fa0", "#8a5200", "#00707a"];
    private static readonly string?[] Dashes = [null, "6 3", "2 2", "8 3 2 3", "4 4", "1 3"];

    private const double Left = 64, Right = 16, Top = 28, Bottom = 28;

    /// <summary>A time line chart of one or more series between <paramref name="from"/> and <paramref name="to"/>; the value axis starts at 0.</summary>
    public static string Line(string id, string title, string description, IReadOnlyList<ChartSeries> series, DateTimeOffset from, DateTimeOffset to,
        string unit = "", int width = 640, int height = 240)
    {
        to = to > from ? to : from.AddSeconds(1);
        var svg = new SvgWriter(id, width, height, title, description);
        var (x0, x1, y0, y1) = (Left, width - Right, Top, height - Bottom);
        var visible = series.Select(s => s with { Points = s.Points.Where(p => p.At >= from && p.At <= to && double.IsFinite(p.Value)).OrderBy(p => p.At).ToList() }).ToList();
        double max = visible.SelectMany(s => s.Points).Select(p => p.Value).DefaultIfEmpty(0).Max();
        var (top, step) = SvgWriter.ValueScale(max);
        ValueAxis(svg, top, step, unit, x0, x1, y0, y1);
        TimeAxis(svg, from, to, x0, x1, y1);
        if (visible.All(s => s.Points.Count == 0))
            return NoData(svg, x0, x1, y0, y1);
        double X(DateTimeOffset at) => x0 + (x1 - x0) * ((at - from) / (to - from));
        double Y(double value) => y1 - (y1 - y0) * (Math.Max(0, value) / top);
        for (int i = 0; i < visible.Count; i++)
        {
            var s = visible[i];
            string colour = Palette[i % Palette.Length], dash = Dashes[i % Dashes.Length] is { } d ? $" stroke-dasharray=\"{d}\"" : "";
            Legend(svg, i, s.Name, colour, dash);
            if (s.Points.Count == 0)
                continue;
            var points = string.Join(' ', s.Points.Select(p => $"{SvgWriter.N(X(p.At))},{SvgWriter.N(Y(p.Value))}"));
            svg.Raw($"<polyline class=\"series\" data-series=\"{SvgWriter.Escape(s.Name)}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{points}\"/>");
            // A lone sample draws no line: mark it.
            if (s.Points.Count == 1)
                svg.Raw($"<circle cx=\"{SvgWriter.N(X(s.Points[0].At))}\" cy=\"{SvgWriter.N(Y(s.Points[0].Value))}\" r=\"3\" fill=\"{colour}\"/>");
        }
        return svg.ToString();
    }

    /// <summary>
    /// A status band: healthy and unhealthy spans over time, from a list of changes in time order. Before
    /// the first change the status is unknown (drawn as "no data"), unless a change before
    /// <paramref name="from"/> says what it was.
    /// </summary>
    public static string StatusBand(string id, string title, string description, IReadOnlyList<StatusAt> changes, DateTimeOffset from, DateTimeOffset to,
        int width = 640, int height = 84)
    {
        to = to > from ? to : from.AddSeconds(1);
        var svg = new SvgWriter(id, width, height, title, description);
        string pattern = SvgWriter.Escape(id) + "-unhealthy";
        svg.Raw($"<defs><pattern id=\"{pattern}\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">" +
            $"<rect width=\"8\" height=\"8\" fill=\"{UnhealthyColour}\"/><rect width=\"3\" height=\"8\" fill=\"{UnhealthyStripe}\"/></pattern></defs>");
        var (x0, x1, y0, y1) = (Left, width - Right, Top, height - Bottom);
        double X(DateTimeOffset at) => x0 + (x1 - x0) * ((at - from) / (to - from));
        // Legend: a swatch and the word for each state.
        svg.Rect(x0, 8, 12, 12, HealthyColour).Text(x0 + 16, 18, "Healthy")
            .Rect(x0 + 80, 8, 12, 12, $"url(#{pattern})").Text(x0 + 96, 18, "Unhealthy")
            .Rect(x0 + 180, 8, 12, 12, "#ffffff", $"stroke=\"{NoDataColour}\" stroke-dasharray=\"2 2\"").Text(x0 + 196, 18, "No data");
        var ordered = changes.OrderBy(c => c.At).ToList();
        int before = ordered.FindLastIndex(c => c.At <= from);
        bool? state = before >= 0 ? ordered[before].Healthy : null;
        var start = from;
        foreach (var change in ordered.Where(c => c.At > from && c.At < to).Append(new StatusAt(to, false)))
        {
            Span(svg, X(start), X(change.At), state, pattern, y0, y1);
            (start, state) = (change.At, change.Healthy);
        }
        svg.Line(x0, y1, x1, y1, Axis);
        foreach (var (at, label) in SvgWriter.TimeTicks(from, to))
            svg.Line(X(at), y1, X(at), y1 + 4, Axis).Text(X(at), y1 + 16, label, "middle");
        return svg.ToString();
    }

    private static void Span(SvgWriter svg, double left, double right, bool? healthy, string pattern, double y0, double y1)
    {
        if (right - left <= 0)
            return;
        string status = healthy switch { true => "healthy", false => "unhealthy", null => "no-data" };
        string fill = healthy switch { true => HealthyColour, false => $"url(#{pattern})", null => "#ffffff" };
        string extra = $"class=\"status\" data-status=\"{status}\"" + (healthy is null ? $" stroke=\"{NoDataColour}\" stroke-dasharray=\"2 2\"" : "");
        svg.Rect(left, y0, right - left, y1 - y0, fill, extra);
        string word = healthy switch { true => "Healthy", false => "Unhealthy", null => "No data" };
        // The word as well as the colour, where it fits (about 6.5 px a character at 11 px).
        if (right - left >= word.Length * 6.5 + 8)
            svg.Text((left + right) / 2, (y0 + y1) / 2 + 4, word, "middle", healthy is null ? NoDataColour : "#ffffff", "font-weight=\"bold\"");
    }

    /// <summary>A bar chart (a histogram: one bar per bucket, labelled under it, its value over it).</summary>
    public static string Bars(string id, string title, string description, IReadOnlyList<ChartBar> bars, string unit = "", int width = 640, int height = 240)
    {
        var svg = new SvgWriter(id, width, height, title, description);
        var (x0, x1, y0, y1) = (Left, width - Right, Top, height - Bottom);
        double max = bars.Select(b => b.Value).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var (top, step) = SvgWriter.ValueScale(max);
        ValueAxis(svg, top, step, unit, x0, x1, y0, y1);
        svg.Line(x0, y1, x1, y1, Axis);
        if (bars.Count == 0 || max <= 0)
            return NoData(svg, x0, x1, y0, y1);
        double slot = (x1 - x0) / bars.Count;
        for (int i = 0; i < bars.Count; i++)
        {
            double value = double.IsFinite(bars[i].Value) ? Math.Max(0, bars[i].Value) : 0;
            double h = (y1 - y0) * value / top, left = x0 + slot * i + slot * 0.15;
            svg.Rect(left, y1 - h, slot * 0.7, h, Palette[0], $"class=\"bar\" data-label=\"{SvgWriter.Escape(bars[i].Label)}\" data-value=\"{value.ToString("R", CultureInfo.InvariantCulture)}\"");
            svg.Text(left + slot * 0.35, y1 - h - 3, SvgWriter.Value(value, ""), "middle");
            svg.Text(left + slot * 0.35, y1 + 14, bars[i].Label, "middle");
        }
        return svg.ToString();
    }

    /// <summary>Events on a time axis (a drill's timeline): a shape per tone, the labels on staggered rows with a line down to their time.</summary>
    public static string Timeline(string id, string title, string description, IReadOnlyList<ChartEvent> events, DateTimeOffset from, DateTimeOffset to,
        int width = 640, int rows = 4)
    {
        to = to > from ? to : from.AddSeconds(1);
        int height = (int)(Top + rows * 16 + 24 + Bottom);
        var svg = new SvgWriter(id, width, height, title, description);
        var (x0, x1, axisY) = (Left, width - Right, height - Bottom);
        double X(DateTimeOffset at) => x0 + (x1 - x0) * ((at - from) / (to - from));
        svg.Line(x0, axisY, x1, axisY, Axis);
        foreach (var (at, label) in SvgWriter.TimeTicks(from, to))
            svg.Line(X(at), axisY, X(at), axisY + 4, Axis).Text(X(at), axisY + 16, label, "middle");
        var visible = events.Where(e => e.At >= from && e.At <= to).OrderBy(e => e.At).ToList();
        if (visible.Count == 0)
            return NoData(svg, x0, x1, Top, axisY);
        for (int i = 0; i < visible.Count; i++)
        {
            var e = visible[i];
            double x = X(e.At), labelY = Top + (i % rows) * 16 + 10;
            string tone = e.Tone.ToString().ToLowerInvariant();
            string time = e.At.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            svg.Raw($"<g class=\"event\" data-tone=\"{tone}\"><title>{SvgWriter.Escape($"{time} {e.Label}")}</title>");
            svg.Line(x, labelY + 2, x, axisY - 6, Grid);
            svg.Raw(Marker(e.Tone, x, axisY - 6));
            svg.Text(x, labelY, e.Label, x > (x0 + x1) / 2 ? "end" : "start");
            svg.Raw("</g>");
        }
        return svg.ToString();
    }

    private static string Marker(EventTone tone, double x, double y) => tone switch
    {
        EventTone.Fault => $"<path d=\"M{SvgWriter.N(x)},{SvgWriter.N(y - 6)} l6,11 h-12 z\" fill=\"{UnhealthyColour}\"/>",
        EventTone.Recovery => $"<circle cx=\"{SvgWriter.N(x)}\" cy=\"{SvgWriter.N(y)}\" r=\"5\" fill=\"{HealthyColour}\"/>",
        _ => $"<rect x=\"{SvgWriter.N(x - 4)}\" y=\"{SvgWriter.N(y - 4)}\" width=\"8\" height=\"8\" fill=\"{Palette[0]}\"/>",
    };

    private static void ValueAxis(SvgWriter svg, double top, double step, string unit, double x0, double x1, double y0, double y1)
    {
        for (double v = 0; v <= top + step / 2; v += step)
        {
            double y = y1 - (y1 - y0) * (v / top);
            svg.Line(x0, y, x1, y, Grid).Text(x0 - 6, y + 4, SvgWriter.Value(v, unit), "end", SvgChart.Ink, "class=\"y-label\"");
        }
        svg.Line(x0, y0, x0, y1, Axis);
    }

    private static void TimeAxis(SvgWriter svg, DateTimeOffset from, DateTimeOffset to, double x0, double x1, double y1)
    {
        svg.Line(x0, y1, x1, y1, Axis);
        if (to <= from)
            return;
        foreach (var (at, label) in SvgWriter.TimeTicks(from, to))
        {
            double x = x0 + (x1 - x0) * ((at - from) / (to - from));
            svg.Line(x, y1, x, y1 + 4, Axis).Text(x, y1 + 16, label, "middle", Ink, "class=\"x-label\"");
        }
    }

    private static void Legend(SvgWriter svg, int index, string name, string colour, string dash)
    {
        double x = Left + index * 140;
        svg.Raw($"<line x1=\"{SvgWriter.N(x)}\" y1=\"12\" x2=\"{SvgWriter.N(x + 24)}\" y2=\"12\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>");
        svg.Text(x + 28, 16, name, "start", Ink, "class=\"legend\"");
    }

    private static string NoData(SvgWriter svg, double x0, double x1, double y0, double y1)
    {
        svg.Text((x0 + x1) / 2, (y0 + y1) / 2, "No data for this period", "middle", NoDataColour, "class=\"no-data\"");
        return svg.ToString();
    }
}
