using DnsHost.Zones.Routing;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Server;

/// <summary>
/// One receive loop per UDP socket (several sockets share the port through SO_REUSEPORT), each with
/// its own buffers and SocketAddress, so a query in steady state allocates nothing.
/// </summary>
public sealed partial class UdpDnsServer(DnsListeners listeners, QueryProcessor processor, IOptions<DnsServerOptions> options, ILogger<UdpDnsServer> logger) : BackgroundService
{
    private readonly bool _blocking = options.Value.UdpBlockingThreads;
    private readonly int _batch = options.Value.UdpBatchSize;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        listeners.Bind();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = _blocking
            ? listeners.UdpSockets.Select(s => StartBlockingLoop(s, stoppingToken)).ToArray()
            : listeners.UdpSockets.Select(s => Task.Run(() => ReceiveLoop(s, stoppingToken), stoppingToken)).ToArray();
        LogListening(logger, listeners.UdpSockets.Count, listeners.Port);
        return Task.WhenAll(loops);
    }

    private async Task ReceiveLoop(Socket socket, CancellationToken stoppingToken)
    {
        var request = GC.AllocateArray<byte>(ushort.MaxValue, pinned: true);
        var response = GC.AllocateArray<byte>(ushort.MaxValue, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(request, SocketFlags.None, remote, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize or SocketError.ConnectionRefused)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            QueryDisposition disposition;
            int length;
            try
            {
                IpPrefix.TryFromSockaddr(remote.Buffer.Span[..remote.Size], out var source);
                disposition = processor.Process(request.AsSpan(0, received), response, overTcp: false, transferAllowed: false, source, out length, out _);
                if (disposition == QueryDisposition.Recurse)
                    StartRecursion(socket, request.AsSpan(0, received), remote.Buffer.Span[..remote.Size], source);
            }
            catch (Exception e)
            {
                // A bug, not bad input (bad input is answered FORMERR): log it and keep serving.
                LogProcessingFailed(logger, e);
                continue;
            }
            if (disposition != QueryDisposition.Respond)
                continue;
            try
            {
                await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, remote, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // The client went away or the send buffer is full; UDP gives no better option than to move on.
            }
        }
    }

    /// <summary>
    /// A dedicated thread per socket with blocking receive and send: no thread-pool hand-off per datagram.
    /// The loop ends when the listeners are disposed at shutdown, which unblocks the receive.
    /// </summary>
    private Task StartBlockingLoop(Socket socket, CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { BlockingLoop(socket, stoppingToken); }
            finally { done.TrySetResult(); }
        })
        { IsBackground = true, Name = "dns-udp" };
        thread.Start();
        stoppingToken.Register(() => done.TrySetResult());
        return done.Task;
    }

    private void BlockingLoop(Socket socket, CancellationToken stoppingToken)
    {
        if (_batch > 1 && LinuxUdpBatch.IsSupported)
        {
            BatchLoop(socket, stoppingToken);
            return;
        }
        var request = GC.AllocateArray<byte>(ushort.MaxValue, pinned: true);
        var response = GC.AllocateArray<byte>(ushort.MaxValue, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(request, SocketFlags.None, remote);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize or SocketError.ConnectionRefused)
            {
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }
            int length;
            try
            {
                IpPrefix.TryFromSockaddr(remote.Buffer.Span[..remote.Size], out var source);
                var disposition = processor.Process(request.AsSpan(0, received), response, overTcp: false, transferAllowed: false, source, out length, out _);
                if (disposition == QueryDisposition.Recurse)
                    StartRecursion(socket, request.AsSpan(0, received), remote.Buffer.Span[..remote.Size], source);
                if (disposition != QueryDisposition.Respond)
                    continue;
            }
            catch (Exception e)
            {
                LogProcessingFailed(logger, e);
                continue;
            }
            try
            {
                socket.SendTo(response.AsSpan(0, length), SocketFlags.None, remote);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>recvmmsg/sendmmsg: one system call receives every datagram already queued, one sends all the answers.</summary>
    private void BatchLoop(Socket socket, CancellationToken stoppingToken)
    {
        // The receive timeout lets the loop notice shutdown; recvmmsg then returns no datagrams.
        socket.ReceiveTimeout = 500;
        using var batch = new LinuxUdpBatch(socket, _batch, ushort.MaxValue);
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = batch.Receive();
            }
            catch (SocketException)
            {
                return;
            }
            int responses = 0;
            for (int i = 0; i < received; i++)
            {
                try
                {
                    IpPrefix.TryFromSockaddr(batch.RemoteAddress(i), out var source);
                    var disposition = processor.Process(batch.Request(i), batch.ResponseBuffer(i), overTcp: false, transferAllowed: false, source, out int length, out _);
                    if (disposition == QueryDisposition.Respond)
                        batch.SetResponse(responses++, i, length);
                    else if (disposition == QueryDisposition.Recurse)
                        StartRecursion(socket, batch.Request(i), batch.RemoteAddress(i), source);
                }
                catch (Exception e)
                {
                    LogProcessingFailed(logger, e);
                }
            }
            if (responses > 0)
                batch.Send(responses);
        }
    }

    /// <summary>
    /// A cache miss that needs upstream work: copy the query and the client's address (the receive
    /// buffers are reused at once) and answer from the same socket when the resolution completes.
    /// </summary>
    private void StartRecursion(Socket socket, ReadOnlySpan<byte> query, ReadOnlySpan<byte> sockaddr, IpPrefix source)
    {
        var copy = query.ToArray();
        var remote = new SocketAddress(socket.AddressFamily, sockaddr.Length);
        sockaddr.CopyTo(remote.Buffer.Span);
        _ = RecurseAsync(socket, copy, remote, source);
    }

    private async Task RecurseAsync(Socket socket, byte[] query, SocketAddress remote, IpPrefix source)
    {
        try
        {
            if (processor.ResolveQuestionAsync(query) is not { } resolving)
                return;
            var resolution = await resolving;
            // The response buffer is taken only now, so misses waiting upstream hold none. A UDP answer never
            // passes Dns:MaxUdpPayload (at most 4096); a small buffer keeps the pool's arrays reusable.
            var response = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                int length = processor.WriteResolved(query, response.AsSpan(0, 4096), overTcp: false, source, resolution);
                // A blocking send: the socket stays in the blocking mode the receive loops (and recvmmsg) rely on.
                if (length > 0)
                    socket.SendTo(response.AsSpan(0, length), SocketFlags.None, remote);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(response);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            LogProcessingFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answering DNS over UDP with {Sockets} sockets on port {Port}")]
    private static partial void LogListening(ILogger logger, int sockets, int port);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to process a UDP query")]
    private static partial void LogProcessingFailed(ILogger logger, Exception exception);
}
