using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DnsHost.Tests.Infrastructure;

public enum EndpointBehaviour
{
    /// <summary>Answer the request normally.</summary>
    Respond,
    /// <summary>Read the request, never answer, keep the connection open until the endpoint stops.</summary>
    Hang,
    /// <summary>Close the connection as soon as it is accepted, sending nothing.</summary>
    Drop,
    /// <summary>Send the status line and headers, then never send the body.</summary>
    HangAfterHeaders,
}

/// <summary>A tiny HTTP/1.1 (or HTTPS) server on loopback that a test can steer.</summary>
public sealed class TestHttpEndpoint : IAsyncDisposable
{
    private const int MaxHeadBytes = 16 * 1024;

    private static readonly Lazy<X509Certificate2> Certificate = new(CreateCertificate);

    private readonly LoopbackListener _listener;
    private readonly SslServerAuthenticationOptions? _tls;

    private volatile int _statusCode = 200;
    private volatile string? _reasonPhrase;
    private volatile string _body = "ok";
    private volatile string? _contentEncoding;
    private volatile bool _chunked;
    private volatile EndpointBehaviour _behaviour = EndpointBehaviour.Respond;
    private long _responseDelayTicks;
    private int _requests;
    private volatile string? _lastHost;
    private volatile string? _lastPath;
    private volatile string? _lastSniHost;

