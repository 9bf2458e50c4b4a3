using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DnsHost.Tests.Server;

/// <summary>A zone file edited without a serial bump is served, with a warning naming the file and the serial (as Knot warns).</summary>
[Trait("Kind", "Integration")]
public sealed class SerialBumpWarningTests : IDisposable
{
    private sealed class Captured : ILogger<ZoneDirectoryService>
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
                Lines.Add((logLevel, formatter(state, exception)));
        }
    }

    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private const string Head = "$TTL 60\n@ IN SOA ns h {0} 2 3 4 5\n  IN NS ns\nns IN A 192.0.2.53\n";

    [Fact]
    public async Task An_edit_without_a_serial_bump_warns_with_file_and_serial_and_a_bumped_one_does_not()
    {
        var path = _zones.Write("bump.test.zone", string.Format(Head, 7) + "www IN A 192.0.2.1\n");
        var log = new Captured();
        var registry = new ZoneRegistry();
        using var service = new ZoneDirectoryService(registry, Options.Create(new ZoneOptions { Directory = _zones.Directory }), RoutingEnvironment.Default,
            Options.Create(new RoutingOptions()), log);
        await service.StartAsync(CancellationToken.None);

        File.WriteAllText(path, string.Format(Head, 7) + "www IN A 192.0.2.2\n");
        service.ReloadFiles([path], "test");
        var warning = Assert.Single(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("serial", StringComparison.Ordinal));
        Assert.Contains("bump.test.zone", warning.Message);
        Assert.Contains("serial 7 did not increase", warning.Message);
        // The edit is served all the same.
        Assert.Contains(registry.Current.AllZones.Single().Records, r => r.Type == 1 && r.RData.SequenceEqual(new byte[] { 192, 0, 2, 2 }));

        log.Lines.Clear();
        File.WriteAllText(path, string.Format(Head, 8) + "www IN A 192.0.2.3\n");
        service.ReloadFiles([path], "test");
        // Touched but unchanged: no warning either.
        File.WriteAllText(path, string.Format(Head, 8) + "www IN A 192.0.2.3\n");
        service.ReloadFiles([path], "test");
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("did not increase", StringComparison.Ordinal));
    }
}
