using System.Security.Cryptography;
using System.Text;

namespace DnsHost.Web;

/// <summary>
/// The secrets that open the console and the operations endpoints: the Route 53 API's access key pairs
/// (Api:AccessKeys) and Console:AdminToken. Every secret comparison is constant-time over SHA-256 digests,
/// so neither the content nor the length of a secret leaks through timing.
/// </summary>
public sealed class ConsoleCredentials(IReadOnlyDictionary<string, string> accessKeys, string? adminToken)
{
    // Compared against when the key id is unknown, so a wrong id takes as long as a wrong secret.
    private static readonly byte[] Absent = SHA256.HashData("\0absent"u8);

    /// <summary>The signed-in name for a console session: the access key id, or "admin" for the token; null when wrong.</summary>
    public string? Verify(string? accessKeyId, string? secret, string? token)
    {
        if (!string.IsNullOrEmpty(token))
            return VerifyToken(token) ? "admin" : null;
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
            return null;
        return VerifyAccessKey(accessKeyId, secret) ? accessKeyId : null;
    }

    public bool VerifyToken(string token) =>
        !string.IsNullOrEmpty(adminToken) & SameSecret(token, adminToken ?? "");

    public bool VerifyAccessKey(string accessKeyId, string secret)
    {
        bool known = accessKeys.TryGetValue(accessKeyId, out var expected);
        return SameSecret(secret, expected, known) & known;
    }

    /// <summary>
    /// The Authorization header of a request from a program (the CLI, curl): <c>Bearer ADMIN_TOKEN</c>, or
    /// <c>Basic base64(ACCESS_KEY_ID:SECRET)</c> (curl -u). Null when it is neither or wrong.
    /// </summary>
    public string? VerifyAuthorization(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return VerifyToken(header[7..].Trim()) ? "admin" : null;
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return null;
        string pair;
        try
        {
            pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        int colon = pair.IndexOf(':');
        return colon > 0 && VerifyAccessKey(pair[..colon], pair[(colon + 1)..]) ? pair[..colon] : null;
    }

    private static bool SameSecret(string given, string? expected, bool known = true) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)),
            known && expected is not null ? SHA256.HashData(Encoding.UTF8.GetBytes(expected)) : Absent);
}
