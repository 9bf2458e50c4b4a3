using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Transfers;

/// <summary>
/// What no real primary does by default, so a scripted one on loopback plays it: an IXFR refused (REFUSED), and an IXFR
/// whose difference does not apply (it deletes a record the copy does not hold). Either way the secondary asks for an
/// AXFR and serves the primary's new zone.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class IxfrFallbackTests : IAsyncLifetime
{
    private readonly TestZones _zones = new();
    private ScriptedPrimary _primary = null!;
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _primary = new ScriptedPrimary();
        _server = await RunningServer.StartAsync(_zones.Directory, "--Transfers:Secondary:Zones:0:Name=f.test",
            $"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1:{_primary.Port}", "--Transfers:Secondary:BootstrapRetrySeconds=3600");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _primary.Dispose();
        _zones.Dispose();
    }

    private async Task<string?> Refresh()
    {
        var service = _server.Services.GetRequiredService<SecondaryService>();
        return await service.RefreshNowAsync(service.Find("f.test")!);
    }

    private async Task<List<string>> Addresses()
    {
        var response = await _server.UdpAsync(TestQuery.Build("www.f.test", RecordType.A));
        return response.Answer.Select(a => a.Data).Order().ToList();
    }

    [Theory]
    [InlineData(ScriptedPrimary.IxfrMode.Refused)]
    [InlineData(ScriptedPrimary.IxfrMode.DeletesWhatIsNotThere)]
    public async Task An_ixfr_that_is_refused_or_does_not_apply_is_followed_by_an_axfr(ScriptedPrimary.IxfrMode mode)
    {
        _primary.Mode = mode;
        Assert.Null(await Refresh());
        Assert.Equal(["192.0.2.10"], await Addresses());

        _primary.Serial = 2;
        Assert.Null(await Refresh());
        Assert.Equal(["192.0.2.10", "192.0.2.11"], await Addresses());
        Assert.Equal(1, _primary.Requests(RecordType.IXFR));
        Assert.Equal(2, _primary.Requests(RecordType.AXFR));
        var service = _server.Services.GetRequiredService<SecondaryService>();
        Assert.Equal(2, service.FullTransfers);
        Assert.Equal(0, service.IncrementalTransfers);
    }
}

/// <summary>
/// A minimal primary for f.test over TCP: SOA and AXFR from <see cref="Serial"/> (serial 2 adds www A 192.0.2.11),
/// and IXFR answered as <see cref="Mode"/> says.
/// </summary>
public sealed class ScriptedPrimary : IDisposable
{
    public enum IxfrMode { Refused, DeletesWhatIsNotThere }

    /// <summary>What the SOA query over UDP gets: the answer, an empty answer with TC set, or nothing.</summary>
    public enum UdpMode { Answer, Truncate, Silent }

    private readonly TcpListener _listener;
    private readonly UdpClient _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<RecordType, int> _requests = [];
    private int _udpRequests;
    private static readonly byte[] Origin = DnsName.Parse("f.test.");

    public ScriptedPrimary()
    {
        // The same port for UDP and TCP, as a DNS server has.
        while (true)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            try
            {
                _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port));
                break;
            }
            catch (SocketException)
            {
                _listener.Stop();
            }
        }
        _ = Task.Run(AcceptAsync);
        _ = Task.Run(ServeUdpAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public volatile uint Serial = 1;
    public IxfrMode Mode { get; set; }
    public UdpMode Udp { get; set; }

    /// <summary>Queries received over UDP (every one an SOA query from the secondary).</summary>
    public int UdpRequests => Volatile.Read(ref _udpRequests);

    private async Task ServeUdpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _udpRequests);
            if (Udp == UdpMode.Silent)
                continue;
            var answer = Answer(received.Buffer, count: false);
            if (Udp == UdpMode.Truncate)
            {
                // RFC 2181 9: the query (header and question: the secondary's SOA query carries nothing else) sent back
                // with QR and TC set and no records; the client asks over TCP.
                answer = received.Buffer.ToArray();
                answer[2] |= (DnsHeader.QrBit | DnsHeader.TcBit) >> 8;
            }
            try
            {
                await _udp.SendAsync(answer, received.RemoteEndPoint, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    /// <summary>Queries of this type received over TCP.</summary>
    public int Requests(RecordType type)
    {
        lock (_requests)
            return _requests.GetValueOrDefault(type);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            while (true)
            {
                var query = await RunningServer.ReadMessage(stream, _stop.Token);
                var answer = Answer(query);
                var framed = new byte[answer.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                answer.CopyTo(framed, 2);
                await stream.WriteAsync(framed, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or SocketException)
        {
        }
    }

    private byte[] Answer(byte[] query, bool count = true)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        reader.TryReadHeader(out var header);
        reader.TryReadQuestion(name, out var question);
        var type = (RecordType)question.Type;
        if (count)
        {
            lock (_requests)
                _requests[type] = _requests.GetValueOrDefault(type) + 1;
        }
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer, buffer.Length) { Id = header.Id, Flags = DnsHeader.QrBit | DnsHeader.AaBit };
        writer.TryWriteQuestion(Origin, question.Type, RecordClass.IN);
        uint serial = Serial;
        switch (type)
        {
            case RecordType.SOA:
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                break;
            case RecordType.IXFR when Mode == IxfrMode.Refused:
                writer.SetResponseCode(ResponseCode.Refused);
                break;
            case RecordType.IXFR:
                // From serial 1 to 2: "delete" an address the zone never had, add the new one.
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial - 1));
                Write(ref writer, "www.f.test.", RecordType.A, [192, 0, 2, 99]);
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                Write(ref writer, "www.f.test.", RecordType.A, [192, 0, 2, 11]);
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                break;
            case RecordType.AXFR:
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                Write(ref writer, "f.test.", RecordType.NS, DnsName.Parse("ns.f.test."));
                Write(ref writer, "ns.f.test.", RecordType.A, [192, 0, 2, 1]);
                Write(ref writer, "www.f.test.", RecordType.A, [192, 0, 2, 10]);
                if (serial >= 2)
                    Write(ref writer, "www.f.test.", RecordType.A, [192, 0, 2, 11]);
                Write(ref writer, "f.test.", RecordType.SOA, Soa(serial));
                break;
            default:
                writer.SetResponseCode(ResponseCode.NotImp);
                break;
        }
        int length = writer.Finish();
        return buffer[..length];
    }

    private static void Write(ref DnsMessageWriter writer, string owner, RecordType type, byte[] rdata) =>
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, DnsName.Parse(owner), (ushort)type, RecordClass.IN, 300, rdata));

    private static byte[] Soa(uint serial)
    {
        // MNAME ns.f.test., RNAME hostmaster.f.test., then SERIAL REFRESH RETRY EXPIRE MINIMUM.
        byte[] names = [.. DnsName.Parse("ns.f.test."), .. DnsName.Parse("hostmaster.f.test.")];
        var rdata = new byte[names.Length + 20];
        names.CopyTo(rdata, 0);
        var timers = rdata.AsSpan(names.Length);
        BinaryPrimitives.WriteUInt32BigEndian(timers, serial);
        BinaryPrimitives.WriteUInt32BigEndian(timers[4..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(timers[8..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(timers[12..], 7200);
        BinaryPrimitives.WriteUInt32BigEndian(timers[16..], 60);
        return rdata;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _udp.Dispose();
        _stop.Dispose();
    }
}
