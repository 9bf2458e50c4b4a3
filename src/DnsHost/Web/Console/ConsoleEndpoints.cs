using DnsHost.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Web.WebConsole;

/// <summary>
/// The console's routes. A page is a .razor component rendered on the server (static SSR through
/// RazorComponentResult: no JavaScript, no WebSocket, no build step beyond the Razor SDK); its handler here
/// gathers the data from the server's services and passes it as parameters. Every route sits behind
/// <see cref="ConsoleAccess"/> (sign-in) and every POST needs the form's antiforgery token.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>The sign-in form's fields (POST /console/login).</summary>
    public sealed class SignInForm
    {
        public string? AccessKeyId { get; set; }
        public string? Secret { get; set; }
        public string? AdminToken { get; set; }
        public string? ReturnUrl { get; set; }
    }

    public static void Map(WebApplication app, IServiceProvider services, ConsoleCredentials credentials, ConsoleAuthentication mode)
    {
        var console = app.MapGroup(ConsoleNavigation.Home).RequireConsoleAntiforgery();
        console.MapGet("/assets/{file}", (string file) => Asset(file));

        bool required = mode == ConsoleAuthentication.Required;
        console.MapGet("/login", (string? returnUrl) =>
            new RazorComponentResult<SignInPage>(new { ReturnUrl = ConsoleAccess.LocalReturnUrl(returnUrl), Required = required }));
        console.MapPost("/login", async (HttpContext http, [FromForm] SignInForm form) =>
        {
            string returnUrl = ConsoleAccess.LocalReturnUrl(form.ReturnUrl);
            if (credentials.Verify(form.AccessKeyId, form.Secret, form.AdminToken) is not { } name)
                return new RazorComponentResult<SignInPage>(new
                {
                    ReturnUrl = returnUrl,
                    AccessKeyId = form.AccessKeyId,
                    Required = required,
                    Error = "That access key id and secret, or that admin token, is not right.",
                }) { StatusCode = StatusCodes.Status401Unauthorized };
            await ConsoleAccess.SignInAsync(http, name);
            return Results.LocalRedirect(returnUrl);
        });
        console.MapPost("/logout", async (HttpContext http) =>
        {
            await ConsoleAccess.SignOutAsync(http);
            return Results.LocalRedirect(ConsoleAccess.SignInPath);
        });

        var zones = services.GetRequiredService<DnsHost.Zones.ZoneRegistry>();
        var checker = services.GetRequiredService<HealthChecker>();
        console.MapGet("", () =>
        {
            var checks = checker.List();
            var summary = new ConsoleSummary(zones.Current.AllZones.Count(), checks.Count,
                checks.Count(c => c.Status.Equals("Unhealthy", StringComparison.OrdinalIgnoreCase)));
            return new RazorComponentResult<HomePage>(new { Summary = summary });
        });

        ZoneConsoleEndpoints.MapZonePages(console, services);
        MonitoringEndpoints.Map(console, services);
    }

    /// <summary>A file of Web/Console/Assets, embedded in the assembly (the csproj names each console/FILE).</summary>
    private static IResult Asset(string file)
    {
        var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("console/" + file);
        if (stream is null)
            return Results.NotFound();
        string type = Path.GetExtension(file) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }
}
