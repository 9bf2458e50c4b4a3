using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace DnsHost.Server;

/// <summary>
/// Receives and sends UDP datagrams in batches with Linux's recvmmsg(2) and sendmmsg(2), so a loaded
/// socket costs two system calls per batch instead of two per query. The only unsafe code in the
/// server; everything it hands out is a span over its own pinned buffers.
/// </summary>
internal sealed unsafe class LinuxUdpBatch : IDisposable
{
    private const int MsgWaitForOne = 0x10000;
    private const int SockaddrSize = 128;  // sizeof(struct sockaddr_storage)
    private const int EINTR = 4, EAGAIN = 11;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    private readonly int _fd;
    private readonly int _count;
    private readonly int _bufferSize;
    private readonly byte* _memory;
    private readonly MMsgHdr* _receive;
    private readonly MMsgHdr* _send;
    private readonly IoVec* _receiveIov;
    private readonly IoVec* _sendIov;
    private readonly byte* _names;
    private readonly byte* _requests;
    private readonly byte* _responses;

    public static bool IsSupported => OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    public LinuxUdpBatch(Socket socket, int count, int bufferSize)
    {
        _fd = (int)socket.Handle;
        _count = count;
        _bufferSize = bufferSize;
        nuint total = (nuint)(count * (2 * sizeof(MMsgHdr) + 2 * sizeof(IoVec) + SockaddrSize + 2 * bufferSize));
        _memory = (byte*)NativeMemory.AllocZeroed(total);
        byte* p = _memory;
        _receive = (MMsgHdr*)p; p += count * sizeof(MMsgHdr);
        _send = (MMsgHdr*)p; p += count * sizeof(MMsgHdr);
        _receiveIov = (IoVec*)p; p += count * sizeof(IoVec);
        _sendIov = (IoVec*)p; p += count * sizeof(IoVec);
        _names = p; p += count * SockaddrSize;
        _requests = p; p += count * bufferSize;
        _responses = p;
        for (int i = 0; i < count; i++)
        {
            _receiveIov[i].Base = _requests + i * bufferSize;
            _receiveIov[i].Length = (nuint)bufferSize;
            _receive[i].Header.Iov = &_receiveIov[i];
            _receive[i].Header.IovLength = 1;
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
        }
    }

    /// <summary>
    /// Blocks until at least one datagram arrives (or the socket's receive timeout passes), then takes
    /// whatever else is already queued, up to the batch size. Returns the number received, 0 on timeout.
    /// </summary>
    public int Receive()
    {
        for (int i = 0; i < _count; i++)
        {
            _receive[i].Header.Name = _names + i * SockaddrSize;
            _receive[i].Header.NameLength = SockaddrSize;
            _receive[i].Header.Flags = 0;
            _receive[i].Length = 0;
        }
        while (true)
        {
            int n = recvmmsg(_fd, _receive, (uint)_count, MsgWaitForOne, null);
            if (n >= 0)
                return n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            throw new SocketException(errno);
        }
    }

    public ReadOnlySpan<byte> Request(int index) => new(_requests + index * _bufferSize, (int)_receive[index].Length);

    /// <summary>The sender's native sockaddr for datagram <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> RemoteAddress(int index) => new(_names + index * SockaddrSize, (int)_receive[index].Header.NameLength);

    public Span<byte> ResponseBuffer(int index) => new(_responses + index * _bufferSize, _bufferSize);

    /// <summary>Queues the response for request <paramref name="index"/> as the next datagram of the batch.</summary>
    public void SetResponse(int slot, int index, int length)
    {
        _sendIov[slot].Base = _responses + index * _bufferSize;
        _sendIov[slot].Length = (nuint)length;
        _send[slot].Header.Name = _names + index * SockaddrSize;
        _send[slot].Header.NameLength = _receive[index].Header.NameLength;
    }

    /// <summary>Sends the first <paramref name="count"/> queued responses; datagrams the kernel refuses are dropped, as UDP allows.</summary>
    public void Send(int count)
    {
        int sent = 0;
        while (sent < count)
        {
            int n = sendmmsg(_fd, _send + sent, (uint)(count - sent), 0);
            if (n > 0)
            {
                sent += n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
                continue;
            // The datagram at the head failed (for example the client's port is gone): skip it.
            sent++;
        }
    }

    public void Dispose() => NativeMemory.Free(_memory);
}
