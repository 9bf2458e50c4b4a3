using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// The real AWS CLI, run as a fork of one Python process that has imported it already
/// (<c>aws-cli-server.py</c> beside this file): each call runs the CLI's own entry point with the
/// call's arguments and environment, as <c>aws</c> would, without paying about 0.7 s of imports
/// each time. The suite makes hundreds of CLI calls, so this is a large share of its time.
/// When the server cannot start (no Python that imports awscli, or <c>DNSHOST_TEST_AWS_FORK=0</c>),
/// <see cref="Shared"/> is null and <see cref="AwsCli"/> starts an <c>aws</c> process per call.
/// </summary>
public sealed class AwsCliServer
{
    private readonly string _socketPath;

    private AwsCliServer(string socketPath) => _socketPath = socketPath;

    public static readonly Lazy<Task<AwsCliServer?>> Shared = new(StartAsync);

    public sealed record Reply(int ExitCode, string Stdout, string Stderr);

    /// <summary>One CLI call; null when the server did not answer it (the caller then starts a process).</summary>
    public async Task<Reply?> RunAsync(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, CancellationToken timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), timeout);
        }
        catch (SocketException)
        {
            return null;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = JsonSerializer.Serialize(new { argv, env = environment, cwd = Environment.CurrentDirectory });
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), timeout);
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        int? child = null;
        try
        {
            if (await reader.ReadLineAsync(timeout) is not { } first)
                return null;
            child = JsonDocument.Parse(first).RootElement.GetProperty("pid").GetInt32();
            if (await reader.ReadLineAsync(timeout) is not { } line)
                return null; // the fork failed before it could answer
            var result = JsonDocument.Parse(line).RootElement;
            return new Reply(result.GetProperty("rc").GetInt32(), result.GetProperty("stdout").GetString() ?? "", result.GetProperty("stderr").GetString() ?? "");
        }
        catch (OperationCanceledException) when (child is { } pid)
        {
            // A bound on a hung call, as for a process of its own: the call is killed and the test fails on the timeout.
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            throw;
        }
    }

    private static async Task<AwsCliServer?> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("DNSHOST_TEST_AWS_FORK") == "0" || Python() is not { } python)
            return null;
        var script = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "aws-cli-server.py");
        var socketPath = Path.Combine(Path.GetTempPath(), $"dnshost-aws-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var psi = new ProcessStartInfo(python[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in python.Skip(1))
            psi.ArgumentList.Add(arg);
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(socketPath);
        psi.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process? process;
        try
        {
            process = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        if (process is null)
            return null;
        _ = process.StandardError.ReadToEndAsync(); // an import error ends the server; its text is not needed
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            if (await process.StandardOutput.ReadLineAsync(startup.Token) != "ready")
                return null;
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return null;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
        };
        return new AwsCliServer(socketPath);
    }

    /// <summary>
    /// The interpreter of the <c>aws</c> on PATH (its #! line), so the forks run the very CLI a
    /// process would; python3 when <c>aws</c> is a wrapper script (pyenv's shims).
    /// </summary>
    private static string[]? Python()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var aws = Path.Combine(folder, "aws");
            if (!File.Exists(aws))
                continue;
            string first;
            try
            {
                using var reader = new StreamReader(aws);
                first = reader.ReadLine() ?? "";
            }
            catch (IOException)
            {
                return null;
            }
            if (!first.StartsWith("#!", StringComparison.Ordinal))
                return null;
            var interpreter = first[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return interpreter.Any(part => part.Contains("python", StringComparison.Ordinal)) ? interpreter : ["python3"];
        }
        return null;
    }
}
