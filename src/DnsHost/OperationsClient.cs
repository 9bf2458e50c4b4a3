using System.Net.Http.Json;
using System.Text.Json;
using DnsHost.Health;
using DnsHost.Web;

namespace DnsHost;

/// <summary>
/// Talks to a running server's operations endpoints (the health and drill verbs). With an admin token it sends
/// <c>Authorization: Bearer TOKEN</c>, which the server needs when Console:Authentication is Required.
/// </summary>
public sealed class OperationsClient(Uri baseAddress, string? adminToken = null) : DnsHost.Drill.IHealthOperations, IDisposable
{
    /// <summary>The environment variable the CLI reads the admin token from (a command line shows in ps; the environment does not).</summary>
    public const string AdminTokenVariable = "DNSHOST_ADMIN_TOKEN";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http = CreateHttp(baseAddress, adminToken);

    public Uri BaseAddress => baseAddress;

    /// <summary>The server's URL from --api (ADDR:PORT or a URL), else the default Api:Listen.</summary>
    public static Uri FromCommand(CommandLine command)
    {
        string text = command.Settings.TryGetValue("Api:Listen", out var value) && value is not null ? value : new ApiOptions().Listen;
        if (!text.Contains("://", StringComparison.Ordinal))
            text = "http://" + text;
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    /// <summary>The admin token for the operations endpoints: --Console:AdminToken=TOKEN, else $DNSHOST_ADMIN_TOKEN; null if neither.</summary>
    public static string? AdminToken(CommandLine command)
    {
        foreach (var arg in command.PassThrough)
            if (arg.StartsWith("--Console:AdminToken=", StringComparison.OrdinalIgnoreCase))
                return arg["--Console:AdminToken=".Length..];
        return Environment.GetEnvironmentVariable(AdminTokenVariable) is { Length: > 0 } token ? token : null;
    }

    /// <summary>A client for the verbs' own requests (flush, ping) that carries the admin token like this one does.</summary>
    public static HttpClient CreateHttp(Uri baseAddress, string? adminToken)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        if (!string.IsNullOrEmpty(adminToken))
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        return http;
    }

    public Task<List<HealthCheckStatus>> ListAsync(CancellationToken cancel = default) =>
        SendAsync<List<HealthCheckStatus>>(HttpMethod.Get, "", cancel);

    public Task<HealthCheckStatus> GetAsync(string id, CancellationToken cancel = default) =>
        SendAsync<HealthCheckStatus>(HttpMethod.Get, "/" + Uri.EscapeDataString(id), cancel);

    /// <summary>Forces the check healthy or unhealthy, or clears the override (null); with a TTL the server drops the override when it passes.</summary>
    public Task<HealthCheckStatus> OverrideAsync(string id, bool? healthy, CancellationToken cancel = default, TimeSpan? ttl = null) =>
        healthy is null
            ? SendAsync<HealthCheckStatus>(HttpMethod.Delete, $"/{Uri.EscapeDataString(id)}/override", cancel)
            : SendAsync<HealthCheckStatus>(HttpMethod.Put, $"/{Uri.EscapeDataString(id)}/override?status={(healthy.Value ? "Healthy" : "Unhealthy")}"
                + (ttl is { } t ? "&ttl=" + t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : ""), cancel);

    Task<HealthCheckStatus> DnsHost.Drill.IHealthOperations.SetOverrideAsync(string id, bool? healthy, TimeSpan? ttl, CancellationToken cancel) =>
        OverrideAsync(id, healthy, cancel, ttl);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, OperationsEndpoints.HealthChecksPath.TrimStart('/') + path);
        using var response = await _http.SendAsync(request, cancel);
        if (!response.IsSuccessStatusCode)
        {
            string detail = await response.Content.ReadAsStringAsync(cancel);
            try
            {
                using var doc = JsonDocument.Parse(detail);
                detail = $"{doc.RootElement.GetProperty("Error").GetString()}: {doc.RootElement.GetProperty("Message").GetString()}";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
            throw new OperationsException($"{(int)response.StatusCode} {detail}");
        }
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancel))!;
    }

    public void Dispose() => _http.Dispose();
}

public sealed class OperationsException(string message) : Exception(message);
