using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DnsHost.Drill;

/// <summary>
/// The backend a drill breaks: a listener on the health check's own address and port that answers as
/// a healthy endpoint would (HTTP 200 with the search string, TLS with a self-signed certificate, or a
/// bare TCP accept). <see cref="Stop"/> closes it, so probes get "connection refused".
/// </summary>
public sealed class DrillEndpoint : IDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly bool _http, _tls;
    private readonly byte[] _response;
    private readonly Lazy<X509Certificate2> _certificate = new(CreateCertificate);
    private Socket? _listener;
    private CancellationTokenSource? _running;

    public DrillEndpoint(IPEndPoint endPoint, bool http, bool tls, string? searchString)
    {
        _endPoint = endPoint;
        _http = http;
        _tls = tls;
        var body = Encoding.UTF8.GetBytes($"DnsHost drill endpoint {searchString}\n");
        _response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), .. body];
    }

    public bool Running => _listener is not null;

    public void Start()
    {
        var listener = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (true)
        {
            try
            {
                listener.Bind(_endPoint);
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                throw new InvalidOperationException($"cannot listen on {_endPoint} to play the check's endpoint: {e.Message}; stop what listens there, or use --mode override", e);
            }
        }
        listener.Listen(128);
        _listener = listener;
        _running = new CancellationTokenSource();
        _ = AcceptLoopAsync(listener, _running.Token);
    }

    public void Stop()
    {
        _running?.Cancel();
        _listener?.Dispose();
        _listener = null;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancel);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client, cancel);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancel)
    {
        using (client)
        {
            if (!_http)
                return;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                Stream stream = new NetworkStream(client, ownsSocket: false);
                if (_tls)
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate.Value }, timeout.Token);
                    stream = tls;
                }
                await using (stream)
                {
                    var buffer = new byte[8192];
                    int filled = 0;
                    while (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) < 0 && filled < buffer.Length)
                    {
                        int read = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token);
                        if (read == 0)
                            return;
                        filled += read;
                    }
                    await stream.WriteAsync(_response, timeout.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // The prober went away; nothing to do.
            }
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dnshost-drill", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    public void Dispose()
    {
        Stop();
        if (_certificate.IsValueCreated)
            _certificate.Value.Dispose();
    }
}
