using DnsHost.Protocol;
using DnsHost.Route53;
using DnsHost.Route53.Api;
using DnsHost.Route53.Dnssec;
using DnsHost.Server;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// The Zones page, a zone's record sets with their create/edit/delete forms, and the Answer page. Changes go
/// through <see cref="HostedZoneService.Change"/>, the code behind ChangeResourceRecordSets, and answers
/// through <see cref="Explainer"/>, the code behind TestDNSAnswer and <c>dnshost explain</c>.
/// </summary>
public static class ZoneConsoleEndpoints
{
    public static void MapZonePages(RouteGroupBuilder console, IServiceProvider services)
    {
        var registry = services.GetRequiredService<ZoneRegistry>();
        var zones = services.GetRequiredService<HostedZoneService>();
        var dnssecOptions = services.GetRequiredService<IOptions<DnssecOptions>>().Value;
        var dnssec = new ZoneDnssecStatus(services.GetRequiredService<HostedZoneDnssec>(),
            services.GetRequiredService<DnssecSigning>().Signers, dnssecOptions.KeyDirectory);
        string zonesPath = ConsoleNavigation.Zones[ConsoleNavigation.Home.Length..];

        console.MapGet(zonesPath, (string? q, int? page) =>
        {
            var catalog = registry.Current;
            return new RazorComponentResult<ZonesPage>(new { List = ZoneList.From(catalog, q, page ?? 1, z => dnssec.Of(z, catalog.KindOf(z))) });
        });

        console.MapGet(zonesPath + "/{zone}", IResult (string zone, string? q, string? type, int? page, string? done) =>
            Find(zones, zone) is not { } view
                ? Missing(zone)
                : new RazorComponentResult<ZonePage>(new { List = RecordSetList.From(zones, view, q, type, page ?? 1), Done = DoneText(done) }));

        console.MapGet(zonesPath + "/{zone}/recordset", IResult (string zone, string? name, string? type, string? set) =>
        {
            if (Find(zones, zone) is not { } view)
                return Missing(zone);
            if (name is null)
                return Form(view, new RecordSetForm { Name = view.Name, Type = "A", Ttl = "300" }, []);
            return FindSet(zones, view, name, type, set) is { } existing
                ? Form(view, RecordSetForm.From(existing), [])
                : Form(view, new RecordSetForm { Name = name, Type = type }, [$"The record set {name} {type}{(set is null ? "" : $" ({set})")} does not exist (any more)."], StatusCodes.Status404NotFound);
        });

        console.MapPost(zonesPath + "/{zone}/recordset", IResult (HttpContext http, string zone, [FromForm] RecordSetForm form) =>
        {
            if (Find(zones, zone) is not { } view)
                return Missing(zone);
            var (set, problems) = form.ToRecordSet();
            if (set is null)
                return Form(view, form, problems, StatusCodes.Status400BadRequest);
            var changes = new List<(string, ResourceRecordSetJson)>();
            if (form.IsNew)
                changes.Add(("CREATE", set));
            else if (SameSet(form.OriginalName, form.OriginalType, form.OriginalSetIdentifier, set))
                changes.Add(("UPSERT", set));
            else
            {
                // A new name, type or identifier is another record set: the old one goes in the same batch.
                if (FindSet(zones, view, form.OriginalName!, form.OriginalType, form.OriginalSetIdentifier) is not { } old)
                    return Form(view, form, [$"The record set {form.OriginalName} {form.OriginalType} does not exist (any more)."], StatusCodes.Status409Conflict);
                changes.Add(("DELETE", old));
                changes.Add(("CREATE", set));
            }
            return Apply(http, zones, view, changes, form, form.IsNew ? "created" : "updated", set.Name);
        });

        console.MapPost(zonesPath + "/{zone}/recordset/delete", IResult (HttpContext http, string zone, [FromForm] RecordSetForm form) =>
        {
            if (Find(zones, zone) is not { } view)
                return Missing(zone);
            if (FindSet(zones, view, form.OriginalName ?? "", form.OriginalType, form.OriginalSetIdentifier) is not { } current)
                return Form(view, form, [$"The record set {form.OriginalName} {form.OriginalType} does not exist (any more)."], StatusCodes.Status404NotFound);
            return Apply(http, zones, view, [("DELETE", current)], form, "deleted", current.Name);
        });

        var routing = services.GetRequiredService<RoutingEnvironment>();
        console.MapGet(ConsoleNavigation.Answer[ConsoleNavigation.Home.Length..], IResult (string? name, string? type, string? client, string? subnet) =>
        {
            var query = new AnswerQuery(name, type ?? "A", client, subnet);
            if (string.IsNullOrWhiteSpace(name))
                return new RazorComponentResult<AnswerPage>(new { Query = query });
            if (query.Problem() is { } problem)
                return new RazorComponentResult<AnswerPage>(new { Query = query, Error = problem }) { StatusCode = StatusCodes.Status400BadRequest };
            Explanation explanation;
            try
            {
                explanation = SecondaryExplanation.Add(
                    Explainer.Explain(registry.Current, routing, name.Trim(), query.TypeCode, query.Resolver, query.ClientSubnet), services);
            }
            catch (FormatException e)
            {
                return new RazorComponentResult<AnswerPage>(new { Query = query, Error = $"name '{name}': {e.Message}" }) { StatusCode = StatusCodes.Status400BadRequest };
            }
            return new RazorComponentResult<AnswerPage>(new { Query = query, Explanation = explanation });
        });
    }

