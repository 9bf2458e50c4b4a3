using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static DnsHost.Route53.Api.Route53Xml;

namespace DnsHost.Route53.Api;

/// <summary>
/// Route 53's REST-XML API (2013-04-01) on the HTTP endpoint: paths, query parameters, XML shapes
/// and errors as the AWS CLI and SDKs expect them, behind SigV4, under any path prefix.
/// </summary>
public static partial class Route53Endpoints
{
    public const string Version = "/2013-04-01";

    /// <summary>Strips a path prefix (--endpoint-url http://host/prefix) and checks the signature before routing.</summary>
    /// <param name="requestsPerSecond">Route 53's account rate limit (5 per second) when above 0, so clients' retry logic can be tested; 0 is off.</param>
    /// <param name="faults">For tests of clients: a share of requests fails before its operation runs (throttled, 500 or dropped).</param>
    public static void UseRoute53(this WebApplication app, SigV4Verifier verifier, int requestsPerSecond = 0, ApiMetrics? metrics = null, Route53FaultInjection? faults = null, TimeProvider? time = null)
    {
        if (faults is { Enabled: false })
            faults = null;
        var limiter = requestsPerSecond > 0 ? new AccountRateLimit(requestsPerSecond, time ?? TimeProvider.System) : null;
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            int at = path.IndexOf(Version + "/", StringComparison.Ordinal);
            if (at < 0 && path.EndsWith(Version, StringComparison.Ordinal))
                at = path.Length - Version.Length;
            if (at < 0)
            {
                await next(context);
                return;
            }
            if (at > 0)
            {
                context.Request.PathBase = context.Request.PathBase.Add(new PathString(path[..at]));
                context.Request.Path = new PathString(path[at..]);
            }
            string? operation = Route53Operations.Find(context.Request.Method, context.Request.Path.Value ?? "");
            if (metrics is not null)
            {
                context.Response.OnCompleted(() =>
                {
                    metrics.Record(operation ?? "unknown", context.Response.StatusCode);
                    return Task.CompletedTask;
                });
            }
            // The signature covers the path as sent, prefix included.
            var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? path;
            int q = rawTarget.IndexOf('?');
            var (rawPath, rawQuery) = (q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[(q + 1)..]);
            var headers = context.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
            // Issue 16: a request that cannot be signed is refused before its body is read, and a body is read
            // (into memory, at most what its operation can use) only then.
            var result = verifier.VerifyHeaders(context.Request.Method, rawPath, rawQuery, headers);
            byte[]? body = null;
            if (result.Ok)
            {
                int max = Route53RequestLimits.MaxBodyBytes(operation);
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                    size.MaxRequestBodySize = max;
                try
                {
                    body = await Route53RequestLimits.ReadBodyAsync(context.Request.Body, context.Request.ContentLength, max, context.RequestAborted);
                }
                catch (BadHttpRequestException)
                {
                    // Kestrel's own cap (set above) on a chunked body.
                }
                if (body is null)
                {
                    // A declared body not far over the cap is read and thrown away first, so the client, still
                    // sending it, gets to read the 413 instead of a reset connection (RFC 9112 9.6); a larger one
                    // is answered at once and the connection closed.
                    if (context.Request.ContentLength is long declared && declared <= Route53RequestLimits.DrainBytes
                        && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } drain)
                    {
                        drain.MaxRequestBodySize = declared;
                        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                    }
                    else
                        context.Response.Headers.Connection = "close";
                    await WriteError(context, new Route53Exception("InvalidInput", $"The request body is larger than {max} bytes, more than {operation ?? "this request"} accepts", 413));
                    return;
                }
                context.Request.Body = new MemoryStream(body, writable: false);
                result = verifier.Verify(context.Request.Method, rawPath, rawQuery, headers, body);
            }
            if (!result.Ok)
            {
                if (body is null)
                    context.Response.Headers.Connection = "close";
                // Every signature failure is 403 (route53-behaviour.md 7.1); nothing else runs.
                await WriteError(context, new Route53Exception(result.Failure.ToString(), result.Message, 403));
                return;
            }
            if (limiter is not null && !limiter.TryTake())
            {
                await WriteError(context, new Route53Exception("Throttling", "Rate exceeded", 400));
                return;
            }
            // Injected faults come before the operation, so a client's retry never repeats a change that happened.
            switch (faults?.Next())
            {
                case Route53FaultInjection.Fault.Throttle:
                    await WriteError(context, new Route53Exception("Throttling", "Rate exceeded", 400));
                    return;
                case Route53FaultInjection.Fault.ServerError:
                    await WriteError(context, new Route53Exception("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500));
                    return;
                case Route53FaultInjection.Fault.Drop:
                    context.Abort();
                    return;
            }
            try
            {
                await next(context);
            }
            catch (Route53Exception e)
            {
                await WriteError(context, e);
            }
            catch (XmlException e)
            {
                await WriteError(context, new Route53Exception("InvalidInput", $"The request body is not valid XML: {e.Message}"));
            }
            catch (Exception e) when (!context.Response.HasStarted && e is Storage.ApiStoreException or System.Data.Common.DbException)
            {
                // The store is down or cut off (issue 23's static stability): DNS keeps answering from memory,
                // and a write is refused with Route 53's error for a temporary failure, which clients retry.
                await WriteError(context, new Route53Exception("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503));
            }
            catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
            {
                // Never an HTML page or an empty 500: Route 53's InternalFailure, and the log has the rest.
                if (Logger(context) is { } logger)
                    LogRequestFailed(logger, e, context.Request.Method, context.Request.Path.ToString());
                await WriteError(context, new Route53Exception("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500));
            }
        });
        app.UseRouting();
    }

    public static void MapRoute53(this IEndpointRouteBuilder app, HostedZoneService zones)
    {
        app.MapPost(Version + "/hostedzone", async (HttpContext context) =>
        {
            var request = await ReadBody(context, "CreateHostedZoneRequest");
            string name = Text(request, "Name") ?? throw Missing("Name");
            string reference = Text(request, "CallerReference") ?? throw Missing("CallerReference");
            var config = Child(request, "HostedZoneConfig");
            var vpcElement = Child(request, "VPC");
            VpcAssociation? vpc = vpcElement is null ? null : new VpcAssociation(Text(vpcElement, "VPCId") ?? throw Missing("VPC.VPCId"), Text(vpcElement, "VPCRegion") ?? throw Missing("VPC.VPCRegion"));
            bool isPrivate = Bool(config, "PrivateZone") ?? vpc is not null;
            var (zone, change) = zones.Create(name, reference, Text(config, "Comment"), isPrivate, vpc, Text(request, "DelegationSetId"));
            string location = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{Version}/hostedzone/{zone.Id}";
            context.Response.Headers.Location = location;
            return Xml(E("CreateHostedZoneResponse",
                HostedZone(zone),
                ChangeInfo(change, "PENDING"),
                vpc is null ? DelegationSet(zones, zone.Id) : null,
                vpc is null ? null : E("VPC", E("VPCRegion", vpc.VpcRegion), E("VPCId", vpc.VpcId))), 201);
        });
        app.MapGet(Version + "/hostedzone", (HttpContext context) =>
        {
            int max = MaxItems(context, HostedZoneService.MaxZonesPerPage);
            string? marker = context.Request.Query["marker"];
            string? type = context.Request.Query["hostedzonetype"];
            if (type is not (null or "PrivateHostedZone"))
                throw new Route53Exception("InvalidInput", Route53Texts.ValidationErrors([Route53Texts.Validation(type, "hostedZoneType", "Member must satisfy enum value set: [PrivateHostedZone]")]));
            string? delegationSet = context.Request.Query["delegationsetid"];
            if (delegationSet is not null)
                zones.GetDelegationSet(delegationSet);
            var all = zones.List().Where(z => (type is null || z.IsPrivate)
                && (delegationSet is null || zones.DelegationSetIdOf(z.Id) == HostedZoneService.StripPrefix(delegationSet, "/delegationset/"))).ToList();
            int start = marker is null ? 0 : all.ToList().FindIndex(z => string.CompareOrdinal(z.Id, marker) >= 0);
            if (start < 0)
                start = all.Count;
            var page = all.Skip(start).Take(max).ToList();
            bool truncated = start + max < all.Count;
            return Xml(E("ListHostedZonesResponse",
                E("HostedZones", page.Select(HostedZone)),
                E("Marker", marker ?? ""),
                E("IsTruncated", truncated ? "true" : "false"),
                truncated ? E("NextMarker", all[start + max].Id) : null,
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
        app.MapGet(Version + "/hostedzonecount", () =>
            Xml(E("GetHostedZoneCountResponse", E("HostedZoneCount", zones.List().Count.ToString(CultureInfo.InvariantCulture)))));
        app.MapGet(Version + "/hostedzone/{id}", (string id, HttpContext context) =>
        {
            var zone = zones.Get(id);
            // Several public zones may share a name; DNS answers from one. Say which, beside the Route 53 shape.
            if (!zone.IsPrivate && zones.ServedInstead(zone.Id) is { } served)
                context.Response.Headers["x-dnshost-dns-served-by"] = "/hostedzone/" + served;
            return Xml(E("GetHostedZoneResponse",
                HostedZone(zone),
                zone.IsPrivate ? null : DelegationSet(zones, zone.Id),
                zone.IsPrivate ? E("VPCs", zone.Vpcs.Select(v => E("VPC", E("VPCRegion", v.VpcRegion), E("VPCId", v.VpcId)))) : null));
        });
        app.MapPost(Version + "/hostedzone/{id}", async (string id, HttpContext context) =>
        {
            // No body at all (the JS SDK sends none without a comment) deletes the comment, as on Route 53.
            var request = await ReadBodyOrNull(context, "UpdateHostedZoneCommentRequest");
            return Xml(E("UpdateHostedZoneCommentResponse", HostedZone(zones.UpdateComment(id, Text(request, "Comment")))));
        });
        app.MapGet(Version + "/hostedzonesbyname", (HttpContext context) =>
        {
            int max = MaxItems(context, HostedZoneService.MaxZonesPerPage);
            string? dnsName = context.Request.Query["dnsname"];
            string? zoneId = context.Request.Query["hostedzoneid"];
            if (zoneId is not null && dnsName is null)
                throw new Route53Exception("InvalidInput", "HostedZoneId can be given only with DNSName");
            if (dnsName is not null && !Route53Names.TryParse(dnsName, out var wire, out var error))
                throw new Route53Exception("InvalidDomainName", $"{dnsName} is not a valid domain name: {error}");
            var all = zones.ListByName();
            string? from = dnsName is null ? null : HostedZoneService.ReversedName(dnsName);
            int start = from is null ? 0 : all.ToList().FindIndex(z =>
            {
                int c = string.CompareOrdinal(HostedZoneService.ReversedName(z.Name), from);
                return c > 0 || (c == 0 && (zoneId is null || string.CompareOrdinal(z.Id, HostedZoneService.StripPrefix(zoneId, "/hostedzone/")) >= 0));
            });
            if (start < 0)
                start = all.Count;
            bool truncated = start + max < all.Count;
            return Xml(E("ListHostedZonesByNameResponse",
                E("HostedZones", all.Skip(start).Take(max).Select(HostedZone)),
                Opt("DNSName", dnsName),
                Opt("HostedZoneId", zoneId),
                E("IsTruncated", truncated ? "true" : "false"),
                truncated ? E("NextDNSName", all[start + max].Name) : null,
                truncated ? E("NextHostedZoneId", all[start + max].Id) : null,
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
        app.MapGet(Version + "/testdnsanswer", (HttpContext context) =>
        {
            var q = context.Request.Query;
            string zoneId = q["hostedzoneid"].ToString() is { Length: > 0 } z ? z : throw Missing("HostedZoneId");
            string name = q["recordname"].ToString() is { Length: > 0 } n ? n : throw Missing("RecordName");
            string type = q["recordtype"].ToString() is { Length: > 0 } t ? t : throw Missing("RecordType");
            var zone = zones.Get(zoneId);
            if (!DnsHost.Zones.Routing.IpPrefix.TryParse(q["resolverip"].ToString() is { Length: > 0 } r ? r : "127.0.0.1", out var resolver))
                throw new Route53Exception("InvalidInput", $"ResolverIP '{q["resolverip"]}' is not an IP address");
            DnsHost.Zones.Routing.IpPrefix? subnet = null;
            if (q["edns0clientsubnetip"].ToString() is { Length: > 0 } ecs)
            {
                string mask = q["edns0clientsubnetmask"].ToString() is { Length: > 0 } m ? m : (ecs.Contains(':') ? "56" : "24");
                if (!DnsHost.Zones.Routing.IpPrefix.TryParse($"{ecs}/{mask}", out var parsed))
                    throw new Route53Exception("InvalidInput", $"EDNS0ClientSubnetIP/Mask '{ecs}/{mask}' is not a subnet");
                subnet = parsed.Masked(parsed.Length);
            }
            if (!Enum.TryParse<DnsHost.Protocol.RecordType>(type, ignoreCase: false, out var recordType) || type.All(char.IsDigit))
                throw new Route53Exception("InvalidInput", $"RecordType '{type}' is not a record type");
            ushort code = (ushort)recordType;
            var explanation = DnsHost.Zones.Routing.Explainer.Explain(zones.Registry.Current, zones.Routing, name, code, resolver, subnet, zones.ZoneOf(zone.Id));
            return Xml(E("TestDNSAnswerResponse",
                E("Nameserver", zones.NameServers[0].TrimEnd('.')),
                E("RecordName", explanation.RecordName),
                E("RecordType", explanation.RecordType),
                E("RecordData", explanation.RecordData.Select(d => E("RecordDataEntry", d))),
                E("ResponseCode", explanation.ResponseCode.ToString().ToUpperInvariant()),
                E("Protocol", "UDP")));
        });
        app.MapDelete(Version + "/hostedzone/{id}", (string id) =>
            Xml(E("DeleteHostedZoneResponse", ChangeInfo(zones.Delete(id), "PENDING"))));
        // Routing ignores the trailing slash the model has ("/rrset/").
        app.MapPost(Version + "/hostedzone/{id}/rrset", ChangeRecordSets);
        app.MapGet(Version + "/hostedzone/{id}/rrset", (string id, HttpContext context) =>
        {
            int max = MaxItems(context, HostedZoneService.MaxRecordSetsPerPage);
            var query = context.Request.Query;
            var (page, next) = zones.ListRecordSets(id, query["name"], query["type"], query["identifier"], max);
            return Xml(E("ListResourceRecordSetsResponse",
                E("ResourceRecordSets", page.Select(WriteRecordSet)),
                E("IsTruncated", next is null ? "false" : "true"),
                next is null ? null : E("NextRecordName", next.Name),
                next is null ? null : E("NextRecordType", next.Type),
                next?.SetIdentifier is null ? null : E("NextRecordIdentifier", next.SetIdentifier),
                E("MaxItems", max.ToString(CultureInfo.InvariantCulture))));
        });
        app.MapGet(Version + "/change/{id}", (string id) =>
        {
            var (change, status) = zones.GetChange(id) ?? throw new Route53Exception("NoSuchChange", $"A change with the specified change ID does not exist: {id}", 404);
            return Xml(E("GetChangeResponse", ChangeInfo(change, status)));
        });
        // Anything else under the API's version prefix: Route 53's error, naming the operation when there is one.
        app.MapFallback(Version + "/{**rest}", (HttpContext context) =>
        {
            string path = context.Request.Path.Value ?? "";
            string? operation = Route53Operations.Find(context.Request.Method, path);
            throw operation is null
                ? new Route53Exception("InvalidAction", $"No Route 53 operation matches {context.Request.Method} {path}", 400)
                : new Route53Exception("NotImplemented", $"DnsHost does not implement the Route 53 operation {operation} yet", 501);
        });

        async Task<IResult> ChangeRecordSets(string id, HttpContext context)
        {
            var request = await ReadBody(context, "ChangeResourceRecordSetsRequest");
            var batch = Child(request, "ChangeBatch") ?? throw Missing("ChangeBatch");
            var changes = Children(batch, "Changes", "Change")
                .Select(c => (Text(c, "Action") ?? throw Missing("Change.Action"), ReadRecordSet(Child(c, "ResourceRecordSet") ?? throw Missing("Change.ResourceRecordSet"))))
                .ToList();
            var change = zones.Change(id, Text(batch, "Comment"), changes);
            return Xml(E("ChangeResourceRecordSetsResponse", ChangeInfo(change, "PENDING")));
        }
    }

    internal static Route53Exception Missing(string field) => new("InvalidInput", $"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null");

    internal static int MaxItems(HttpContext context, int limit)
    {
        string? text = context.Request.Query["maxitems"];
        if (text is null)
            return limit;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int max) || max < 1)
            throw new Route53Exception("InvalidInput", $"MaxItems '{text}' must be a positive number");
        return Math.Min(max, limit);
    }

    /// <summary>The body, or null when the request has none (only whitespace).</summary>
    internal static async Task<XElement?> ReadBodyOrNull(HttpContext context, string root)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.ToArray().All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            return null;
        buffer.Position = 0;
        context.Request.Body = buffer;
        return await ReadBody(context, root);
    }

    internal static async Task<XElement> ReadBody(HttpContext context, string root)
    {
        // The middleware has read the body into memory (and capped it) before the signature check.
        if (context.Request.Body is not MemoryStream { } stream)
        {
            var read = await Route53RequestLimits.ReadBodyAsync(context.Request.Body, context.Request.ContentLength, Route53RequestLimits.MaxBodyBytes(null), context.RequestAborted)
                ?? throw new Route53Exception("InvalidInput", "The request body is too large", 413);
            stream = new MemoryStream(read, writable: false);
        }
        var document = Route53RequestLimits.ParseBody(stream);
        var element = document.Root!;
        if (element.Name.LocalName != root)
            throw new Route53Exception("InvalidInput", $"The request body must be {root}, not {element.Name.LocalName}");
        // Accept the body with or without the namespace.
        if (element.Name.Namespace != Ns)
        {
            foreach (var e in element.DescendantsAndSelf())
                e.Name = Ns + e.Name.LocalName;
        }
        return element;
    }

    private static XElement HostedZone(HostedZoneView zone) => E("HostedZone",
        E("Id", "/hostedzone/" + zone.Id),
        E("Name", zone.Name),
        E("CallerReference", zone.CallerReference),
        E("Config", Opt("Comment", zone.Comment), E("PrivateZone", zone.IsPrivate ? "true" : "false")),
        E("ResourceRecordSetCount", zone.RecordSetCount.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The zone's delegation set: its reusable set (with the set's Id) or the configured name servers.</summary>
    private static XElement DelegationSet(HostedZoneService zones, string zoneId) =>
        E("DelegationSet", Opt("Id", zones.DelegationSetIdOf(zoneId) is { } set ? "/delegationset/" + set : null),
            E("NameServers", zones.DelegationOf(zoneId).Select(ns => E("NameServer", ns.TrimEnd('.')))));

    internal static IResult Xml(XElement body, int status = 200) => new XmlResult(new XDocument(new XDeclaration("1.0", "UTF-8", null), body), status);

    private sealed class XmlResult(XDocument document, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/xml";
            if (!context.Response.Headers.ContainsKey("x-amzn-RequestId"))
                context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            await using var writer = XmlWriter.Create(context.Response.Body, new XmlWriterSettings { Async = true, Encoding = new System.Text.UTF8Encoding(false) });
            await document.SaveAsync(writer, context.RequestAborted);
        }
    }

    public static Task WriteError(HttpContext context, Route53Exception e)
    {
        string requestId = Guid.NewGuid().ToString();
        if (!Route53RequestLimits.IsXmlSafe(e.Message))
        {
            // Only input quoted in the message can bring characters XML cannot carry (a control character or a
            // lone surrogate in a path or an id): the request is invalid; the reply says so, escaped, and one line is logged.
            if (Logger(context) is { } logger)
                LogUnquotable(logger, context.Request.Method, Route53RequestLimits.XmlSafe(context.Request.Path.Value ?? ""), e.Code);
            e = new Route53Exception("InvalidInput", e.Message + " (the request holds characters that XML cannot carry)");
        }
        // Always the ErrorResponse envelope, InvalidChangeBatch included: botocore reads only this one
        // (route53-behaviour.md 2.2 and 7.2).
        var body = E("ErrorResponse", E("Error", E("Type", e.Status >= 500 ? "Receiver" : "Sender"), E("Code", e.Code), E("Message", Route53RequestLimits.XmlSafe(e.Message))), E("RequestId", requestId));
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        return new XmlResult(new XDocument(new XDeclaration("1.0", "UTF-8", null), body), e.Status).ExecuteAsync(context);
    }

    private static ILogger? Logger(HttpContext context) => context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("DnsHost.Route53.Api");

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: {Code} quoting characters XML cannot carry; answered InvalidInput")]
    private static partial void LogUnquotable(ILogger logger, string method, string path, string code);
}
