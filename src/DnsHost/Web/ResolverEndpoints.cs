using DnsHost.Protocol;
using DnsHost.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DnsHost.Web;

/// <summary>
/// The resolver's operations endpoints:
/// <code>
/// POST /dnshost/resolver/flush              empty the whole cache
/// POST /dnshost/resolver/flush?name=NAME    drop every cached answer for NAME
/// GET  /dnshost/resolver/cache              the cached entries (name, type, rcode, TTL left, hits)
/// </code>
/// </summary>
public static class ResolverEndpoints
{
    public const string Path = "/dnshost/resolver";

    public sealed record FlushResult(string Scope, int Flushed);
    public sealed record CacheEntryView(string Name, string Type, string ResponseCode, long TtlLeft, int Records, int Hits, bool Negative);

    public static void Map(IEndpointRouteBuilder app, RecursionService recursion)
    {
        app.MapPost(Path + "/flush", (string? name) =>
        {
            if (recursion.Resolver is not { } resolver)
                return Off();
            if (string.IsNullOrEmpty(name))
                return Results.Ok(new FlushResult("all", resolver.Flush()));
            if (!DnsName.TryParse(name.EndsWith('.') ? name : name + ".", default, out _, out var error))
                return Results.Json(new { Error = "InvalidInput", Message = $"'{name}' is not a domain name: {error}" }, statusCode: 400);
            return Results.Ok(new FlushResult(name, resolver.Flush(name)));
        });
        app.MapGet(Path + "/cache", () =>
        {
            if (recursion.Resolver is not { } resolver)
                return Off();
            long now = resolver.Clock.Now;
            return Results.Ok(resolver.Cache.Dump()
                .OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Type, StringComparer.Ordinal)
                .Select(e => new CacheEntryView(e.Name, e.Type, e.Entry.ResponseCode.ToString().ToUpperInvariant(),
                    (e.Entry.ExpiresAt - now) / 1000, e.Entry.RecordCount, e.Entry.Hits, e.Entry.IsNegative)));
        });
    }

    private static IResult Off() =>
        Results.Json(new { Error = "ResolverOff", Message = "the resolver is off: configure Resolver:Forwarders, Resolver:RootHints or Resolver:Enabled" }, statusCode: 404);
}
