using DnsHost.Route53.Storage;
using Microsoft.Extensions.Configuration;

namespace DnsHost;

/// <summary>
/// <c>dnshost cluster status [--config FILE]</c>: the nodes that share the PostgreSQL store (Api:Store,
/// Api:ConnectionString), the change sequence each serves, its lag behind the log's end, and when it last
/// reported. Exit 0 when every node that reported within Cluster:NodeTimeoutSeconds is caught up, 2 when
/// one lags or is silent, 1 when the store cannot be reached.
/// </summary>
public static class ClusterCommand
{
    public static int Run(CommandLine command)
    {
        if (command.Positional is not ["status"])
        {
            Console.Error.WriteLine("dnshost: usage: dnshost cluster status [--config FILE]; see dnshost cluster --help");
            return 64;
        }
        var builder = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        foreach (var file in command.ConfigFiles)
            builder.AddJsonFile(Path.GetFullPath(file), optional: false);
        var configuration = builder.AddEnvironmentVariables("DNSHOST_").AddInMemoryCollection(command.Settings).AddCommandLine(command.PassThrough.ToArray()).Build();
        string? connection = configuration["Api:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            Console.Error.WriteLine("dnshost: cluster status needs Api:ConnectionString (the PostgreSQL store the nodes share), from --config or DNSHOST_Api__ConnectionString");
            return 64;
        }
        double timeout = double.TryParse(configuration["Cluster:NodeTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out double t) ? t : 10;
        try
        {
            using var store = ApiStore.Open(ApiStoreKind.PostgreSql, connection);
            long last = store.LastSequence();
            var now = DateTimeOffset.UtcNow;
            var nodes = store.Nodes();
            Console.WriteLine($"store: {store.Description}, reachable; change log at {last}");
            Console.WriteLine($"{"node",-32} {"region",-16} {"sequence",10} {"lag",8} {"last report",12}  state");
            bool healthy = true;
            foreach (var node in nodes)
            {
                double seen = (now - node.SeenAt).TotalSeconds;
                string state = seen > timeout ? "silent (not waited for by GetChange)" : node.Sequence >= last ? "in sync" : "catching up";
                healthy &= state == "in sync";
                Console.WriteLine($"{node.Name,-32} {node.Region,-16} {node.Sequence,10} {last - node.Sequence,8} {seen,10:F1} s  {state}");
            }
            if (nodes.Count == 0)
                Console.WriteLine("(no node has reported yet)");
            return healthy ? 0 : 2;
        }
        catch (ApiStoreException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 1;
        }
    }
}
