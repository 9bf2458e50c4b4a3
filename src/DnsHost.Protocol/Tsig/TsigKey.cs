using System.Security.Cryptography;

namespace DnsHost.Protocol.Tsig;

/// <summary>The HMAC algorithms of RFC 8945 6 that DnsHost speaks.</summary>
public enum TsigAlgorithm : byte
{
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

/// <summary>
/// A shared TSIG key (RFC 8945): its name, algorithm and secret. <see cref="ToString"/> never shows the
/// secret, so a key may be passed to a log message without leaking it.
/// </summary>
public sealed class TsigKey
{
    private readonly byte[] _secret;

    public TsigKey(string name, TsigAlgorithm algorithm, byte[] secret)
    {
        if (secret.Length == 0)
            throw new FormatException($"TSIG key {name}: the secret is empty");
        NameText = name.TrimEnd('.').ToLowerInvariant() + ".";
        Name = DnsName.Parse(NameText);
        Algorithm = algorithm;
        AlgorithmName = DnsName.Parse(AlgorithmText(algorithm) + ".");
        _secret = secret;
    }

    /// <summary>Lower-cased wire name (RFC 8945 4.3.1: the canonical form is what is digested).</summary>
    public byte[] Name { get; }
    public string NameText { get; }
    public TsigAlgorithm Algorithm { get; }
    /// <summary>The algorithm as a wire name (hmac-sha256. ...).</summary>
    public byte[] AlgorithmName { get; }
    /// <summary>Octets of a full-length MAC.</summary>
    public int MacSize => MacSizeOf(Algorithm);

    public static int MacSizeOf(TsigAlgorithm algorithm) => algorithm switch
    {
        TsigAlgorithm.HmacSha1 => 20,
        TsigAlgorithm.HmacSha256 => 32,
        TsigAlgorithm.HmacSha384 => 48,
        _ => 64,
    };

    public static string AlgorithmText(TsigAlgorithm algorithm) => algorithm switch
    {
        TsigAlgorithm.HmacSha1 => "hmac-sha1",
        TsigAlgorithm.HmacSha256 => "hmac-sha256",
        TsigAlgorithm.HmacSha384 => "hmac-sha384",
        _ => "hmac-sha512",
    };

    public static bool TryParseAlgorithm(string text, out TsigAlgorithm algorithm)
    {
        foreach (var candidate in Enum.GetValues<TsigAlgorithm>())
        {
            if (string.Equals(text.TrimEnd('.'), AlgorithmText(candidate), StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }
        algorithm = default;
        return false;
    }

    /// <summary>The HMAC for one MAC computation; the caller disposes it.</summary>
    public IncrementalHash CreateHmac() => IncrementalHash.CreateHMAC(Algorithm switch
    {
        TsigAlgorithm.HmacSha1 => HashAlgorithmName.SHA1,
        TsigAlgorithm.HmacSha256 => HashAlgorithmName.SHA256,
        TsigAlgorithm.HmacSha384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    }, _secret);

    /// <summary>
    /// A key as <c>kdig -y</c>/<c>dig -y</c> take it: <c>[algorithm:]name:secret</c> (base64 secret;
    /// hmac-sha256 when the algorithm is left out, as kdig does).
    /// </summary>
    public static TsigKey Parse(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length is < 2 or > 3)
            throw new FormatException("a TSIG key is written [algorithm:]name:secret, for example hmac-sha256:xfr-key:base64secret");
        var algorithm = TsigAlgorithm.HmacSha256;
        if (parts.Length == 3 && !TryParseAlgorithm(parts[0], out algorithm))
            throw new FormatException($"TSIG key {parts[1]}: unknown algorithm '{parts[0]}' (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1)");
        return new TsigKey(parts[^2], algorithm, DecodeSecret(parts[^2], parts[^1]));
    }

    internal static byte[] DecodeSecret(string name, string base64)
    {
        try
        {
            return Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException($"TSIG key {name}: the secret is not base64");
        }
    }

    public override string ToString() => $"{NameText} ({AlgorithmText(Algorithm)})";
}
