using System.Globalization;
using System.Xml.Linq;
using DnsHost.Web.WebConsole.Svg;

namespace DnsHost.Tests.WebConsole;

/// <summary>The console's server-drawn charts, read back as XML: points, labels, escaping, accessibility, empty data.</summary>
[Trait("Kind", "Unit")]
public sealed class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static XElement Parse(string markup) => XDocument.Parse(markup).Root!;

    private static void AssertAccessible(XElement root, string id, string title)
    {
        Assert.Equal("img", (string?)root.Attribute("role"));
        Assert.Equal($"{id}-title {id}-desc", (string?)root.Attribute("aria-labelledby"));
        Assert.Equal(title, root.Element(Svg + "title")!.Value);
        Assert.Equal(id + "-title", (string?)root.Element(Svg + "title")!.Attribute("id"));
        Assert.NotEmpty(root.Element(Svg + "desc")!.Value);
    }

    [Fact]
    public void A_line_chart_draws_each_series_point_in_the_plot_with_time_and_value_labels()
    {
        var qps = new ChartSeries("queries/s", [new(Noon, 0), new(Noon.AddMinutes(30), 50), new(Noon.AddHours(1), 100)]);
        var nx = new ChartSeries("NXDOMAIN/s", [new(Noon, 10), new(Noon.AddHours(1), 20)]);
        var root = Parse(SvgChart.Line("qps", "Queries per second", "Queries per second over the last hour", [qps, nx], Noon, Noon.AddHours(1), "q/s", 640, 240));

        AssertAccessible(root, "qps", "Queries per second");
        var lines = root.Descendants(Svg + "polyline").ToList();
        Assert.Equal(["queries/s", "NXDOMAIN/s"], lines.Select(l => (string?)l.Attribute("data-series")));
        var points = ((string)lines[0].Attribute("points")!).Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        // Plot from x 64 to 624 and y 212 (zero) to 28 (the top of the scale, 100).
        Assert.Equal([64.0, 212.0], points[0]);
        Assert.Equal([344.0, 120.0], points[1]);
        Assert.Equal([624.0, 28.0], points[2]);
        // The second series has its own dash pattern: not colour alone.
        Assert.NotNull(lines[1].Attribute("stroke-dasharray"));
        Assert.Null(lines[0].Attribute("stroke-dasharray"));
        Assert.Equal(["0 q/s", "25 q/s", "50 q/s", "75 q/s", "100 q/s"], root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "y-label").Select(t => t.Value));
        Assert.Equal(["12:00", "12:10", "12:20", "12:30", "12:40", "12:50", "13:00"], root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "x-label").Select(t => t.Value));
        Assert.Equal(["queries/s", "NXDOMAIN/s"], root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").Select(t => t.Value));
    }

    [Fact]
    public void Text_is_escaped_so_a_hostile_name_stays_text()
    {
        string hostile = "<script>alert('x')</script> & \"more\"\u0001";
        var markup = SvgChart.Bars("top\"names", hostile, hostile, [new ChartBar(hostile, 3)]);
        var root = Parse(markup);
        Assert.DoesNotContain("<script>", markup);
        Assert.Empty(root.Descendants(Svg + "script"));
        Assert.Equal("<script>alert('x')</script> & \"more\"\uFFFD", root.Element(Svg + "title")!.Value);
        Assert.Equal("top\"names", (string?)root.Attribute("id"));
        var bar = root.Descendants(Svg + "rect").Single(r => (string?)r.Attribute("class") == "bar");
        Assert.Equal("<script>alert('x')</script> & \"more\"\uFFFD", (string?)bar.Attribute("data-label"));
    }

    [Fact]
    public void Empty_series_draw_axes_and_say_there_is_no_data()
    {
        var line = Parse(SvgChart.Line("empty", "Queries", "Nothing yet", [new ChartSeries("queries/s", [])], Noon, Noon.AddHours(6)));
        Assert.Empty(line.Descendants(Svg + "polyline"));
        Assert.Equal("No data for this period", line.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "no-data").Value);
        var bars = Parse(SvgChart.Bars("none", "Latency", "No timed queries", []));
        Assert.DoesNotContain(bars.Descendants(Svg + "rect"), r => (string?)r.Attribute("class") == "bar");
        Assert.Contains(bars.Descendants(Svg + "text"), t => t.Value == "No data for this period");
        var events = Parse(SvgChart.Timeline("drill", "Drill", "No events", [], Noon, Noon.AddMinutes(1)));
        Assert.Contains(events.Descendants(Svg + "text"), t => t.Value == "No data for this period");
    }

    [Fact]
    public void A_histogram_has_a_bar_per_bucket_with_heights_in_proportion()
    {
        var root = Parse(SvgChart.Bars("latency", "Answer latency", "Timed queries per latency bucket",
            [new ChartBar("≤5 µs", 40), new ChartBar("≤10 µs", 20), new ChartBar("> 25 ms", 0)], "", 640, 240));
        var bars = root.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToList();
        Assert.Equal(["≤5 µs", "≤10 µs", "> 25 ms"], bars.Select(b => (string?)b.Attribute("data-label")));
        double Height(XElement b) => double.Parse((string)b.Attribute("height")!, CultureInfo.InvariantCulture);
        Assert.Equal(184, Height(bars[0]));
        Assert.Equal(92, Height(bars[1]));
        Assert.Equal(0, Height(bars[2]));
    }

    [Fact]
    public void A_status_band_shows_healthy_and_unhealthy_spans_with_words_and_a_hatch_as_well_as_colour()
    {
        var changes = new[] { new StatusAt(Noon.AddHours(-1), true), new StatusAt(Noon.AddMinutes(20), false), new StatusAt(Noon.AddMinutes(30), true) };
        var root = Parse(SvgChart.StatusBand("hc", "Status of hc", "Healthy, unhealthy from 12:20 to 12:30, healthy again", changes, Noon, Noon.AddHours(1)));
        AssertAccessible(root, "hc", "Status of hc");
        var spans = root.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "status").ToList();
        Assert.Equal(["healthy", "unhealthy", "healthy"], spans.Select(s => (string?)s.Attribute("data-status")));
        Assert.Equal("url(#hc-unhealthy)", (string?)spans[1].Attribute("fill"));
        Assert.NotNull(root.Descendants(Svg + "pattern").Single(p => (string?)p.Attribute("id") == "hc-unhealthy"));
        double Width(XElement s) => double.Parse((string)s.Attribute("width")!, CultureInfo.InvariantCulture);
        Assert.Equal(2 * Width(spans[1]), Width(spans[0]), 0);
        Assert.Equal(3 * Width(spans[1]), Width(spans[2]), 0);
        Assert.Equal(2, root.Descendants(Svg + "text").Count(t => t.Value == "Healthy" && (string?)t.Attribute("font-weight") == "bold"));
        Assert.Single(root.Descendants(Svg + "text"), t => t.Value == "Unhealthy" && (string?)t.Attribute("font-weight") == "bold");
    }

    [Fact]
    public void A_status_band_with_no_change_before_the_window_starts_with_no_data()
    {
        var root = Parse(SvgChart.StatusBand("hc2", "Status", "Loaded at 12:30", [new StatusAt(Noon.AddMinutes(30), true)], Noon, Noon.AddHours(1)));
        Assert.Equal(["no-data", "healthy"], root.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "status").Select(s => (string?)s.Attribute("data-status")));
    }

    [Fact]
    public void A_timeline_marks_each_event_with_a_shape_for_its_tone_and_its_time_in_a_tooltip()
    {
        var root = Parse(SvgChart.Timeline("drill-1", "Drill drill-1", "One flip", [
            new ChartEvent(Noon.AddSeconds(10), "backend broken", EventTone.Fault),
            new ChartEvent(Noon.AddSeconds(31), "answer moved", EventTone.Neutral),
            new ChartEvent(Noon.AddSeconds(50), "recovered", EventTone.Recovery),
            new ChartEvent(Noon.AddMinutes(5), "outside the range", EventTone.Neutral),
        ], Noon, Noon.AddMinutes(1)));
        var events = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "event").ToList();
        Assert.Equal(["fault", "neutral", "recovery"], events.Select(e => (string?)e.Attribute("data-tone")));
        Assert.Equal("12:00:10.000 backend broken", events[0].Element(Svg + "title")!.Value);
        Assert.NotNull(events[0].Element(Svg + "path"));
        Assert.NotNull(events[1].Element(Svg + "rect"));
        Assert.NotNull(events[2].Element(Svg + "circle"));
    }
}