    /// <summary>A zone by its id (as the API gives it, file zones included) or by its name; the public one first when a name has several.</summary>
    private static HostedZoneView? Find(HostedZoneService zones, string key)
    {
        var all = zones.List();
        string id = HostedZoneService.StripPrefix(key, "/hostedzone/");
        string name = key.TrimEnd('.') + ".";
        return all.FirstOrDefault(z => z.Id == id)
            ?? all.Where(z => string.Equals(z.Name, name, StringComparison.OrdinalIgnoreCase)).OrderBy(z => z.IsPrivate).FirstOrDefault();
    }

    private static ResourceRecordSetJson? FindSet(HostedZoneService zones, HostedZoneView zone, string name, string? type, string? identifier)
    {
        if (string.IsNullOrWhiteSpace(type) || !Route53Names.TryParse(name, out var wire, out _))
            return null;
        identifier = string.IsNullOrEmpty(identifier) ? null : identifier;
        var (page, _) = zones.ListRecordSets(zone.Id, Route53Names.ToText(wire), type, identifier, 1);
        return page is [var set] && SameSet(name, type, identifier, set) ? set : null;
    }

    private static bool SameSet(string? name, string? type, string? identifier, ResourceRecordSetJson set) =>
        string.Equals((name ?? "").TrimEnd('.'), (set.Name ?? "").TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
        && string.Equals(type, set.Type, StringComparison.OrdinalIgnoreCase)
        && (string.IsNullOrEmpty(identifier) ? set.SetIdentifier is null : identifier == set.SetIdentifier);

    private static IResult Apply(HttpContext http, HostedZoneService zones, HostedZoneView view, List<(string, ResourceRecordSetJson)> changes, RecordSetForm form, string done, string? name)
    {
        try
        {
            zones.Change(view.Id, $"console: {http.User.Identity?.Name ?? "local"}", changes);
        }
        catch (Route53Exception e)
        {
            // The API's own words: the same messages `aws route53 change-resource-record-sets` prints.
            return Form(view, form, e.Messages.Select(m => $"{e.Code}: {m}").ToList(), e.Status);
        }
        return Results.LocalRedirect($"{ZonePage.PathOf(view.Id)}?done={done}&q={Uri.EscapeDataString((name ?? "").TrimEnd('.'))}");
    }

    private static RazorComponentResult<RecordSetPage> Form(HostedZoneView zone, RecordSetForm form, IReadOnlyList<string> errors, int status = StatusCodes.Status200OK) =>
        new(new { Zone = zone, Form = form, Errors = errors }) { StatusCode = status };

    private static RazorComponentResult<ZonePage> Missing(string zone) =>
        new(new { MissingZone = zone }) { StatusCode = StatusCodes.Status404NotFound };

    private static string? DoneText(string? done) => done switch
    {
        "created" => "Record set created.",
        "updated" => "Record set saved.",
        "deleted" => "Record set deleted.",
        _ => null,
    };
}

/// <summary>The Answer page's form: a name, a type, and who asks (the resolver's address, an EDNS client subnet).</summary>
public sealed record AnswerQuery(string? Name, string Type, string? Client, string? Subnet)
{
    /// <summary>TestDNSAnswer's default resolver when none is given.</summary>
    public const string DefaultResolver = "127.0.0.1";

    public ushort TypeCode => Enum.TryParse<RecordType>(Type.Trim(), ignoreCase: true, out var t) && !Type.Trim().All(char.IsDigit) ? (ushort)t : (ushort)0;

    public IpPrefix Resolver => IpPrefix.TryParse(string.IsNullOrWhiteSpace(Client) ? DefaultResolver : Client.Trim(), out var p) ? p : default;

    public IpPrefix? ClientSubnet => !string.IsNullOrWhiteSpace(Subnet) && IpPrefix.TryParse(Subnet.Trim(), out var p) ? p : null;

    /// <summary>What is wrong with the form, in the words of <c>dnshost explain</c>; null when it can be answered.</summary>
    public string? Problem()
    {
        if (TypeCode == 0)
            return $"'{Type}' is not a record type";
        if (!string.IsNullOrWhiteSpace(Client) && (!IpPrefix.TryParse(Client.Trim(), out var client) || client.Length != client.MaxLength))
            return $"client '{Client}' is not an IP address";
        if (!string.IsNullOrWhiteSpace(Subnet) && ClientSubnet is null)
            return $"subnet '{Subnet}' is not a CIDR block";
        if (Name is { } name && !Route53Names.TryParse(name.Trim(), out _, out var error))
            return $"name '{name}': {error}";
        return null;
    }
}
