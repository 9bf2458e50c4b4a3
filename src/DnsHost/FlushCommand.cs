using System.Net.Http.Json;
using DnsHost.Web;

namespace DnsHost;

/// <summary><c>dnshost flush [NAME] [--api URL]</c>: empties a running server's resolver cache, or drops one name from it.</summary>
public static class FlushCommand
{
    public static async Task<int> RunAsync(CommandLine command)
    {
        if (command.Positional.Count > 1)
        {
            Console.Error.WriteLine("dnshost: flush takes at most one NAME; see --help");
            return 64;
        }
        var baseAddress = OperationsClient.FromCommand(command);
        using var http = OperationsClient.CreateHttp(baseAddress, OperationsClient.AdminToken(command));
        string path = ResolverEndpoints.Path.TrimStart('/') + "/flush" + (command.Positional.Count == 1 ? "?name=" + Uri.EscapeDataString(command.Positional[0]) : "");
        try
        {
            using var response = await http.PostAsync(path, null);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"dnshost: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                return 1;
            }
            var result = await response.Content.ReadFromJsonAsync<ResolverEndpoints.FlushResult>(OperationsClient.Json);
            Console.WriteLine(result!.Scope == "all" ? $"flushed {result.Flushed} cache entries" : $"flushed {result.Flushed} cache entries for {result.Scope}");
            return 0;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"dnshost: cannot reach {baseAddress}: {e.Message} (is the server running? use --api ADDR:PORT)");
            return 69;
        }
    }
}
