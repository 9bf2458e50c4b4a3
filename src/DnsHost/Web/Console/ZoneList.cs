using DnsHost.Zones;

namespace DnsHost.Web.WebConsole;

/// <summary>One page of the zones list: the zones whose name contains the query, sorted by name.</summary>
public sealed record ZoneList(string? Query, int Page, int Pages, int Total, IReadOnlyList<ZoneList.Row> Rows)
{
    public const int PageSize = 50;

    public sealed record Row(string Name, string Source, bool Private, int Records, uint Serial, string Dnssec, string Id);

    /// <summary>
    /// Filters and sorts names only, then builds rows for one page: a catalog of thousands of zones costs a
    /// string comparison each, not a row each.
    /// </summary>
    /// <param name="dnssec">A zone's signing status (<see cref="ZoneDnssecStatus"/>), asked for the page's rows only.</param>
    public static ZoneList From(ZoneCatalog catalog, string? query, int page, Func<Zone, string>? dnssec = null)
    {
        query = query?.Trim();
        var matching = catalog.AllZones
            .Where(z => string.IsNullOrEmpty(query) || z.OriginText.Contains(query.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            .OrderBy(z => z.OriginText, StringComparer.OrdinalIgnoreCase)
            .ToList();
        int pages = Math.Max(1, (matching.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pages);
        var rows = matching.Skip((page - 1) * PageSize).Take(PageSize)
            .Select(z => new Row(z.OriginText, catalog.KindOf(z)?.ToString() ?? "?", z.IsPrivate, z.RecordCount, z.Serial,
                dnssec?.Invoke(z) ?? ZoneDnssecStatus.NotSigned, ZoneDnssecStatus.IdOf(z)))
            .ToList();
        return new ZoneList(query, page, pages, matching.Count, rows);
    }
}
