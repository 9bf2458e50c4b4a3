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
/// PUT    /dnshost/health-checks/{id}/override   {"Status": "Healthy" | "Unhealthy"}  (or ?status=)
/// DELETE /dnshost/health-checks/{id}/override
/// </code>
/// </summary>
public static class OperationsEndpoints
{
    public const string HealthChecksPath = "/dnshost/health-checks";

    public sealed record OverrideRequest(string? Status);

    private static readonly System.Text.Json.JsonSerializerOptions BodyOptions = new() { PropertyNameCaseInsensitive = true };

    public static void Map(IEndpointRouteBuilder app, HealthChecker checker)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet(HealthChecksPath, () => Results.Ok(checker.List()));
        app.MapGet(HealthChecksPath + "/{id}", (string id) =>
            checker.Get(id) is { } status ? Results.Ok(status) : NoSuchHealthCheck(id));
        app.MapPut(HealthChecksPath + "/{id}/override", async (string id, HttpRequest request) =>
        {
            string? text = request.Query["status"];
            if (text is null)
            {
                using var reader = new StreamReader(request.Body);
                string body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
                if (body.Length > 0)
                {
                    try
                    {
                        text = System.Text.Json.JsonSerializer.Deserialize<OverrideRequest>(body, BodyOptions)?.Status;
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
            return checker.SetOverride(id, healthy) ? Results.Ok(checker.Get(id)) : NoSuchHealthCheck(id);
        });
        app.MapDelete(HealthChecksPath + "/{id}/override", (string id) =>
            checker.SetOverride(id, null) ? Results.Ok(checker.Get(id)) : NoSuchHealthCheck(id));
    }

    private static IResult NoSuchHealthCheck(string id) =>
        Error(404, "NoSuchHealthCheck", $"No health check exists with the specified ID {id}");

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { Error = code, Message = message }, statusCode: status);
}