    private TestHttpEndpoint(bool https, IPAddress address, int port)
    {
        Https = https;
        if (https)
        {
            _tls = new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, hostName) =>
                {
                    _lastSniHost = string.IsNullOrEmpty(hostName) ? null : hostName;
                    return Certificate.Value;
                },
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
        }
        _listener = new LoopbackListener(address, port, ServeAsync);
    }

    public static TestHttpEndpoint Start(bool https = false, string address = "127.0.0.1", int port = 0) =>
        new(https, LoopbackListener.ParseLoopback(address), port);

    public IPAddress Address => _listener.Address;
    public int Port => _listener.Port;
    public bool Https { get; }

    public int StatusCode { get => _statusCode; set => _statusCode = value; }

    /// <summary>Derived from <see cref="StatusCode"/> until set; setting null goes back to the derived phrase.</summary>
    [AllowNull]
    public string ReasonPhrase
    {
        get => _reasonPhrase ?? DefaultReasonPhrase(_statusCode);
        set => _reasonPhrase = value;
    }

    public string Body { get => _body; set => _body = value ?? throw new ArgumentNullException(nameof(value)); }

    /// <summary>null, "gzip" or "deflate" (zlib-wrapped, RFC 9110 8.4.1.2).</summary>
    public string? ContentEncoding
    {
        get => _contentEncoding;
        set => _contentEncoding = value is null or "gzip" or "deflate"
            ? value
            : throw new ArgumentException($"ContentEncoding must be null, \"gzip\" or \"deflate\", not \"{value}\".", nameof(value));
    }

    public bool Chunked { get => _chunked; set => _chunked = value; }
    public EndpointBehaviour Behaviour { get => _behaviour; set => _behaviour = value; }

    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _responseDelayTicks));
        set => Volatile.Write(ref _responseDelayTicks, value.Ticks);
    }

    /// <summary>Request heads read in full, whatever the behaviour did with them afterwards.</summary>
    public int Requests => Volatile.Read(ref _requests);
    public string? LastHost => _lastHost;
    public string? LastPath => _lastPath;
    public string? LastSniHost => _lastSniHost;

    public void Stop() => _listener.Stop();
    public void Restart() => _listener.Restart();
    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private static string DefaultReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK",
        301 => "Moved Permanently",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        // The settings in force when the connection is accepted answer its request.
        var behaviour = _behaviour;
        int statusCode = _statusCode;
        string reasonPhrase = ReasonPhrase;
        string body = _body;
        string? contentEncoding = _contentEncoding;
        bool chunked = _chunked;
        var delay = ResponseDelay;

        if (behaviour == EndpointBehaviour.Drop)
        {
            await LoopbackListener.CloseGracefullyAsync(socket, stopping);
            return;
        }

        await using var network = new NetworkStream(socket, ownsSocket: false);
        Stream stream = network;
        SslStream? ssl = null;
        try
        {
            if (_tls is not null)
            {
                ssl = new SslStream(network, leaveInnerStreamOpen: true);
                await ssl.AuthenticateAsServerAsync(_tls, stopping);
                stream = ssl;
            }
            var head = await ReadHeadAsync(stream, stopping);
            if (head is null || !TryParseHead(head, out var method, out var target, out var host))
                return;
            _lastHost = host;
            _lastPath = target;
            Interlocked.Increment(ref _requests);

            if (behaviour == EndpointBehaviour.Hang)
            {
                await Task.Delay(Timeout.Infinite, stopping);
                return;
            }
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, stopping);

            var content = Encode(Encoding.UTF8.GetBytes(body), contentEncoding);
            // RFC 9110 6.4.1: no content after 1xx, 204, 304, or in the answer to HEAD.
            bool sendsContent = statusCode is >= 200 and not 204 and not 304;
            var headers = new StringBuilder()
                .Append("HTTP/1.1 ").Append(statusCode).Append(' ').Append(reasonPhrase).Append("\r\n")
                .Append("Content-Type: text/plain; charset=utf-8\r\n")
                .Append("Connection: close\r\n");
            if (sendsContent)
            {
                if (contentEncoding is not null)
                    headers.Append("Content-Encoding: ").Append(contentEncoding).Append("\r\n");
                if (chunked)
                    headers.Append("Transfer-Encoding: chunked\r\n");
                else
                    headers.Append("Content-Length: ").Append(content.Length).Append("\r\n");
            }
            headers.Append("\r\n");
            await stream.WriteAsync(Encoding.Latin1.GetBytes(headers.ToString()), stopping);
            await stream.FlushAsync(stopping);

            if (behaviour == EndpointBehaviour.HangAfterHeaders)
            {
                await Task.Delay(Timeout.Infinite, stopping);
                return;
            }
            if (sendsContent && method != "HEAD")
            {
                await stream.WriteAsync(chunked ? FrameChunks(content) : content, stopping);
                await stream.FlushAsync(stopping);
            }
            if (ssl is not null)
                await ssl.ShutdownAsync();
            await LoopbackListener.CloseGracefullyAsync(socket, stopping);
        }
        finally
        {
            if (ssl is not null)
                await ssl.DisposeAsync();
        }
    }

    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken stopping)
    {
        var buffer = new byte[MaxHeadBytes];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(filled), stopping);
            if (read == 0)
                return null;
            int searchFrom = Math.Max(0, filled - 3);
            filled += read;
            int end = buffer.AsSpan(searchFrom, filled - searchFrom).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
                return Encoding.Latin1.GetString(buffer, 0, searchFrom + end);
        }
        return null; // over the cap: not a request this endpoint answers
    }

    private static bool TryParseHead(string head, out string method, out string target, out string? host)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        method = requestLine.Length > 0 ? requestLine[0] : "";
        target = requestLine.Length > 1 ? requestLine[1] : "";
        host = null;
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return false;
        foreach (var line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Host", StringComparison.OrdinalIgnoreCase))
                host = line[(colon + 1)..].Trim();
        }
        return true;
    }

    private static byte[] Encode(byte[] body, string? contentEncoding)
    {
        if (contentEncoding is null)
            return body;
        using var output = new MemoryStream();
        using (Stream compressor = contentEncoding == "gzip"
            ? new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)
            : new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(body);
        }
        return output.ToArray();
    }

    // Two chunks whenever there are two bytes, so a client's chunk reassembly is exercised.
    private static byte[] FrameChunks(byte[] content)
    {
        using var output = new MemoryStream();
        int half = content.Length / 2;
        foreach (var chunk in new[] { content.AsMemory(0, half), content.AsMemory(half) })
        {
            if (chunk.IsEmpty)
                continue;
            output.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
            output.Write(chunk.Span);
            output.Write("\r\n"u8);
        }
        output.Write("0\r\n\r\n"u8);
        return output.ToArray();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false)); // id-kp-serverAuth
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        // A PFX round trip gives SslStream on Linux a certificate whose private key it can use.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }
}

/// <summary>A TCP listener that accepts connections and holds them open; can be closed and reopened on the same port.</summary>
public sealed class TestTcpEndpoint : IAsyncDisposable
{
    private readonly LoopbackListener _listener;
    private int _connections;

    private TestTcpEndpoint(IPAddress address, int port) =>
        _listener = new LoopbackListener(address, port, HoldAsync);

    public static TestTcpEndpoint Start(string address = "127.0.0.1", int port = 0) =>
        new(LoopbackListener.ParseLoopback(address), port);

