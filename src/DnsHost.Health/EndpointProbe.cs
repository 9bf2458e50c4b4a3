using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using DnsHost.Zones.HealthChecks;

namespace DnsHost.Health;

/// <summary>
/// One probe of an endpoint, judged as Route 53 judges it (route53-behaviour.md 6.2): TCP must connect
/// within 10 s; HTTP(S) must connect within 4 s and return a 2xx or 3xx status within 2 s of
/// connecting; string match then needs the body within 2 s more, the string wholly inside its first
/// 5,120 bytes (after gzip or deflate). HTTPS does not validate the certificate.
/// </summary>
public static class EndpointProbe
{
    public static readonly TimeSpan TcpConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan HttpConnectTimeout = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(2);
    public const int SearchWindow = 5120, MaxHeaderBytes = 16384;
    // Compressed bodies are read up to this much to find the first 5,120 decompressed bytes.
    private const int MaxCompressedBody = 1 << 20;

    /// <param name="time">The clock of the connect, status and body timeouts (a fake one in tests).</param>
    public static async Task<ProbeResult> RunAsync(HealthCheckSpec spec, IPAddress address, CancellationToken cancel, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connectTimeout = spec.Type == HealthCheckType.Tcp ? TcpConnectTimeout : HttpConnectTimeout;
        using (var connectDeadline = new Deadline(connectTimeout, time, cancel))
        {
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, spec.Port), connectDeadline.Token);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return ProbeResult.Fail(ProbeOutcome.ConnectTimeout, $"Connection timed out after {connectTimeout.TotalSeconds:0} seconds. The endpoint or the network is down, or a firewall blocks the connection.", address);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return ProbeResult.Fail(ProbeOutcome.ConnectionRefused, "Connection refused. The endpoint is down or nothing listens on the port.", address);
            }
            catch (SocketException e)
            {
                return ProbeResult.Fail(ProbeOutcome.Error, $"Connection failed: {e.Message}.", address);
            }
        }
        if (spec.Type == HealthCheckType.Tcp)
            return new ProbeResult(ProbeOutcome.Success, "Success: TCP connection established.", time.GetUtcNow(), address);

        // From here the status line must arrive within 2 s of connecting, TLS handshake included.
        using var statusDeadline = new Deadline(StatusTimeout, time, cancel);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            if (spec.IsTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                try
                {
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        // SNI carries a host name only: with EnableSNI off, or without a domain name, none is sent.
                        TargetHost = spec.EnableSni && spec.FullyQualifiedDomainName is { } host ? host.TrimEnd('.') : "",
                        // Route 53 does not validate the certificate.
                        RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                    }, statusDeadline.Token);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    return ProbeResult.Fail(ProbeOutcome.ResponseTimeout, $"The TLS handshake did not finish within {StatusTimeout.TotalSeconds:0} seconds of connecting.", address);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                {
                    return ProbeResult.Fail(ProbeOutcome.TlsFailed, $"TLS handshake failed: {e.Message}.", address);
                }
            }
            return await ExchangeAsync(spec, address, stream, time, statusDeadline.Token, cancel);
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static async Task<ProbeResult> ExchangeAsync(HealthCheckSpec spec, IPAddress address, Stream stream, TimeProvider time, CancellationToken statusDeadline, CancellationToken cancel)
    {
        var request = new StringBuilder()
            .Append("GET ").Append(spec.ResourcePath).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(spec.HostHeader(address)).Append("\r\n")
            .Append("User-Agent: DnsHost-Health-Check/1.0 (Amazon-Route53-Health-Check-Service compatible)\r\n")
            .Append("Accept: */*\r\n");
        if (spec.IsStringMatch)
            request.Append("Accept-Encoding: gzip, deflate\r\n");
        request.Append("Connection: close\r\n\r\n");

        var buffer = new byte[MaxHeaderBytes + 4096];
        int filled = 0, headerEnd;
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), statusDeadline);
            while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled >= MaxHeaderBytes)
                    return ProbeResult.Fail(ProbeOutcome.BadResponse, $"The response headers are longer than {MaxHeaderBytes} bytes.", address);
                int read = await stream.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled), statusDeadline);
                if (read == 0)
                    return ProbeResult.Fail(ProbeOutcome.ConnectionClosed, "The endpoint closed the connection before sending a response.", address);
                filled += read;
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return ProbeResult.Fail(ProbeOutcome.ResponseTimeout, $"The endpoint did not return an HTTP status code within {StatusTimeout.TotalSeconds:0} seconds of connecting.", address);
        }
        catch (IOException)
        {
            return ProbeResult.Fail(ProbeOutcome.ConnectionClosed, "The endpoint reset the connection before sending a response.", address);
        }

        if (!HttpResponseHead.TryParse(buffer.AsSpan(0, headerEnd + 2), out var head, out var problem))
            return ProbeResult.Fail(ProbeOutcome.BadResponse, $"The response is not valid HTTP: {problem}.", address);
        string statusText = $"HTTP Status Code {head.StatusCode}, {head.Reason}.";
        if (head.StatusCode is < 200 or >= 400)
            return ProbeResult.Fail(ProbeOutcome.BadStatus, statusText, address, head.StatusCode);
        if (!spec.IsStringMatch)
            return new ProbeResult(ProbeOutcome.Success, "Success: " + statusText, time.GetUtcNow(), address, head.StatusCode);

        if (head.ContentEncoding is not (null or "identity" or "gzip" or "x-gzip" or "deflate"))
            return ProbeResult.Fail(ProbeOutcome.StringNotFound, $"The body is encoded as '{head.ContentEncoding}'; only gzip and deflate are decoded, so the search string cannot be found.", address, head.StatusCode);

        // The body must arrive within 2 s more.
        using var bodyDeadline = new Deadline(BodyTimeout, time, cancel);
        byte[] window;
        try
        {
            var rest = buffer.AsMemory(headerEnd + 4, filled - headerEnd - 4);
            bool compressed = head.ContentEncoding is "gzip" or "x-gzip" or "deflate";
            var body = await HttpBody.ReadAsync(stream, rest, head, compressed ? MaxCompressedBody : SearchWindow, bodyDeadline.Token);
            window = compressed ? HttpBody.Decompress(body, head.ContentEncoding!, SearchWindow) : body;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return ProbeResult.Fail(ProbeOutcome.BodyTimeout, $"HTTP Status Code {head.StatusCode}, but the body did not arrive within {BodyTimeout.TotalSeconds:0} seconds.", address, head.StatusCode);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
        {
            return ProbeResult.Fail(ProbeOutcome.BadResponse, $"HTTP Status Code {head.StatusCode}, but the body could not be read: {e.Message}.", address, head.StatusCode);
        }
        var needle = Encoding.UTF8.GetBytes(spec.SearchString!);
        if (window.AsSpan(0, Math.Min(window.Length, SearchWindow)).IndexOf(needle) < 0)
            return ProbeResult.Fail(ProbeOutcome.StringNotFound, $"HTTP Status Code {head.StatusCode}, but the search string was not found in the first {SearchWindow} bytes of the body.", address, head.StatusCode);
        return new ProbeResult(ProbeOutcome.Success, $"Success: {statusText} Search string found.", time.GetUtcNow(), address, head.StatusCode);
    }

    /// <summary>A token cancelled when the probe is cancelled or, on the given clock, after the given time.</summary>
    private sealed class Deadline : IDisposable
    {
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenRegistration _link;

        public Deadline(TimeSpan after, TimeProvider time, CancellationToken cancel)
        {
            _timer = new CancellationTokenSource(after, time);
            _link = cancel.Register(static timer => ((CancellationTokenSource)timer!).Cancel(), _timer);
        }

        public CancellationToken Token => _timer.Token;

        public void Dispose()
        {
            _link.Dispose();
            _timer.Dispose();
        }
    }
}
