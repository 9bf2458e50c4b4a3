using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DnsHost.Web;

/// <summary>
/// The unauthenticated endpoints (operations under /dnshost, /healthz, /metrics) answer only requests
/// whose Host is an IP address, localhost, or a name in Api:AllowedHosts. A web page that rebinds its
/// own name to 127.0.0.1 sends its own name as Host, so it is refused (issue 16: DNS rebinding). The
/// Route 53 API is not guarded here: its requests are signed, Host included. Bodies are capped too.
/// </summary>
public static class OperationsHostGuard
{
    /// <summary>The largest body an operations endpoint reads (an override is a few dozen bytes).</summary>
    public const int MaxBodyBytes = 16 << 10;

    public static void UseOperationsHostGuard(this WebApplication app, IReadOnlyCollection<string> allowedHosts)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value?.Contains(DnsHost.Route53.Api.Route53Endpoints.Version, StringComparison.Ordinal) == true)
            {
                await next(context);
                return;
            }
            if (!IsAllowed(context.Request.Host, allowedHosts))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.Headers.Connection = "close";
                await context.Response.WriteAsJsonAsync(new
                {
                    Error = "InvalidHost",
                    Message = "The Host header must be an IP address, localhost or a name listed in Api:AllowedHosts",
                });
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = MaxBodyBytes;
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                await TooLarge(context);
                return;
            }
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                // A chunked body that went past the cap while the endpoint read it.
                await TooLarge(context);
            }
        });
    }

    private static Task TooLarge(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.Headers.Connection = "close";
        return context.Response.WriteAsJsonAsync(new { Error = "InvalidInput", Message = $"The request body is larger than {MaxBodyBytes} bytes" });
    }

    public static bool IsAllowed(HostString host, IReadOnlyCollection<string> allowedHosts)
    {
        if (!host.HasValue)
            return false;
        string name = host.Host.Trim('[', ']');
        return IPAddress.TryParse(name, out _)
            || name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || allowedHosts.Contains(name.TrimEnd('.'), StringComparer.OrdinalIgnoreCase);
    }
}
