using System.Net;
using System.Net.Sockets;

namespace DnsHost.Server;

/// <summary>
/// The open TCP connections, counted per client and in total. A new connection is always admitted:
/// when its client already holds its share, that client's idlest connection is closed; when the
/// server is full, the idlest connection of all is closed (RFC 7766 6.2.3: close idle connections
/// first under pressure). So one client holding every connection cannot lock out anyone else: it
/// can never hold more than its share, and a newcomer always gets a slot.
/// "Idlest" is the connection whose last query came longest ago, by an activity sequence number
/// rather than a clock, so the order is exact and tests need no waiting.
/// </summary>
public sealed class TcpConnectionTable(int maxConnections, int maxPerClient)
{
    private readonly Lock _lock = new();
    private readonly List<TcpConnection> _open = [];
    private readonly Dictionary<TcpClientKey, int> _perClient = [];
    private long _activity;

    public int Count
    {
        get { lock (_lock) return _open.Count; }
    }

    /// <summary>Adds the connection; returns the one to close to make room for it, if any (already removed here).</summary>
    public TcpConnection? Admit(TcpConnection connection)
    {
        TcpConnection? victim = null;
        lock (_lock)
        {
            if (_perClient.GetValueOrDefault(connection.Key) >= maxPerClient)
                victim = Idlest(connection.Key);
            else if (_open.Count >= maxConnections)
                victim = Idlest(null);
            if (victim is not null)
                RemoveLocked(victim);
            connection.LastActivity = ++_activity;
            _open.Add(connection);
            _perClient[connection.Key] = _perClient.GetValueOrDefault(connection.Key) + 1;
        }
        return victim;
    }

    /// <summary>A query arrived on the connection: it is now the least idle.</summary>
    public void Touch(TcpConnection connection) => connection.LastActivity = Interlocked.Increment(ref _activity);

    public void Remove(TcpConnection connection)
    {
        lock (_lock)
            RemoveLocked(connection);
    }

    private void RemoveLocked(TcpConnection connection)
    {
        if (!_open.Remove(connection))
            return;
        int left = _perClient[connection.Key] - 1;
        if (left == 0)
            _perClient.Remove(connection.Key);
        else
            _perClient[connection.Key] = left;
    }

    private TcpConnection? Idlest(TcpClientKey? key)
    {
        TcpConnection? idlest = null;
        foreach (var c in _open)
        {
            if (key is { } k && !c.Key.Equals(k))
                continue;
            if (idlest is null || c.LastActivity < idlest.LastActivity)
                idlest = c;
        }
        return idlest;
    }
}

/// <summary>One open TCP connection: its client key, its last activity and the means to close it from outside.</summary>
public sealed class TcpConnection(TcpClientKey key) : IDisposable
{
    private readonly CancellationTokenSource _closing = new();
    private long _lastActivity;

    public TcpClientKey Key { get; } = key;

    public long LastActivity
    {
        get => Volatile.Read(ref _lastActivity);
        set => Volatile.Write(ref _lastActivity, value);
    }

    /// <summary>Cancelled when the server closes this connection to make room.</summary>
    public CancellationToken Closing => _closing.Token;

    public void Close()
    {
        try { _closing.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _closing.Dispose();
}

/// <summary>
/// Who a connection counts against: the IPv4 address, or the IPv6 /64 (one host or site usually
/// holds a whole /64, so counting single IPv6 addresses would let it open unlimited connections).
/// </summary>
public readonly record struct TcpClientKey(bool IsV6, ulong Bits)
{
    public static TcpClientKey From(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint ip)
            return default;
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? new TcpClientKey(false, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : new TcpClientKey(true, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes));
    }
}
