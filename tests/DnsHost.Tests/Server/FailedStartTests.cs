using DnsHost.Tests.Infrastructure;
using DnsHost.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DnsHost.Tests.Server;

/// <summary>
/// A hosted service that fails to start (a bad setting found late, such as <c>--api nonsense</c>) is a
/// one-line report: the services already started are stopped, so the host does not log their
/// cancellation as a critical failure with a stack trace. The flake check caught that trace on a
/// loaded machine, where the console logger had time to print it before the process exited.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class FailedStartTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    [Fact]
    public async Task A_service_that_fails_to_start_leaves_no_critical_log_of_the_ones_that_started()
    {
        var logs = new CapturingLoggerProvider();
        var started = new StartedProbe();
        var command = DnsHost.CommandLine.Parse(["serve", "--zones", _zones.Directory, "--address", "127.0.0.1", "--port", "0", "--api", "nonsense",
            "--data", Path.Combine(_zones.Directory, "api.db")]);
        var host = DnsHost.ServeCommand.Build(command, services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            // First of the hosted services, so it is running when the API endpoint's start fails.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(started));
        });
        try
        {
            await Assert.ThrowsAsync<ApiBindException>(() => DnsHost.ServeCommand.StartOrStopAsync(host));
            Assert.True(started.ExecuteTask!.IsCompleted, "a started service is stopped before the failure is reported");
        }
        finally
        {
            // Disposing cancels whatever still runs; the probe's cancellation completes inline, so a log it causes is here now.
            host.Dispose();
        }
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }

    /// <summary>A background service whose cancellation completes on the thread that cancels it.</summary>
    private sealed class StartedProbe : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Named(this, categoryName);
        public void Dispose() { }

        private sealed class Named(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((logLevel, category, formatter(state, exception) + exception));
        }
    }
}
