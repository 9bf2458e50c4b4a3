using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DnsHost.Route53.Api;

/// <summary>Why a request's signature was refused; the names are Route 53's error codes (all HTTP 403).</summary>
public enum SigV4Failure { None, MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId, SignatureDoesNotMatch }

/// <summary>The verdict on one request: the error code and its message in AWS's words, and the access key id once known.</summary>
public readonly record struct SigV4Result(SigV4Failure Failure, string Message, string? AccessKeyId)
{
    public bool Ok => Failure == SigV4Failure.None;
}

/// <summary>
/// Checks AWS Signature Version 4 on incoming requests, from the Authorization header or from the
/// X-Amz-* query parameters of a presigned URL. Any Region is accepted in the credential scope
/// (route53-behaviour.md 7.1: with --endpoint-url the CLI signs with its configured Region); the
/// service must be <c>route53</c>. Pure BCL, so it knows nothing of the HTTP server in front of it.
/// </summary>
public sealed class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    private const string Terminator = "aws4_request";
    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int MaxEchoedHeader = 256;
    private const string MismatchMessage = "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    private readonly IReadOnlyDictionary<string, string> _secretsByAccessKeyId;
    private readonly string _service;
    private readonly TimeSpan _maxClockSkew;
    private readonly TimeProvider _time;

    public SigV4Verifier(IReadOnlyDictionary<string, string> secretsByAccessKeyId, string service = "route53",
        TimeSpan? maxClockSkew = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secretsByAccessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(service);
        _maxClockSkew = maxClockSkew ?? TimeSpan.FromMinutes(5);
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxClockSkew, TimeSpan.Zero, nameof(maxClockSkew));
        _secretsByAccessKeyId = secretsByAccessKeyId;
        _service = service;
        _time = time ?? TimeProvider.System;
    }

    /// <param name="path">The request path exactly as received (percent-encoded, any --endpoint-url prefix included).</param>
    /// <param name="query">The raw query string without '?', possibly empty, in the order sent.</param>
    /// <param name="headers">Every request header; names are case-insensitive and may repeat.</param>
    /// <param name="body">The raw body bytes.</param>
    public SigV4Result Verify(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body) =>
        Verify(method, path, query, headers, body, headersOnly: false);

    /// <summary>
    /// Everything <see cref="Verify(string, string, string, IEnumerable{KeyValuePair{string, string}}, ReadOnlySpan{byte})"/>
    /// checks before it needs the body: the Authorization header or presigned parameters, a known access
    /// key, the date and the credential scope. A request that fails here is refused before its body is read
    /// (issue 16: unauthenticated 30 MB bodies were read in full before the 403).
    /// </summary>
    public SigV4Result VerifyHeaders(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers) =>
        Verify(method, path, query, headers, default, headersOnly: true);

    private SigV4Result Verify(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body, bool headersOnly)
    {
        var headerValues = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (!headerValues.TryGetValue(name, out var list))
                headerValues[name] = list = [];
            list.Add(value ?? "");
        }
        var parameters = SplitQuery(query ?? "");
        string? authorization = First(headerValues, "authorization");
        bool presigned = string.IsNullOrWhiteSpace(authorization) && parameters.Exists(p => p.Name == "X-Amz-Algorithm");
        if (string.IsNullOrWhiteSpace(authorization) && !presigned)
            return Fail(SigV4Failure.MissingAuthenticationToken, "Missing Authentication Token");

        var (auth, problem) = presigned ? ReadQueryAuthorization(parameters) : ReadHeaderAuthorization(authorization!, headerValues);
        if (problem is not null)
            return Fail(SigV4Failure.IncompleteSignature, problem);

        // Credential = AKID/yyyymmdd/region/service/aws4_request.
        var scope = auth.Credential.Split('/');
        if (scope.Length != 5 || scope[0].Length == 0)
            return Fail(SigV4Failure.IncompleteSignature,
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{Echo(auth.Credential)}'");
        string accessKeyId = scope[0];
        if (!_secretsByAccessKeyId.TryGetValue(accessKeyId, out var secret))
            return Fail(SigV4Failure.InvalidClientTokenId, "The security token included in the request is invalid.", accessKeyId);

        if (!TryParseRequestDate(auth.Date, out var requestDate))
            return Fail(SigV4Failure.IncompleteSignature,
                $"Date must be in ISO-8601 'basic format'. Got '{Echo(auth.Date)}'. See http://en.wikipedia.org/wiki/ISO_8601", accessKeyId);
        var now = _time.GetUtcNow();
        // A presigned URL stays good for X-Amz-Expires seconds after its date, plus the same clock allowance.
        var lastValid = requestDate + auth.Expires;
        if (lastValid < now - _maxClockSkew)
            return Fail(SigV4Failure.SignatureDoesNotMatch,
                $"Signature expired: {Stamp(lastValid)} is now earlier than {Stamp(now - _maxClockSkew)} ({Stamp(now)} - {Minutes(_maxClockSkew)}.)", accessKeyId);
        if (requestDate > now + _maxClockSkew)
            return Fail(SigV4Failure.SignatureDoesNotMatch,
                $"Signature not yet current: {Stamp(requestDate)} is still later than {Stamp(now + _maxClockSkew)} ({Stamp(now)} + {Minutes(_maxClockSkew)}.)", accessKeyId);

        var scopeProblems = new List<string>();
        if (scope[3] != _service)
            scopeProblems.Add($"Credential should be scoped to correct service: '{_service}'.");
        if (scope[4] != Terminator)
            scopeProblems.Add($"Credential should be scoped with a valid terminator: '{Terminator}', not '{Echo(scope[4])}'.");
        string requestDay = requestDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (scope[1] != requestDay)
            scopeProblems.Add($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
                $"'{Echo(scope[1])}' != '{requestDay}', from '{Stamp(requestDate)}'.");
        if (scopeProblems.Count > 0)
            return Fail(SigV4Failure.SignatureDoesNotMatch, string.Join(" ", scopeProblems), accessKeyId);
        if (headersOnly)
            return new SigV4Result(SigV4Failure.None, "", accessKeyId);

        // Payload: x-amz-content-sha256 when the client sent one (it may say UNSIGNED-PAYLOAD); botocore
        // sends none for Route 53, so then the hash of the body itself (route53-behaviour.md 7.1).
        string bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        string payloadHash = First(headerValues, "x-amz-content-sha256")?.Trim() ?? bodyHash;
        // A declared hash covers the body only if it is the body's: otherwise the body could be swapped
        // under a valid signature. (UNSIGNED-PAYLOAD and the like are not hashes and are signed as sent.)
        if (payloadHash.Length == 64 && payloadHash.All(Uri.IsHexDigit) && !payloadHash.Equals(bodyHash, StringComparison.OrdinalIgnoreCase))
            return Fail(SigV4Failure.SignatureDoesNotMatch, MismatchMessage, accessKeyId);
        var canonical = new StringBuilder(512)
            .Append(method).Append('\n')
            .Append(CanonicalUri(path)).Append('\n')
            .Append(CanonicalQuery(parameters, presigned)).Append('\n');
        foreach (var name in auth.SignedHeaders)
        {
            canonical.Append(name).Append(':');
            AppendCanonicalHeaderValue(canonical, headerValues.TryGetValue(name, out var values) ? values : []);
            canonical.Append('\n');
        }
        canonical.Append('\n').Append(string.Join(';', auth.SignedHeaders)).Append('\n').Append(payloadHash);

        string stringToSign = $"{Algorithm}\n{Stamp(requestDate)}\n{string.Join('/', scope, 1, 4)}\n" +
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { scope[1], scope[2], scope[3], scope[4] })
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        byte[] expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign));

        Span<byte> provided = stackalloc byte[32];
        bool wellFormed = auth.Signature.Length == 64
            && Convert.FromHexString(auth.Signature, provided, out _, out int written) == System.Buffers.OperationStatus.Done && written == 32;
        if (!wellFormed | !CryptographicOperations.FixedTimeEquals(expected, provided))
            return Fail(SigV4Failure.SignatureDoesNotMatch, MismatchMessage, accessKeyId);
        return new SigV4Result(SigV4Failure.None, "", accessKeyId);
    }

    private readonly record struct Authorization(string Credential, string[] SignedHeaders, string Signature, string Date, TimeSpan Expires);

    /// <summary>Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex</summary>
    private (Authorization, string?) ReadHeaderAuthorization(string header, Dictionary<string, List<string>> headerValues)
    {
        string text = header.Trim();
        int space = text.IndexOf(' ');
        string algorithm = space < 0 ? text : text[..space];
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in (space < 0 ? "" : text[(space + 1)..]).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = field.IndexOf('=');
            if (eq > 0)
                fields.TryAdd(field[..eq].Trim(), field[(eq + 1)..].Trim());
        }
        // Route 53 (like every AWS endpoint) names each missing part, then echoes the header.
        var problems = new StringBuilder();
        foreach (var required in new[] { "Credential", "Signature", "SignedHeaders" })
            if (!fields.TryGetValue(required, out var v) || v.Length == 0)
                problems.Append($"Authorization header requires '{required}' parameter. ");
        string? date = First(headerValues, "x-amz-date") ?? First(headerValues, "date");
        if (string.IsNullOrWhiteSpace(date))
            problems.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        if (problems.Length == 0 && algorithm != Algorithm)
            problems.Append($"Unsupported AWS 'algorithm': '{Echo(algorithm)}'. ");
        if (problems.Length > 0)
            return (default, problems.Append("Authorization=").Append(Echo(text)).ToString());
        return (new Authorization(fields["Credential"], SplitSignedHeaders(fields["SignedHeaders"]), fields["Signature"], date!.Trim(), TimeSpan.Zero), null);
    }

    /// <summary>A presigned URL: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Expires.</summary>
    private (Authorization, string?) ReadQueryAuthorization(List<QueryParameter> parameters)
    {
        string? Get(string name) => parameters.Find(p => p.Name == name) is { Name: not null } p ? Decode(p.Value) : null;
        var problems = new StringBuilder();
        foreach (var required in new[] { "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date" })
            if (string.IsNullOrEmpty(Get(required)))
                problems.Append($"AWS query-string parameters must include '{required}'. ");
        string? algorithm = Get("X-Amz-Algorithm");
        if (problems.Length == 0 && algorithm != Algorithm)
            problems.Append($"Unsupported AWS 'algorithm': '{Echo(algorithm ?? "")}'. ");
        var expires = TimeSpan.Zero;
        if (Get("X-Amz-Expires") is { } text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds <= 604800)
                expires = TimeSpan.FromSeconds(seconds);
            else
                problems.Append($"X-Amz-Expires must be an integer number of seconds from 0 to 604800, got '{Echo(text)}'. ");
        }
        if (problems.Length > 0)
            return (default, problems.Append("Re-examine the query-string parameters.").ToString());
        return (new Authorization(Get("X-Amz-Credential")!, SplitSignedHeaders(Get("X-Amz-SignedHeaders")!), Get("X-Amz-Signature")!,
            Get("X-Amz-Date")!, expires), null);
    }

    private static string[] SplitSignedHeaders(string value) =>
        value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(h => h.ToLowerInvariant()).ToArray();

    private static bool TryParseRequestDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date)
        // The Date header is an HTTP date (RFC 9110 5.6.7), in the one format senders must use.
        || DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    /// <summary>
    /// SigV4 canonical URI for every service but S3: dot segments and empty segments removed, then the path
    /// as sent (already percent-encoded once by the client) URI-encoded again, '/' kept. This is what the
    /// published test suite and the SDKs (botocore, AWS SDK for .NET) sign; S3 alone skips the second pass.
    /// </summary>
    private static string CanonicalUri(string path)
    {
        // An absolute-form request target (RFC 9112 3.2.2) carries scheme and authority before the path.
        int scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && !path.StartsWith('/'))
        {
            int slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..];
        }
        var kept = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
                continue;
            if (segment == "..")
            {
                if (kept.Count > 0)
                    kept.RemoveAt(kept.Count - 1);
                continue;
            }
            kept.Add(segment);
        }
        string normalized = "/" + string.Join('/', kept) + (kept.Count > 0 && path.EndsWith('/') ? "/" : "");
        var result = new StringBuilder(normalized.Length + 16);
        AppendUriEncoded(result, Encoding.UTF8.GetBytes(normalized), keepSlash: true);
        return result.ToString();
    }

    private readonly record struct QueryParameter(string Name, string Value);

    private static List<QueryParameter> SplitQuery(string query)
    {
        var parameters = new List<QueryParameter>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            parameters.Add(eq < 0 ? new(pair, "") : new(pair[..eq], pair[(eq + 1)..]));
        }
        return parameters;
    }

    /// <summary>Each name and value decoded, URI-encoded the SigV4 way, then sorted by name and value (byte order).</summary>
    private static string CanonicalQuery(List<QueryParameter> parameters, bool presigned)
    {
        var encoded = new List<(string Name, string Value)>(parameters.Count);
        foreach (var (name, value) in parameters)
        {
            // A presigned URL's signature is not part of what it signs.
            if (presigned && name == "X-Amz-Signature")
                continue;
            encoded.Add((Encode(name), Encode(value)));
        }
        encoded.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var c && c != 0 ? c : string.CompareOrdinal(a.Value, b.Value));
        return string.Join('&', encoded.Select(p => p.Name + "=" + p.Value));

        static string Encode(string raw)
        {
            var sb = new StringBuilder(raw.Length + 8);
            AppendUriEncoded(sb, DecodeToBytes(raw), keepSlash: false);
            return sb.ToString();
        }
    }

    private static string Decode(string raw) => Encoding.UTF8.GetString(DecodeToBytes(raw));

    /// <summary>Percent-decodes a query component; '+' is a space there (form encoding), a stray '%' stays itself.</summary>
    private static byte[] DecodeToBytes(string raw)
    {
        var bytes = new List<byte>(raw.Length);
        int i = 0;
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c == '%' && i + 2 < raw.Length && Uri.IsHexDigit(raw[i + 1]) && Uri.IsHexDigit(raw[i + 2]))
            {
                bytes.Add((byte)Convert.ToInt32(raw.Substring(i + 1, 2), 16));
                i += 3;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
                i++;
            }
            else
            {
                int end = i + 1;
                while (end < raw.Length && raw[end] != '%' && raw[end] != '+')
                    end++;
                bytes.AddRange(Encoding.UTF8.GetBytes(raw, i, end - i));
                i = end;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>SigV4 URI encoding: A-Z a-z 0-9 - _ . ~ kept (and '/' in a path), every other byte as %XX in upper case.</summary>
    private static void AppendUriEncoded(StringBuilder sb, ReadOnlySpan<byte> bytes, bool keepSlash)
    {
        foreach (byte b in bytes)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' || (keepSlash && b == (byte)'/'))
                sb.Append((char)b);
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Each value trimmed with inner runs of blanks made one space; repeated headers joined with ','.</summary>
    private static void AppendCanonicalHeaderValue(StringBuilder sb, List<string> values)
    {
        for (int v = 0; v < values.Count; v++)
        {
            if (v > 0)
                sb.Append(',');
            bool pendingSpace = false, any = false;
            foreach (char c in values[v])
            {
                if (c is ' ' or '\t')
                {
                    pendingSpace = any;
                    continue;
                }
                if (pendingSpace)
                    sb.Append(' ');
                sb.Append(c);
                pendingSpace = false;
                any = true;
            }
        }
    }

    private static string? First(Dictionary<string, List<string>> headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan span) => span.TotalMinutes == Math.Floor(span.TotalMinutes)
        ? $"{(long)span.TotalMinutes} min"
        : $"{(long)span.TotalSeconds} sec";

    /// <summary>
    /// Client text echoed in a message is cut short (a huge header must not become a huge error body), and
    /// a secret key a confused client put in it is not repeated back.
    /// </summary>
    private string Echo(string text)
    {
        foreach (var secret in _secretsByAccessKeyId.Values)
            if (secret.Length > 0)
                text = text.Replace(secret, "<redacted>", StringComparison.Ordinal);
        return text.Length <= MaxEchoedHeader ? text : text[..MaxEchoedHeader] + "...";
    }

    private static SigV4Result Fail(SigV4Failure failure, string message, string? accessKeyId = null) => new(failure, message, accessKeyId);
}
