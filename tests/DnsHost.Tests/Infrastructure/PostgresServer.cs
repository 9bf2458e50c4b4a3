using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for one test class: initdb in a temporary folder, postgres on a free loopback
/// port. PostgreSQL refuses to run as root, so under root both run as the <c>postgres</c> user (runuser).
/// fsync is off (a killed server loses nothing; only a power cut would): the tests check DnsHost, not the disk. Needs the postgresql package (.ci/run).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _folder;
    private Process? _process;

    public int Port { get; }
    public string Database { get; } = "dnshost";
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database={Database};Username=postgres;Pooling=false;Timeout=5;Command Timeout=30";

    public static string? BinDirectory => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d).Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
        : null;

    public PostgresServer()
    {
        string bin = BinDirectory ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)");
        _folder = Path.Combine(Path.GetTempPath(), "dnshost-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        if (Environment.UserName == "root")
            Run("chown", "postgres", _folder);
        Port = FreePort();
        Run(Path.Combine(bin, "initdb"), "-D", Path.Combine(_folder, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        Start();
        using var db = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Database=postgres;Username=postgres;Pooling=false");
        db.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", db);
        create.ExecuteNonQuery();
    }

    /// <summary>Starts (or starts again) the server and waits until it accepts connections.</summary>
    public void Start()
    {
        string bin = BinDirectory!;
        _process = StartProcess(Path.Combine(bin, "postgres"), "-D", Path.Combine(_folder, "data"), "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-h", "127.0.0.1", "-k", _folder, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200");
        var log = new System.Text.StringBuilder();
        _process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var db = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Database=postgres;Username=postgres;Pooling=false;Timeout=2");
                db.Open();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"postgres exited with {_process.ExitCode}: {log}");
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Stops the server at once (SIGQUIT: no checkpoint, as a crash would), closing every client connection.</summary>
    public void Stop()
    {
        // The postmaster's own pid (under root, _process is runuser, its parent).
        string pidFile = Path.Combine(_folder, "data", "postmaster.pid");
        if (_process is not null && File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out int pid))
        {
            Run("kill", "-QUIT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var bound = Stopwatch.StartNew();
            while (Directory.Exists($"/proc/{pid}") && bound.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Sleep(50);
            _process.WaitForExit(30_000);
        }
        _process = null;
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static Process StartProcess(string file, params string[] args)
    {
        var psi = Environment.UserName == "root" ? new ProcessStartInfo("runuser") : new ProcessStartInfo(file);
        if (Environment.UserName == "root")
        {
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add("postgres");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static void Run(string file, params string[] args)
    {
        using var process = file is "chown" or "kill" ? Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false })! : StartProcess(file, args);
        if (!process.WaitForExit(120_000))
            throw new TimeoutException($"{file} did not finish");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {process.StandardError.ReadToEnd()}");
    }
}
