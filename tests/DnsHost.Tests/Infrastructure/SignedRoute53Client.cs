using System.Text;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// Raw Route 53 API requests signed by the AWS SDK for .NET's SigV4 signer (AWSSDK.Core), for tests
/// that need many fast requests (the AWS CLI takes half a second to start).
/// </summary>
public sealed class SignedRoute53Client(Uri baseAddress) : IDisposable
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    // A bound on a hung server, not a time window: a loaded machine can take seconds over one request.
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public Task<(int Status, XElement Body)> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, CancellationToken cancel = default) =>
        SendBytesAsync(method, pathAndQuery, body is null ? null : Encoding.UTF8.GetBytes(body), cancel);

    /// <summary>A body of any bytes, not only UTF-8 text (what a fuzzer found).</summary>
    public async Task<(int Status, XElement Body)> SendBytesAsync(HttpMethod method, string pathAndQuery, byte[]? bytes, CancellationToken cancel = default)
    {
        var uri = new Uri(baseAddress, pathAndQuery.TrimStart('/'));
        var signed = AWSSigV4Signer.Sign(new AWSSigningRequest { HttpMethod = method, RequestUri = uri, Content = bytes }, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AwsCli.ExampleAccessKey, AwsCli.ExampleSecretKey),
            Region = RegionEndpoint.EUWest1,
            Service = "route53",
            SignPayload = true,
            SignedAt = DateTime.UtcNow,
        });
        using var request = new HttpRequestMessage(method, uri);
        if (bytes is not null)
            request.Content = new ByteArrayContent(bytes);
        foreach (var (name, value) in signed.Headers)
        {
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _http.SendAsync(request, cancel);
        string text = await response.Content.ReadAsStringAsync(cancel);
        return ((int)response.StatusCode, text.Length == 0 ? new XElement("empty") : XElement.Parse(text));
    }

    public void Dispose() => _http.Dispose();
}
