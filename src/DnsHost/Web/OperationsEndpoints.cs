using DnsHost.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DnsHost.Web;

/// <summary>
/// Endpoints for operators and test harnesses: liveness, health check status, and overrides.
/// <code>
/// GET    /healthz
/// GET    /dnshost/health-checks
/// GET    /dnshost/health-checks/{id}
/// PUT    /dnshost/health-checks/{id}/override   {"Status": "Healthy" | "Unhealthy", "TtlSeconds": 60}  (or ?status=&amp;ttl=)
/// DELETE /dnshost/health-checks/{id}/override
/// </code>
/// </summary>
public static class OperationsEndpoints
{
    public const string HealthChecksPath = "/dnshost/health-checks";
    public const double MaxOverrideTtlSeconds = 7 * 24 * 3600;

    /// <summary>An override; with <c>TtlSeconds</c> the server drops it by itself when they pass.</summary>
    public sealed record OverrideRequest(string? Status, double? TtlSeconds = null);

    private static readonly System.Text.Json.JsonSerializerOptions BodyOptions = new() { PropertyNameCaseInsensitive = true };

    /// <param name="setOverride">Sets or clears an override (on every node of a cluster); by default the checker's own.</param>
    public static void Map(IEndpointRouteBuilder app, HealthChecker checker, ClusterState? cluster = null, Func<string, bool?, TimeSpan?, bool>? setOverride = null)
    {
        setOverride ??= checker.SetOverride;
        // A degraded cluster node still answers DNS (static stability): 200, with the reason for a person to read.
        app.MapGet("/healthz", () => Results.Text(cluster?.Degraded is { } reason ? $"degraded: {reason}\n" : "ok\n"));
        app.MapGet(HealthChecksPath, () => Results.Ok(checker.List()));
        app.MapGet(HealthChecksPath + "/{id}", (string id) =>
            checker.Get(id) is { } status ? Results.Ok(status) : NoSuchHealthCheck(id));
        app.MapPut(HealthChecksPath + "/{id}/override", async (string id, HttpRequest request) =>
        {
            string? text = request.Query["status"];
            string? ttlText = request.Query["ttl"];
            double? ttlSeconds = null;
            if (ttlText is not null)
            {
                if (!double.TryParse(ttlText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double parsed))
                    return Error(400, "InvalidInput", $"ttl '{ttlText}' must be a number of seconds");
                ttlSeconds = parsed;
            }
            if (text is null)
            {
                // At most OperationsHostGuard.MaxBodyBytes: Kestrel stops a longer body (413) before it is held.
                using var reader = new StreamReader(request.Body);
                string body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
                if (body.Length > 0)
                {
                    try
                    {
                        var parsed = System.Text.Json.JsonSerializer.Deserialize<OverrideRequest>(body, BodyOptions);
                        text = parsed?.Status;
                        ttlSeconds ??= parsed?.TtlSeconds;
                    }
                    catch (System.Text.Json.JsonException e)
                    {
                        return Error(400, "InvalidInput", $"the body is not {{\"Status\": \"Healthy\"}} or {{\"Status\": \"Unhealthy\"}}: {e.Message}");
                    }
                }
            }
            bool? healthy = text?.ToLowerInvariant() switch
            {
                "healthy" => true,
                "unhealthy" => false,
                _ => null,
            };
            if (healthy is null)
                return Error(400, "InvalidInput", $"Status '{text}' must be Healthy or Unhealthy");
            if (ttlSeconds is { } seconds && !(seconds > 0 && seconds <= MaxOverrideTtlSeconds))
                return Error(400, "InvalidInput", $"TtlSeconds {seconds} must be above 0 and at most {MaxOverrideTtlSeconds} (one week)");
            TimeSpan? ttl = ttlSeconds is { } s ? TimeSpan.FromSeconds(s) : null;
            return Override(setOverride, checker, id, healthy, ttl);
        });
        app.MapDelete(HealthChecksPath + "/{id}/override", (string id) =>
            Override(setOverride, checker, id, null, null));
    }

    private static IResult Override(Func<string, bool?, TimeSpan?, bool> setOverride, HealthChecker checker, string id, bool? healthy, TimeSpan? ttl)
    {
        try
        {
            return setOverride(id, healthy, ttl) ? Results.Ok(checker.Get(id)) : NoSuchHealthCheck(id);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or DnsHost.Route53.Storage.ApiStoreException)
        {
            // A cluster node shares an override through the store; without it nothing is changed, on any node.
            return Error(503, "ServiceUnavailable", $"the override was not set: the store the nodes share cannot be reached ({e.Message.Split('\n')[0].Trim()})");
        }
    }

    private static IResult NoSuchHealthCheck(string id) =>
        Error(404, "NoSuchHealthCheck", $"No health check exists with the specified ID {id}");

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { Error = code, Message = message }, statusCode: status);
}