    public IPAddress Address => _listener.Address;
    public int Port => _listener.Port;

    /// <summary>Connections accepted since the endpoint started, across restarts.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Stop() => _listener.Stop();
    public void Restart() => _listener.Restart();
    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task HoldAsync(Socket socket, CancellationToken stopping)
    {
        Interlocked.Increment(ref _connections);
        // Whatever the peer sends is discarded; the connection ends when the peer closes it or the endpoint stops.
        var buffer = new byte[1024];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, stopping) > 0)
        {
        }
    }
}

/// <summary>
/// The listening socket, accept loop and open connections behind both test endpoints. Stop closes the
/// listening socket, so connects are refused at once, and every open connection; Restart binds the same port.
/// </summary>
internal sealed class LoopbackListener : IAsyncDisposable
{
    private static readonly TimeSpan RebindPatience = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DrainPatience = TimeSpan.FromSeconds(5);

    private readonly Func<Socket, CancellationToken, Task> _serve;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly List<Task> _tasks = [];
    private readonly List<CancellationTokenSource> _generations = [];
    private readonly Lock _gate = new();
    private Socket? _socket;
    private CancellationTokenSource? _stopping;
    private bool _disposed;

    public LoopbackListener(IPAddress address, int port, Func<Socket, CancellationToken, Task> serve)
    {
        Address = address;
        Port = port;
        _serve = serve;
        Restart();
    }

    public IPAddress Address { get; }
    public int Port { get; private set; }

    public static IPAddress ParseLoopback(string address)
    {
        var parsed = IPAddress.Parse(address);
        bool loopback = parsed.AddressFamily == AddressFamily.InterNetwork
            ? parsed.GetAddressBytes()[0] == 127
            : parsed.Equals(IPAddress.IPv6Loopback);
        return loopback ? parsed : throw new ArgumentException($"{address} is not in 127.0.0.0/8 or ::1.", nameof(address));
    }

    public void Restart()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StopLocked();
            var socket = Bind();
            Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            var stopping = new CancellationTokenSource();
            _socket = socket;
            _stopping = stopping;
            _generations.Add(stopping);
            _tasks.Add(Task.Run(() => AcceptAsync(socket, stopping.Token)));
        }
    }

    public void Stop()
    {
        lock (_gate)
            StopLocked();
    }

    public async ValueTask DisposeAsync()
    {
        Task[] tasks;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            StopLocked();
            tasks = [.. _tasks];
        }
        await Task.WhenAll(tasks);
        lock (_gate)
            tasks = [.. _tasks];
        await Task.WhenAll(tasks);
        foreach (var generation in _generations)
            generation.Dispose();
    }

    /// <summary>
    /// Sends FIN, then discards what the peer still sends until it closes: closing with unread bytes would
    /// send RST instead, and the peer would see a reset rather than the end of the stream.
    /// </summary>
    public static async Task CloseGracefullyAsync(Socket socket, CancellationToken stopping)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        patience.CancelAfter(DrainPatience);
        var buffer = new byte[1024];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token) > 0)
        {
        }
    }

    private void StopLocked()
    {
        if (_socket is null)
            return;
        _stopping!.Cancel();
        _socket.Dispose();
        _socket = null;
        _stopping = null;
        foreach (var connection in _open.Keys)
            connection.Dispose();
    }

    private Socket Bind()
    {
        var deadline = DateTime.UtcNow + RebindPatience;
        while (true)
        {
            var socket = new Socket(Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // Restart binds the port again while connections the endpoint closed sit in TIME_WAIT.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(Address, Port));
                socket.Listen(128);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && Port != 0
                && DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                    return;
                continue; // the client reset the connection before it was accepted
            }
            _open.TryAdd(connection, 0);
            // Stop cancels before it closes the open connections, so one it missed is seen here.
            if (stopping.IsCancellationRequested)
                connection.Dispose();
            // Not cancellable: ServeAsync must run to close and forget the connection.
            var served = Task.Run(() => ServeAsync(connection, stopping), CancellationToken.None);
            lock (_gate)
            {
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(served);
            }
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        try
        {
            await _serve(connection, stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException
            or ObjectDisposedException or AuthenticationException)
        {
            // A client that resets, a failed handshake, or Stop closing the socket: the connection is over.
        }
        finally
        {
            _open.TryRemove(connection, out _);
            connection.Dispose();
        }
    }
}
