using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Server;

/// <summary>
/// The TCP connection limits of RFC 7766 6.2.3 against the attack of issue 16: one client holding every
/// connection (and keeping each alive with a query now and then) must not lock other clients out.
/// Clients come from distinct loopback addresses (127.0.0.x), which the server counts separately.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class TcpConnectionLimitTests : IDisposable
{
    private readonly TestZones _zones = new TestZones().CopySamples();

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task One_client_holding_every_connection_does_not_lock_out_the_others()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:MaxTcpConnections=8", "--Dns:MaxTcpConnectionsPerClient=4");
        // The attacker opens twice the server's capacity and keeps every connection busy with a query.
        var attacker = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 16; i++)
                attacker.Add(await ConnectFrom("127.0.0.2", server.Port));
            for (int i = 0; i < attacker.Count; i++)
                await TryQuery(attacker[i], (ushort)i);

            // Ten other clients arrive while the attacker keeps its connections alive.
            int othersAnswered = 0;
            for (int n = 0; n < 10; n++)
            {
                using var other = await ConnectFrom($"127.0.0.{10 + n}", server.Port);
                othersAnswered += await TryQuery(other, (ushort)(1000 + n)) ? 1 : 0;
                // The attacker's next round of keep-alive queries.
                foreach (var c in attacker)
                    await TryQuery(c, 7);
            }
            Assert.Equal(10, othersAnswered);
            // Each attacker connection past its share closed one of its own: at most four still answer.
            int attackerAnswered = 0;
            foreach (var c in attacker)
                attackerAnswered += await TryQuery(c, 9) ? 1 : 0;
            Assert.InRange(attackerAnswered, 1, 4);
            Assert.InRange(server.Services.GetTcpServer().OpenConnections, 0, 8);
        }
        finally
        {
            foreach (var c in attacker)
                c.Dispose();
        }
    }

    [Fact]
    public async Task A_full_server_closes_the_idlest_connection_and_serves_the_newcomer()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:MaxTcpConnections=2", "--Dns:MaxTcpConnectionsPerClient=2");
        using var oldest = await ConnectFrom("127.0.0.21", server.Port);
        using var recent = await ConnectFrom("127.0.0.22", server.Port);
        Assert.True(await TryQuery(oldest, 1));
        Assert.True(await TryQuery(recent, 2)); // the most recent query: `oldest` is now the idlest

        using var newcomer = await ConnectFrom("127.0.0.23", server.Port);
        Assert.True(await TryQuery(newcomer, 3));
        using var cts = new CancellationTokenSource(5000);
        Assert.Equal(0, await oldest.GetStream().ReadAsync(new byte[4], cts.Token)); // closed by the server
        Assert.True(await TryQuery(recent, 4));
    }

    [Fact]
    public async Task A_client_past_its_share_loses_its_own_idlest_connection_not_another_clients()
    {
        await using var server = await RunningServer.StartAsync(_zones.Directory, "--Dns:MaxTcpConnections=8", "--Dns:MaxTcpConnectionsPerClient=2");
        using var bystander = await ConnectFrom("127.0.0.31", server.Port);
        Assert.True(await TryQuery(bystander, 1));
        using var first = await ConnectFrom("127.0.0.32", server.Port);
        Assert.True(await TryQuery(first, 2));
        using var second = await ConnectFrom("127.0.0.32", server.Port);
        Assert.True(await TryQuery(second, 3));
        using var third = await ConnectFrom("127.0.0.32", server.Port);
        Assert.True(await TryQuery(third, 4));

        using var cts = new CancellationTokenSource(5000);
        Assert.Equal(0, await first.GetStream().ReadAsync(new byte[4], cts.Token));
        Assert.True(await TryQuery(bystander, 5)); // the bystander was idlest of all, and kept its connection
        Assert.True(await TryQuery(second, 6));
    }

    private static async Task<TcpClient> ConnectFrom(string source, int port)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    /// <summary>One query on the connection; false when the server has closed it.</summary>
    private static async Task<bool> TryQuery(TcpClient client, ushort id)
    {
        var query = TestQuery.Build("www.example.test", RecordType.A, id: id);
        try
        {
            var stream = client.GetStream();
            await stream.WriteAsync(new[] { (byte)(query.Length >> 8), (byte)query.Length });
            await stream.WriteAsync(query);
            using var cts = new CancellationTokenSource(5000);
            var response = TestResponse.Parse(await RunningServer.ReadMessage(stream, cts.Token));
            return response.Id == id && response.ResponseCode == ResponseCode.NoError;
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or InvalidOperationException)
        {
            return false;
        }
    }
}

internal static class TcpServerAccess
{
    public static DnsHost.Server.TcpDnsServer GetTcpServer(this IServiceProvider services) =>
        (DnsHost.Server.TcpDnsServer)services.GetService(typeof(DnsHost.Server.TcpDnsServer))!;
}
