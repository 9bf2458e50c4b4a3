using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>Malformed packets get FORMERR or are dropped, and the server keeps answering the next query.</summary>
[Trait("Kind", "Integration")]
public sealed class MalformedQueryTests : IAsyncLifetime
{
    private readonly TestZones _zones = new TestZones().CopySamples();
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(_zones.Directory);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    // Header: ID 0xABCD, flags 0x0000 (query, RD clear), then QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
    private static byte[] Header(ushort qd, ushort flags = 0x0000, ushort an = 0) =>
        [0xAB, 0xCD, (byte)(flags >> 8), (byte)flags, (byte)(qd >> 8), (byte)qd, (byte)(an >> 8), (byte)an, 0, 0, 0, 0];

    private static readonly byte[] WwwExampleTest =
        [3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0];

    private static readonly byte[] TypeAClassIn = [0, 1, 0, 1];

    public static TheoryData<string, byte[]> FormErrPackets => new()
    {
        { "qdcount 0", Header(0) },
        { "qdcount 2", [.. Header(2), .. WwwExampleTest, .. TypeAClassIn, .. WwwExampleTest, .. TypeAClassIn] },
        { "question cut short", [.. Header(1), .. WwwExampleTest[..8]] },
        { "question without type and class", [.. Header(1), .. WwwExampleTest] },
        // offset 12: a pointer to itself (0xC00C) -- a compression loop
        { "self-pointer loop", [.. Header(1), 0xC0, 0x0C, .. TypeAClassIn] },
        // offset 12: label "a", offset 14: pointer back to 12 -- a two-step loop
        { "two-step loop", [.. Header(1), 1, (byte)'a', 0xC0, 0x0C, .. TypeAClassIn] },
        // offset 12: pointer to offset 0x3FFF, past the end
        { "pointer past the end", [.. Header(1), 0xFF, 0xFF, .. TypeAClassIn] },
        // offset 12: length 64 is a reserved label type (0x40), not a 64-byte label
        { "label over 63", [.. Header(1), 64, .. new byte[64], 0, .. TypeAClassIn] },
        { "name over 255", [.. Header(1), .. Enumerable.Range(0, 5).SelectMany(_ => new byte[] { 63 }.Concat(Enumerable.Repeat((byte)'a', 63))), 0, .. TypeAClassIn] },
        { "answer section in a query", [.. Header(1, an: 1), .. WwwExampleTest, .. TypeAClassIn] },
        { "additional count with nothing there", [0xAB, 0xCD, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, .. WwwExampleTest, .. TypeAClassIn] },
    };

    [Theory]
    [MemberData(nameof(FormErrPackets))]
    public async Task Malformed_query_gets_formerr_and_the_server_keeps_answering(string why, byte[] packet)
    {
        var response = await _server.UdpAsync(packet);
        Assert.True(response.ResponseCode == ResponseCode.FormErr, $"{why}: got {response.ResponseCode}");
        Assert.Equal(0xABCD, response.Id);
        Assert.True(response.QR);
        await AssertStillAnswering();
    }

    public static TheoryData<string, byte[]> DroppedPackets => new()
    {
        { "empty", [] },
        { "truncated header", [0xAB, 0xCD, 0x01] },
        { "QR set (a response)", [.. Header(1, flags: 0x8000), .. WwwExampleTest, .. TypeAClassIn] },
    };

    [Theory]
    [MemberData(nameof(DroppedPackets))]
    public async Task Packets_that_are_not_queries_are_dropped(string why, byte[] packet)
    {
        var response = await _server.UdpRawAsync(packet, timeoutMs: 500);
        Assert.True(response is null, $"{why}: expected no answer");
        await AssertStillAnswering();
    }

    [Fact]
    public async Task Garbage_over_tcp_does_not_stop_the_server()
    {
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(_server.EndPoint);
            var stream = client.GetStream();
            byte[] selfLoop = [0, 18, .. Header(1), 0xC0, 0x0C, 0, 1, 0, 1];
            await stream.WriteAsync(selfLoop);
            await stream.WriteAsync(new byte[] { 0, 3, 1, 2, 3 });
            var response = await RunningServer.ReadMessage(stream, new CancellationTokenSource(3000).Token);
            Assert.Equal(ResponseCode.FormErr, TestResponse.Parse(response).ResponseCode);
        }
        await AssertStillAnswering();
        var tcp = await _server.TcpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, tcp[0].ResponseCode);
    }

    [Fact]
    public void Random_mutations_of_valid_queries_never_throw()
    {
        var processor = _zones.Processor();
        var random = new Random(20261125);
        var seeds = new[]
        {
            TestQuery.Build("www.example.test", RecordType.A),
            TestQuery.Build("alias.example.test", RecordType.AAAA, ednsOptions: [0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2]),
            TestQuery.Build("x.apps.example.test", RecordType.ANY, ednsSize: null),
            TestQuery.Build("example.test", RecordType.AXFR),
        };
        var response = new byte[65535];
        Span<byte> n = stackalloc byte[256];
        for (int i = 0; i < 20000; i++)
        {
            var packet = (byte[])seeds[i % seeds.Length].Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
                packet[random.Next(packet.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0)
                packet = packet[..random.Next(packet.Length)];
            var disposition = processor.Process(packet, response, overTcp: random.Next(2) == 0, transferAllowed: true, out int length, out _);
            if (disposition == QueryDisposition.Respond)
            {
                // Whatever we send must itself be a well-formed message.
                var r = new DnsMessageReader(response.AsSpan(0, length));
                Assert.True(r.TryReadHeader(out var h));
                for (int q = 0; q < h.QuestionCount; q++)
                    Assert.True(r.TryReadQuestion(n, out _), $"query {Convert.ToHexString(packet)} gave response {Convert.ToHexString(response.AsSpan(0, length))}: {r.Error}");
                var parsed = TestResponse.Parse(response.AsSpan(0, length));
                Assert.True(parsed.QR);
            }
        }
    }

    [Fact]
    public void Regression_compression_never_points_at_a_name_still_being_written()
    {
        // Found by the mutation test: the question name is an 18-byte label followed by two one-byte
        // labels holding 0x00. The writer once registered a label as a compression target before the
        // name was complete, so the last label became a pointer to itself.
        var query = Convert.FromHexString("12340000000100000000E30112777777076578616D706C6504C4657374000001000100002904D0000000000000");
        var response = new byte[512];
        var disposition = _zones.Processor().Process(query, response, overTcp: false, transferAllowed: false, out int length, out _);
        Assert.Equal(QueryDisposition.Respond, disposition);
        var parsed = TestResponse.Parse(response.AsSpan(0, length));
        Assert.Equal(ResponseCode.FormErr, parsed.ResponseCode);
    }

    private async Task AssertStillAnswering()
    {
        var ok = await _server.UdpAsync(TestQuery.Build("www.example.test", RecordType.A));
        Assert.Equal(ResponseCode.NoError, ok.ResponseCode);
        Assert.Equal(2, ok.Answer.Count);
    }
}
