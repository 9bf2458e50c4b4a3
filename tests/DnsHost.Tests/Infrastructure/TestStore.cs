using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// Which store the API of a test host keeps its state in (issue 23: the same tests run against both).
/// SQLite by default; with <c>DNSHOST_TEST_STORE=PostgreSql</c> in the environment every host the tests
/// start uses one shared PostgreSQL on loopback instead (started on first use, stopped at exit), with a
/// database per <c>--data</c> path, so a test that restarts a host on the same data finds its state again.
/// Test classes that always run on PostgreSQL call <see cref="PostgreSqlArgs"/> themselves.
/// </summary>
public static class TestStore
{
    private static readonly Lazy<PostgresServer> Shared = new(() =>
    {
        var server = new PostgresServer();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Made = new(StringComparer.Ordinal);

    public static bool PostgreSqlFromEnvironment =>
        string.Equals(Environment.GetEnvironmentVariable("DNSHOST_TEST_STORE"), "PostgreSql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The settings that put a host whose data path is <paramref name="dataPath"/> on the shared PostgreSQL.</summary>
    public static string[] PostgreSqlArgs(string dataPath) =>
        ["--Api:Store=PostgreSql", $"--Api:ConnectionString={DatabaseFor(dataPath)}"];

    /// <summary>What the environment asks of a host started with <paramref name="args"/> (nothing when it names its store itself).</summary>
    internal static string[] FromEnvironment(IReadOnlyList<string> args)
    {
        if (!PostgreSqlFromEnvironment || args.Any(a => a.StartsWith("--Api:Store", StringComparison.OrdinalIgnoreCase)))
            return [];
        int data = -1;
        for (int i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--data")
                data = i + 1;
        }
        return data < 0 ? [] : PostgreSqlArgs(args[data]);
    }

    private static string DatabaseFor(string dataPath)
    {
        string name = "d" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataPath))))[..24].ToLowerInvariant();
        var server = Shared.Value;
        lock (Gate)
        {
            if (Made.Add(name))
            {
                using var db = new NpgsqlConnection(server.ConnectionString);
                db.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE {name}", db);
                create.ExecuteNonQuery();
            }
        }
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ToString();
    }
}
