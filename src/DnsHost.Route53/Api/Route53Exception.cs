namespace DnsHost.Route53.Api;

/// <summary>An API error in Route 53's terms: its code, HTTP status and message (sent as ErrorResponse XML).</summary>
public sealed class Route53Exception(string code, string message, int status = 400, IReadOnlyList<string>? messages = null) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
    /// <summary>For InvalidChangeBatch: every problem found.</summary>
    public IReadOnlyList<string> Messages { get; } = messages ?? [message];

    public static Route53Exception NoSuchHostedZone(string id) => new("NoSuchHostedZone", $"No hosted zone found with ID: {id}", 404);
}
