using System.Net;
using System.Net.Sockets;
using DnsHost.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DnsHost.Tests.Infrastructure;

/// <summary>The real DnsHost host, started in-process on a loopback port chosen by the kernel.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly IHost _host;

    private RunningServer(IHost host, int port)
    {
        _host = host;
        Port = port;
    }

    public int Port { get; }
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);
    public IServiceProvider Services => _host.Services;
    /// <summary>The HTTP endpoint (operations, and later the Route 53 API).</summary>
    public Uri ApiBase => _host.Services.GetRequiredService<DnsHost.Web.ApiServer>().BaseAddress ?? throw new InvalidOperationException("the HTTP endpoint is off");

    public static Task<RunningServer> StartAsync(string zonesDirectory, params string[] extraArgs) => StartAsync(zonesDirectory, null, extraArgs);

    /// <param name="configureServices">Replaces services after the host's own (e.g. a FakeTimeProvider for TimeProvider).</param>
    public static async Task<RunningServer> StartAsync(string zonesDirectory, Action<IServiceCollection>? configureServices, params string[] extraArgs)
    {
        string[] args = ["serve", "--zones", zonesDirectory, "--address", "127.0.0.1", "--port", "0", "--api", "127.0.0.1:0",
            "--data", Path.Combine(Path.GetTempPath(), "dnshost-tests-" + Guid.NewGuid().ToString("N"), "api.db"),
            "--Logging:LogLevel:Default=Warning", .. extraArgs];
        var command = CommandLine.Parse([.. args, .. TestStore.FromEnvironment(args)]);
        var host = ServeCommand.Build(command, configureServices);
        await host.StartAsync();
        return new RunningServer(host, host.Services.GetRequiredService<DnsListeners>().Port);
    }

    public async Task<TestResponse> UdpAsync(byte[] query, int timeoutMs = 3000)
    {
        var bytes = await UdpRawAsync(query, timeoutMs) ?? throw new TimeoutException("no UDP response");
        return TestResponse.Parse(bytes);
    }

    /// <summary>A query sent from a given loopback address (127.0.0.x), for VPC and location tests.</summary>
    public async Task<TestResponse> UdpFromAsync(string source, byte[] query, int timeoutMs = 3000)
    {
        var bytes = await UdpRawAsync(query, timeoutMs, source) ?? throw new TimeoutException($"no UDP response to {source}");
        return TestResponse.Parse(bytes);
    }

    public async Task<byte[]?> UdpRawAsync(byte[] query, int timeoutMs = 3000, string? source = null)
    {
        using var udp = source is null ? new UdpClient(AddressFamily.InterNetwork) : new UdpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        udp.Connect(EndPoint);
        await udp.SendAsync(query);
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var result = await udp.ReceiveAsync(cts.Token);
            return result.Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<List<TestResponse>> TcpAsync(params byte[][] queries)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(EndPoint);
        var stream = client.GetStream();
        foreach (var q in queries)
        {
            await stream.WriteAsync(new[] { (byte)(q.Length >> 8), (byte)q.Length });
            await stream.WriteAsync(q);
        }
        var responses = new List<TestResponse>();
        using var cts = new CancellationTokenSource(5000);
        for (int i = 0; i < queries.Length; i++)
            responses.Add(TestResponse.Parse(await ReadMessage(stream, cts.Token)));
        return responses;
    }

    public static async Task<byte[]> ReadMessage(NetworkStream stream, CancellationToken ct)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, ct);
        var message = new byte[(prefix[0] << 8) | prefix[1]];
        await stream.ReadExactlyAsync(message, ct);
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
