using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Web;

/// <summary>
/// Who may use the HTTP endpoint's own paths (the console under /console, the operations endpoints under
/// /dnshost, and anything mapped later): everything except the Route 53 API (SigV4, checked by its own
/// middleware) and Console:OpenPaths needs, when Console:Authentication is Required, either a console
/// sign-in (a cookie: HttpOnly, SameSite=Strict, Secure over TLS) or an Authorization header
/// (<see cref="ConsoleCredentials.VerifyAuthorization"/>). Console forms carry an antiforgery token whatever the mode.
/// </summary>
public static class ConsoleAccess
{
    public const string CookieName = "dnshost-console";
    public const string SignInPath = "/console/login";
    public const string SignOutPath = "/console/logout";
    public const string AssetsPath = "/console/assets";

    public static void AddConsoleAccess(this IServiceCollection services, WebConsoleOptions options)
    {
        // Keys in memory: a sign-in and a form's token last until the server restarts, and nothing is written
        // to the home directory (registered before the framework's TryAdd, so it is the one used).
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.Path = "/";
                cookie.LoginPath = SignInPath;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
                cookie.SlidingExpiration = true;
            });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = CookieName + "-csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }

    /// <summary>Authentication, the gate, then antiforgery validation; after the Route 53 API's and the host guard's middleware.</summary>
    public static void UseConsoleAccess(this WebApplication app, ConsoleAuthentication mode, WebConsoleOptions options, ConsoleCredentials credentials)
    {
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            if (mode == ConsoleAuthentication.OffOnLoopback || IsOpen(context.Request.Path, options.OpenPaths)
                || context.User.Identity?.IsAuthenticated == true)
            {
                await next(context);
                return;
            }
            string? authorization = context.Request.Headers.Authorization;
            if (authorization is not null)
            {
                if (credentials.VerifyAuthorization(authorization) is { } name)
                {
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "Authorization"));
                    await next(context);
                    return;
                }
            }
            else if (context.Request.Path.StartsWithSegments("/console") && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect(SignInPath + "?returnUrl=" + Uri.EscapeDataString(context.Request.PathBase + context.Request.Path + context.Request.QueryString));
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"dnshost\", Basic realm=\"dnshost\"";
            await context.Response.WriteAsJsonAsync(new
            {
                Error = "Unauthenticated",
                Message = authorization is null
                    ? "Sign in at /console/login, or send Authorization: Bearer (Console:AdminToken) or Basic (an Api:AccessKeys id and secret)"
                    : "The credential in the Authorization header is not right",
            });
        });
        app.UseAntiforgery();
    }

    /// <summary>Paths that need no credential: the Route 53 API (signed), the sign-in page, the console's stylesheet, and Console:OpenPaths.</summary>
    public static bool IsOpen(PathString path, IReadOnlyList<string> openPaths)
    {
        if (path.StartsWithSegments(DnsHost.Route53.Api.Route53Endpoints.Version) || path.StartsWithSegments(SignInPath) || path.StartsWithSegments(AssetsPath))
            return true;
        foreach (var open in openPaths)
            if (path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>
    /// Every POST under /console needs the form's antiforgery token, whether or not its handler binds a form:
    /// the middleware validates (the metadata asks it to) and this filter answers 400 when it failed.
    /// </summary>
    public static RouteGroupBuilder RequireConsoleAntiforgery(this RouteGroupBuilder group)
    {
        group.WithMetadata(new RequireAntiforgeryTokenAttribute());
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
                && http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
                return Results.Text("400 Bad Request: the form's anti-forgery token is missing or wrong; reload the page and send it again\n", statusCode: StatusCodes.Status400BadRequest);
            return await next(context);
        });
        return group;
    }

    /// <summary>A return address after sign-in: only a path on this server, never another site.</summary>
    public static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 1 } && returnUrl[0] == '/' && returnUrl[1] is not '/' and not '\\' ? returnUrl : "/console";

    public static Task SignInAsync(HttpContext context, string name) =>
        context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme)));

    public static Task SignOutAsync(HttpContext context) =>
        context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
}
