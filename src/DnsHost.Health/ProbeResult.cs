using System.Net;

namespace DnsHost.Health;

/// <summary>Why a probe failed, in a word a log or a test can match.</summary>
public enum ProbeOutcome
{
    Success,
    ConnectionRefused,
    ConnectTimeout,
    ResponseTimeout,
    BodyTimeout,
    ConnectionClosed,
    BadStatus,
    BadResponse,
    StringNotFound,
    TlsFailed,
    DnsFailed,
    TargetNotAllowed,
    Error,
}

/// <summary>
/// One probe's verdict. <see cref="Status"/> reads like Route 53's status reports
/// ("Success: HTTP Status Code 200, OK", "Failure: Connection refused. ...").
/// </summary>
public sealed record ProbeResult(ProbeOutcome Outcome, string Status, DateTimeOffset CheckedTime, IPAddress? ResolvedAddress, int? HttpStatus = null)
{
    public bool Success => Outcome == ProbeOutcome.Success;

    /// <summary>How long the probe took, start to verdict (published with a cluster node's observation).</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>A short reason for logs: "timeout", "connection refused", "status 503", "string not found".</summary>
    public string Reason => Outcome switch
    {
        ProbeOutcome.Success => HttpStatus is int s ? $"status {s}" : "connected",
        ProbeOutcome.ConnectionRefused => "connection refused",
        ProbeOutcome.ConnectTimeout => "connect timeout",
        ProbeOutcome.ResponseTimeout => "response timeout",
        ProbeOutcome.BodyTimeout => "body timeout",
        ProbeOutcome.ConnectionClosed => "connection closed",
        ProbeOutcome.BadStatus => $"status {HttpStatus}",
        ProbeOutcome.BadResponse => "malformed response",
        ProbeOutcome.StringNotFound => "string not found",
        ProbeOutcome.TlsFailed => "TLS handshake failed",
        ProbeOutcome.DnsFailed => "DNS resolution failed",
        ProbeOutcome.TargetNotAllowed => "target not allowed",
        _ => "error",
    };

    public static ProbeResult Fail(ProbeOutcome outcome, string detail, IPAddress? address, int? status = null) =>
        new(outcome, "Failure: " + detail + (address is null ? "" : $" Resolved IP: {address}"), DateTimeOffset.UtcNow, address, status);
}
