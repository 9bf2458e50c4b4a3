using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DnsHost;

/// <summary>
/// <c>dnshost ping [--server IP:PORT] [--api URL] [--timeout SECONDS]</c>: is a running server answering DNS and HTTP? For container
/// health checks, where neither dig nor curl is installed. Exit 0 when both answer, 1 otherwise (Docker's HEALTHCHECK
/// codes: 0 healthy, 1 unhealthy).
/// </summary>
public static class PingCommand
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(CommandLine command)
    {
        if (command.Positional.Count > 0)
        {
            Console.Error.WriteLine("dnshost: ping takes no arguments; see dnshost ping --help");
            return 64;
        }
        var wait = DefaultWait;
        if (command.Options.GetValueOrDefault("timeout") is { } timeoutText)
        {
            if (!double.TryParse(timeoutText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
                || !double.IsFinite(seconds) || seconds <= 0 || seconds > 3600)
            {
                Console.Error.WriteLine($"dnshost: --timeout '{timeoutText}' is not a number of seconds between 0 and 3600");
                return 64;
            }
            wait = TimeSpan.FromSeconds(seconds);
        }
        string serverText = command.Options.GetValueOrDefault("server") ?? "127.0.0.1:53";
        if (!IPEndPoint.TryParse(serverText, out var server) || (server.Port == 0 && !serverText.Contains(':')))
            server = IPAddress.TryParse(serverText, out var address) ? new IPEndPoint(address, 53) : null;
        if (server is null)
        {
            Console.Error.WriteLine($"dnshost: --server '{serverText}' is not IP or IP:PORT");
            return 64;
        }
        string? dnsProblem = await QueryAsync(server, wait);
        Console.WriteLine(dnsProblem is null ? $"dns {server}: answered" : $"dns {server}: {dnsProblem}");
        var api = OperationsClient.FromCommand(command);
        string? httpProblem = await HealthzAsync(api, wait);
        Console.WriteLine(httpProblem is null ? $"http {api}healthz: ok" : $"http {api}healthz: {httpProblem}");
        return dnsProblem is null && httpProblem is null ? 0 : 1;
    }

    /// <summary>Sends a query for the root SOA; any response with our id, even REFUSED, shows the server is answering.</summary>
    private static async Task<string?> QueryAsync(IPEndPoint server, TimeSpan wait)
    {
        var query = new byte[17];
        ushort id = (ushort)Random.Shared.Next(1, 65536);
        BinaryPrimitives.WriteUInt16BigEndian(query, id);  // ID; flags 0: a standard query, RD clear
        query[5] = 1;                                       // QDCOUNT 1; AN, NS and AR counts 0
        // offset 12: the root name (one zero octet), then QTYPE SOA (6) and QCLASS IN (1)
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(13), 6);
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(15), 1);
        using var udp = new UdpClient(server.AddressFamily);
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await udp.SendAsync(query, server, timeout.Token);
            while (true)
            {
                var reply = await udp.ReceiveAsync(timeout.Token);
                if (reply.Buffer.Length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(reply.Buffer) == id)
                    return null;
            }
        }
        catch (OperationCanceledException)
        {
            return $"no answer within {wait.TotalSeconds:0.#} s";
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    private static async Task<string?> HealthzAsync(Uri api, TimeSpan wait)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = wait };
        try
        {
            using var response = await http.GetAsync("healthz");
            return response.IsSuccessStatusCode ? null : $"status {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e.Message;
        }
    }
}
