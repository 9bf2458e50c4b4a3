using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Server;

/// <summary>
/// DNS over TCP per RFC 7766: two-byte length prefix, several queries per connection (answered in
/// order), an idle timeout, a cap on connections, and one task per connection so a slow client
/// holds up nobody else.
/// </summary>
public sealed partial class TcpDnsServer(DnsListeners listeners, QueryProcessor processor, IOptions<DnsServerOptions> options, ILogger<TcpDnsServer> logger) : BackgroundService
{
    private readonly DnsServerOptions _options = options.Value;
    private readonly NetworkList _transferAllow = new(options.Value.EffectiveTransferAllow);
    private readonly TcpConnectionTable _table = new(options.Value.MaxTcpConnections, options.Value.EffectiveMaxTcpConnectionsPerClient);

    public int OpenConnections => _table.Count;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        listeners.Bind();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogListening(logger, listeners.TcpSockets.Count, listeners.Port);
        return Task.WhenAll(listeners.TcpSockets.Select(s => Task.Run(() => AcceptLoop(s, stoppingToken), stoppingToken)));
    }

    private async Task AcceptLoop(Socket listener, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stoppingToken);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                LogAcceptFailed(logger, e.SocketErrorCode);
                continue;
            }
            // RFC 7766 6.2.3: when full, the idlest connection goes (of this client, when it holds its share), not the newcomer.
            var connection = new TcpConnection(TcpClientKey.From(client.RemoteEndPoint));
            _table.Admit(connection)?.Close();
            _ = Task.Run(() => ServeConnection(client, connection, stoppingToken), CancellationToken.None);
        }
    }

    private async Task ServeConnection(Socket client, TcpConnection connection, CancellationToken stoppingToken)
    {
        var request = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        var response = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        var idle = TimeSpan.FromSeconds(_options.TcpIdleTimeoutSeconds);
        // Made at the first recursive miss: from then on answers may overlap, and sends take turns.
        SemaphoreSlim? sendLock = null;
        List<Task>? resolving = null;
        try
        {
            client.NoDelay = true;
            bool transferAllowed = client.RemoteEndPoint is IPEndPoint remote && _transferAllow.Contains(remote.Address);
            var source = client.RemoteEndPoint is IPEndPoint endPoint ? IpPrefix.FromAddress(endPoint.Address) : default;
            while (!stoppingToken.IsCancellationRequested)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, connection.Closing);
                timeout.CancelAfter(idle);
                if (!await ReceiveExactly(client, request.AsMemory(0, 2), timeout.Token))
                    return;
                int length = BinaryPrimitives.ReadUInt16BigEndian(request);
                if (length == 0 || !await ReceiveExactly(client, request.AsMemory(0, length), timeout.Token))
                    return;
                _table.Touch(connection);

                var disposition = processor.Process(request.AsSpan(0, length), response.AsSpan(2, ushort.MaxValue), overTcp: true, transferAllowed, source, out int written, out var zone);
                if (disposition == QueryDisposition.Recurse)
                {
                    // RFC 7766 6.2.1.1: a resolver should answer pipelined queries as they complete, so
                    // one waiting for upstream holds up none of the others on this connection.
                    sendLock ??= new SemaphoreSlim(1, 1);
                    resolving ??= [];
                    resolving.RemoveAll(t => t.IsCompleted);
                    if (resolving.Count >= MaxResolvingPerConnection)
                        await Task.WhenAny(resolving);
                    resolving.Add(RecurseAsync(client, request.AsSpan(0, length).ToArray(), source, sendLock, stoppingToken));
                    continue;
                }
                if (disposition == QueryDisposition.Drop)
                    continue;
                if (sendLock is not null)
                    await sendLock.WaitAsync(timeout.Token);
                try
                {
                    if (disposition == QueryDisposition.ZoneTransfer)
                    {
                        await SendTransfer(client, request.AsMemory(0, length), zone!, stoppingToken);
                        continue;
                    }
                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
                    await client.SendAsync(response.AsMemory(0, written + 2), SocketFlags.None, timeout.Token);
                }
                finally
                {
                    sendLock?.Release();
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        catch (Exception e)
        {
            LogConnectionFailed(logger, e);
        }
        finally
        {
            // The client may have closed its side after its last query; answers still owed go out first.
            if (resolving is { Count: > 0 })
            {
                try { await Task.WhenAll(resolving).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None); }
                catch (TimeoutException) { }
            }
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
            client.Dispose();
            sendLock?.Dispose();
            _table.Remove(connection);
            connection.Dispose();
        }
    }

    /// <summary>Queries of one connection waiting for upstream at once; the next one waits for a slot.</summary>
    private const int MaxResolvingPerConnection = 64;

    private async Task RecurseAsync(Socket client, byte[] query, IpPrefix source, SemaphoreSlim sendLock, CancellationToken stoppingToken)
    {
        var response = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        try
        {
            int written = await processor.ResolveAsync(query, response.AsMemory(2, ushort.MaxValue), overTcp: true, source);
            if (written == 0)
                return;
            BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
            await sendLock.WaitAsync(stoppingToken);
            try
            {
                await client.SendAsync(response.AsMemory(0, written + 2), SocketFlags.None, stoppingToken);
            }
            finally
            {
                sendLock.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            LogConnectionFailed(logger, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private Task SendTransfer(Socket client, ReadOnlyMemory<byte> query, Zones.Zone zone, CancellationToken ct) =>
        ZoneTransfer.SendAsync(client, query, zone, processor.Transfers, logger, TimeSpan.FromSeconds(_options.TcpIdleTimeoutSeconds), ct, processor.Signers);

    private static async Task<bool> ReceiveExactly(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[total..], SocketFlags.None, ct);
            if (n == 0)
                return false;
            total += n;
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answering DNS over TCP with {Listeners} listeners on port {Port}")]
    private static partial void LogListening(ILogger logger, int listeners, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TCP accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "TCP connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);
}
