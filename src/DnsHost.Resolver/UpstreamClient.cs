using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DnsHost.Protocol;

namespace DnsHost.Resolver;

public enum UpstreamStatus : byte
{
    /// <summary>A response that matches the query (any RCODE).</summary>
    Response,
    /// <summary>Nothing (matching) within the timeout.</summary>
    Timeout,
    /// <summary>Connection refused, network error, or a response that does not parse.</summary>
    Failed,
}

/// <summary>The outcome of one exchange with one server.</summary>
public readonly record struct UpstreamReply(UpstreamStatus Status, byte[] Message, bool OverTcp)
{
    public static readonly UpstreamReply TimedOut = new(UpstreamStatus.Timeout, [], false);
    public static readonly UpstreamReply FailedReply = new(UpstreamStatus.Failed, [], false);
}

/// <summary>
/// Sends one question to one server: over UDP from a fresh socket on a kernel-chosen (random) port
/// with a random ID, optionally with the name's case randomised (DNS 0x20), and over TCP when the
/// answer comes back truncated. Datagrams whose ID or question do not match exactly are dropped and
/// the wait goes on (RFC 5452 9.1); a connected socket only receives from the server asked.
/// </summary>
public sealed class UpstreamClient(ResolverOptions options, ResolverMetrics metrics)
{
    private const ushort AdvertisedUdpSize = 1232;

    public async Task<UpstreamReply> ExchangeAsync(UpstreamServer server, byte[] lowerName, ushort type, ushort cls, bool recursionDesired, CancellationToken cancel, bool checkingDisabled = false)
    {
        var sentName = (byte[])lowerName.Clone();
        if (options.RandomizeCase)
            RandomizeCase(sentName);
        ushort id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
        var query = BuildQuery(id, sentName, type, cls, recursionDesired, checkingDisabled);
        server.RecordQuery();
        long start = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(options.UpstreamTimeoutMs);
        try
        {
            var reply = await UdpAsync(server.EndPoint, query, id, sentName, type, cls, timeout.Token);
            if (reply.Status == UpstreamStatus.Response && DnsHeader.TryRead(reply.Message, out var header) && header.Truncated)
                reply = await TcpAsync(server.EndPoint, query, id, sentName, type, cls, timeout.Token);
            if (reply.Status == UpstreamStatus.Response)
                server.RecordResponse(Stopwatch.GetTimestamp() - start);
            else
                server.RecordError(options.UpstreamTimeoutMs);
            return reply;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            server.RecordTimeout(options.UpstreamTimeoutMs);
            return UpstreamReply.TimedOut;
        }
        catch (SocketException)
        {
            server.RecordError(options.UpstreamTimeoutMs);
            return UpstreamReply.FailedReply;
        }
    }

    private async Task<UpstreamReply> UdpAsync(IPEndPoint endPoint, byte[] query, ushort id, byte[] sentName, ushort type, ushort cls, CancellationToken cancel)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // Port 0: the kernel picks a random ephemeral port for every query.
        socket.Bind(new IPEndPoint(endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        socket.Connect(endPoint);
        await socket.SendAsync(query, SocketFlags.None, cancel);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
                if (Matches(buffer.AsSpan(0, received), id, sentName, type, cls))
                    return new UpstreamReply(UpstreamStatus.Response, buffer.AsSpan(0, received).ToArray(), false);
                metrics.RecordMismatched();
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<UpstreamReply> TcpAsync(IPEndPoint endPoint, byte[] query, ushort id, byte[] sentName, ushort type, ushort cls, CancellationToken cancel)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancel);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None, cancel);
        var prefix = new byte[2];
        if (!await ReceiveExactly(socket, prefix, cancel))
            return UpstreamReply.FailedReply;
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        if (!await ReceiveExactly(socket, message, cancel))
            return UpstreamReply.FailedReply;
        if (!Matches(message, id, sentName, type, cls))
        {
            metrics.RecordMismatched();
            return UpstreamReply.FailedReply;
        }
        return new UpstreamReply(UpstreamStatus.Response, message, true);
    }

    private static async Task<bool> ReceiveExactly(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[total..], SocketFlags.None, cancel);
            if (n == 0)
                return false;
            total += n;
        }
        return true;
    }

    /// <summary>A response to this very query: QR, same ID, one question with the name exactly as sent (case too, for 0x20), type and class.</summary>
    public static bool Matches(ReadOnlySpan<byte> message, ushort id, ReadOnlySpan<byte> sentName, ushort type, ushort cls)
    {
        var reader = new DnsMessageReader(message);
        if (!reader.TryReadHeader(out var header) || !header.IsResponse || header.Id != id || header.OpCode != OpCode.Query || header.QuestionCount != 1)
            return false;
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        return reader.TryReadQuestion(name, out var question)
            && name[..question.NameLength].SequenceEqual(sentName)
            && question.Type == type && question.Class == cls;
    }

    public static byte[] BuildQuery(ushort id, ReadOnlySpan<byte> name, ushort type, ushort cls, bool recursionDesired, bool checkingDisabled = false)
    {
        // Header (ID, flags, QDCOUNT 1, ARCOUNT 1), the question with the name uncompressed (its case
        // exactly as chosen), and OPT: 1232-byte UDP payload and DO, so signatures come back for a
        // validating stub (RFC 3225).
        var query = new byte[DnsHeader.Size + name.Length + 4 + 11];
        var span = query.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        // CD (RFC 4035 3.2.2): a validating forwarder wants the data even where the upstream would call it bogus (RFC 6840 5.9).
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)((recursionDesired ? DnsHeader.RdBit : 0) | (checkingDisabled ? DnsHeader.CdBit : 0)));
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], 1);
        name.CopyTo(span[DnsHeader.Size..]);
        int pos = DnsHeader.Size + name.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[pos..], type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 2)..], cls);
        pos += 4;
        span[pos + 2] = (byte)RecordType.OPT;
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 3)..], AdvertisedUdpSize);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 7)..], EdnsInfo.DoBit);
        return query;
    }

    private static void RandomizeCase(Span<byte> name)
    {
        Span<byte> bits = stackalloc byte[name.Length];
        RandomNumberGenerator.Fill(bits);
        int pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            int end = pos + 1 + name[pos];
            for (int i = pos + 1; i < end; i++)
            {
                if (name[i] is >= (byte)'a' and <= (byte)'z' && (bits[i] & 1) != 0)
                    name[i] = (byte)(name[i] - 32);
            }
            pos = end;
        }
    }
}
