using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace DnsHost.Server;

/// <summary>Raised when a listening socket cannot be bound; the message names the option to change.</summary>
public sealed class ListenerBindException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Binds every UDP and TCP socket the server listens on, once, before either transport starts:
/// with port 0 the first socket picks the port and all others (UDP and TCP, every address) share it.
/// </summary>
public sealed class DnsListeners : IDisposable
{
    private readonly DnsServerOptions _options;
    private readonly Lock _lock = new();
    private List<Socket>? _udp;
    private List<Socket>? _tcp;

    public DnsListeners(IOptions<DnsServerOptions> options) => _options = options.Value;

    /// <summary>The port actually bound (useful with port 0).</summary>
    public int Port { get; private set; }

    public IReadOnlyList<Socket> UdpSockets { get { Bind(); return _udp!; } }
    public IReadOnlyList<Socket> TcpSockets { get { Bind(); return _tcp!; } }

    public void Bind()
    {
        lock (_lock)
        {
            if (_udp is not null)
                return;
            // With port 0 the kernel picks a free UDP port, which TCP may already use (an outgoing
            // connection, say); then pick again rather than fail.
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    BindAll();
                    return;
                }
                catch (ListenerBindException e) when (_options.Port == 0 && attempt < 20
                    && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                {
                }
            }
        }
    }

    private void BindAll()
    {
        var udp = new List<Socket>();
        var tcp = new List<Socket>();
        int port = _options.Port;
        int perAddress = _options.UdpSocketsPerAddress > 0 ? _options.UdpSocketsPerAddress : Environment.ProcessorCount;
        try
        {
            foreach (var text in _options.EffectiveAddresses)
            {
                if (!IPAddress.TryParse(text, out var address))
                    throw new ListenerBindException($"Dns:Addresses: '{text}' is not an IP address (use --address IP)", new FormatException(text));
                for (int i = 0; i < perAddress; i++)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    udp.Add(socket);
                    // On Linux ReuseAddress also sets SO_REUSEPORT, so the kernel spreads datagrams over the sockets.
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    if (address.AddressFamily == AddressFamily.InterNetworkV6)
                        socket.DualMode = false;
                    socket.ReceiveBufferSize = 4 * 1024 * 1024;
                    socket.SendBufferSize = 4 * 1024 * 1024;
                    BindOne(socket, address, port, "UDP");
                    port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                }
                var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                tcp.Add(listener);
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    listener.DualMode = false;
                listener.NoDelay = true;
                BindOne(listener, address, port, "TCP");
                listener.Listen(512);
            }
        }
        catch
        {
            foreach (var s in udp.Concat(tcp))
                s.Dispose();
            throw;
        }
        Port = port;
        _udp = udp;
        _tcp = tcp;
    }

    private static void BindOne(Socket socket, IPAddress address, int port, string transport)
    {
        try
        {
            socket.Bind(new IPEndPoint(address, port));
        }
        catch (SocketException e)
        {
            string hint = e.SocketErrorCode == SocketError.AccessDenied
                ? $"this process may not bind port {port}; choose another with --port (or Dns:Port), or grant CAP_NET_BIND_SERVICE"
                : $"choose another port with --port (or Dns:Port) or another address with --address";
            throw new ListenerBindException($"cannot listen on {transport} {new IPEndPoint(address, port)}: {e.Message}; {hint}", e);
        }
    }

    public void Dispose()
    {
        foreach (var s in (_udp ?? []).Concat(_tcp ?? []))
            s.Dispose();
    }
}
