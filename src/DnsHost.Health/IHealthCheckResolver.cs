using System.Net;
using DnsClient;

namespace DnsHost.Health;

/// <summary>Finds the IPv4 address of a check's FullyQualifiedDomainName (Route 53 uses A records only).</summary>
public interface IHealthCheckResolver
{
    Task<IPAddress?> ResolveAsync(string name, CancellationToken cancel);
}

/// <summary>
/// Resolves through this DnsHost itself, over UDP to one of its own listeners, so a check follows the
/// zones the server answers (and, once it resolves, the names it resolves).
/// </summary>
public sealed class DnsServerResolver(Func<System.Net.IPEndPoint> server) : IHealthCheckResolver
{
    public async Task<IPAddress?> ResolveAsync(string name, CancellationToken cancel)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(server()))
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(2),
            Retries = 1,
            ContinueOnDnsError = false,
            ThrowDnsErrors = false,
        });
        try
        {
            var response = await client.QueryAsync(name, QueryType.A, QueryClass.IN, cancel);
            return response.Answers.ARecords().Select(a => a.Address).FirstOrDefault();
        }
        catch (DnsResponseException)
        {
            return null;
        }
    }
}
