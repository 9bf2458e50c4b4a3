using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Abuse;

/// <summary>
/// Sends a burst of UDP queries from one socket (one source address and port), then a marker query that
/// is never limited, and returns what came back before the marker's answer: so dropped responses are
/// counted without waiting for a timeout. The server keeps one source's datagrams on one socket, in order.
/// </summary>
internal sealed class UdpBurst(IPEndPoint server, string source = "127.0.0.1") : IDisposable
{
    private readonly UdpClient _udp = Connect(server, source);

    private static UdpClient Connect(IPEndPoint server, string source)
    {
        var udp = new UdpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        udp.Connect(server);
        return udp;
    }

    /// <param name="marker">A query answered whatever the limit (over another bucket, or with a valid cookie).</param>
    public async Task<List<TestResponse>> SendAsync(IReadOnlyList<byte[]> queries, byte[] marker)
    {
        ushort markerId = (ushort)((marker[0] << 8) | marker[1]);
        // Read while sending: a few hundred answers would overflow the socket's receive buffer.
        var receiving = Task.Run(async () =>
        {
            var responses = new List<TestResponse>();
            using var cts = new CancellationTokenSource(10_000);
            while (true)
            {
                var response = TestResponse.Parse((await _udp.ReceiveAsync(cts.Token)).Buffer);
                if (response.Id == markerId)
                    return responses;
                responses.Add(response);
            }
        });
        foreach (var q in queries)
            await _udp.SendAsync(q);
        await _udp.SendAsync(marker);
        return await receiving;
    }

    public async Task<TestResponse> QueryAsync(byte[] query)
    {
        await _udp.SendAsync(query);
        using var cts = new CancellationTokenSource(5000);
        return TestResponse.Parse((await _udp.ReceiveAsync(cts.Token)).Buffer);
    }

    public void Dispose() => _udp.Dispose();
}

internal static class CookieOption
{
    public static byte[] Option(byte[] cookie) => [0, (byte)EdnsOption.Cookie, 0, (byte)cookie.Length, .. cookie];

    /// <summary>The COOKIE option data of a response (client cookie, then server cookie), or null.</summary>
    public static byte[]? Cookie(this TestResponse response)
    {
        var data = response.OptData;
        for (int i = 0; i + 4 <= data.Length;)
        {
            int code = (data[i] << 8) | data[i + 1], len = (data[i + 2] << 8) | data[i + 3];
            if (code == EdnsOption.Cookie && i + 4 + len <= data.Length)
                return data[(i + 4)..(i + 4 + len)];
            i += 4 + len;
        }
        return null;
    }
}
