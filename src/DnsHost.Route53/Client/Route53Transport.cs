using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using DnsHost.Route53.Api;

namespace DnsHost.Route53.Client;

/// <summary>
/// Sends one Route 53 REST-XML request: signs it with AWSSDK.Core's SigV4 signer, and retries
/// Throttling, PriorRequestNotComplete, 5xx answers, dropped connections and timeouts with exponential
/// backoff and full jitter, within <see cref="Route53ClientOptions.MaxAttempts"/>.
/// </summary>
internal sealed class Route53Transport : IDisposable
{
    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly Route53ClientOptions _options;
    private readonly RegionEndpoint _region;
    private readonly string _base;

    public Route53Transport(AWSCredentials credentials, Route53ClientOptions options, HttpMessageHandler? handler)
    {
        if (options.MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxAttempts must be at least 1, not {options.MaxAttempts}");
        _credentials = credentials;
        _options = options;
        _region = RegionEndpoint.GetBySystemName(options.SigningRegion);
        // The timeout is per attempt, below; the HttpClient's own would cut across retries.
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        // Any path prefix of the endpoint stays in front of /2013-04-01 (and in the signature).
        _base = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    public ClientCounters Counters { get; } = new();

    /// <summary>The answer's XML root (null for an empty body), or <see cref="Route53ClientException"/>.</summary>
    /// <param name="pathAndQuery">From /2013-04-01 on, with the query already escaped.</param>
    public async Task<XElement?> SendAsync(HttpMethod method, string pathAndQuery, XElement? body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + pathAndQuery);
        byte[]? content = body is null ? null : Serialize(body);
        for (int attempt = 1; ; attempt++)
        {
            Counters.CountCall();
            if (attempt > 1)
                Counters.CountRetry();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            Route53ClientException failure;
            try
            {
                using var request = await SignAsync(method, uri, content, timeout.Token);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                byte[] bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                int status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                    return bytes.Length == 0 ? null : Parse(bytes, status);
                failure = Error(bytes, status);
                if (!IsRetryable(failure))
                    throw failure;
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new Route53ClientException("RequestTimeout", $"no answer from {_options.Endpoint} to {method} {pathAndQuery} within {_options.Timeout.TotalSeconds:0.###} s", 0, e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                failure = new Route53ClientException("ConnectionError", $"{method} {pathAndQuery} to {_options.Endpoint} failed: {e.Message}", 0, e);
            }
            if (attempt >= _options.MaxAttempts)
                throw failure;
            var wait = Backoff(attempt);
            _options.OnRetry?.Invoke(RetryNotice(failure, attempt, wait));
            await Task.Delay(wait, _options.Time, cancellationToken);
        }
    }

    /// <summary>What the client waits for, e.g. <c>ConnectionError: GET ... failed: Connection refused; attempt 2 of 10 in 0.153 s</c>.</summary>
    internal string RetryNotice(Route53ClientException failure, int attempt, TimeSpan wait) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(failure.Message.StartsWith(failure.Code, StringComparison.Ordinal) ? "" : failure.Code + ": ")}{failure.Message}; attempt {attempt + 1} of {_options.MaxAttempts} in {wait.TotalSeconds:0.000} s");

    /// <summary>Route 53's retryable answers (as the AWS SDKs treat them): throttles, a change still in progress, any 5xx.</summary>
    private static bool IsRetryable(Route53ClientException e) =>
        e.Status >= 500 || e.Code is "Throttling" or "ThrottlingException" or "PriorRequestNotComplete";

    /// <summary>Full jitter: a uniform delay up to the capped exponential (AWS Architecture Blog, "Exponential Backoff And Jitter").</summary>
    private TimeSpan Backoff(int attempt)
    {
        double cap = Math.Min(_options.MaxDelay.TotalMilliseconds, _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }

    private async Task<HttpRequestMessage> SignAsync(HttpMethod method, Uri uri, byte[]? content, CancellationToken cancellationToken)
    {
        AWSSigningResult signed;
        try
        {
            signed = await AWSSigV4Signer.SignAsync(new AWSSigningRequest { HttpMethod = method, RequestUri = uri, Content = content }, new AWSSigV4Parameters
            {
                Credentials = _credentials,
                Region = _region,
                Service = "route53",
                SignPayload = true,
                SignedAt = _options.Time.GetUtcNow().UtcDateTime,
            }, cancellationToken);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or InvalidOperationException)
        {
            // The credentials could not be had (an assumed role without AWSSDK.SecurityToken, STS refusing, a
            // failing credential_process): not retryable.
            throw new Route53CredentialsException($"cannot sign the request: {e.Message}", e);
        }
        var request = new HttpRequestMessage(method, uri);
        if (content is not null)
        {
            request.Content = new ByteArrayContent(content);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/xml");
        }
        // Authorization, X-Amz-Date, X-Amz-Content-SHA256 and, with temporary credentials, X-Amz-Security-Token.
        foreach (var (name, value) in signed.Headers)
        {
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    private static byte[] Serialize(XElement body)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
            new XDocument(new XDeclaration("1.0", "UTF-8", null), body).Save(writer);
        return stream.ToArray();
    }

    private static XElement Parse(byte[] bytes, int status)
    {
        try
        {
            using var stream = new MemoryStream(bytes);
            return XElement.Load(stream);
        }
        catch (XmlException e)
        {
            throw new Route53ClientException("InvalidResponse", $"the answer (HTTP {status}) is not XML: {e.Message}", status, e);
        }
    }

    /// <summary>
    /// ErrorResponse/Error/Code, or Route 53's own InvalidChangeBatch body (Messages/Message); a body that is
    /// neither (a proxy's page) gets "Http" and the status as its code.
    /// </summary>
    private static Route53ClientException Error(byte[] bytes, int status)
    {
        XElement? root = null;
        try
        {
            if (bytes.Length > 0)
                root = XElement.Load(new MemoryStream(bytes));
        }
        catch (XmlException)
        {
        }
        var ns = root?.Name.Namespace ?? Route53Xml.Ns;
        if (root?.Name.LocalName == "ErrorResponse" && root.Element(ns + "Error") is { } error)
            return new Route53ClientException(error.Element(ns + "Code")?.Value ?? $"Http{status}", error.Element(ns + "Message")?.Value ?? "", status);
        if (root?.Name.LocalName == "InvalidChangeBatch")
        {
            var messages = root.Descendants(ns + "Message").Select(m => m.Value).ToList();
            return new Route53ClientException("InvalidChangeBatch", messages.Count > 0 ? string.Join("; ", messages) : root.Element(ns + "message")?.Value ?? "", status);
        }
        string text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 200));
        return new Route53ClientException($"Http{status}", $"{(HttpStatusCode)status}: {text}", status);
    }

    public void Dispose() => _http.Dispose();
}
