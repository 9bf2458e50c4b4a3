using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DnsHost.Web;

/// <summary>
/// The HTTP endpoint's TLS certificate (section <c>Api:Certificate</c>): a PKCS#12 file (<c>Path</c>, with
/// <c>Password</c> if it has one), or a PEM certificate (<c>Path</c>) with its PEM private key (<c>KeyPath</c>).
/// With a certificate the endpoint serves HTTPS only; without one, HTTP.
/// </summary>
public sealed class ApiCertificateOptions
{
    public string? Path { get; set; }
    public string? Password { get; set; }
    public string? KeyPath { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Path);

    /// <summary>Loads the certificate; an error names the option and the file.</summary>
    public X509Certificate2 Load()
    {
        try
        {
            if (!string.IsNullOrEmpty(KeyPath))
            {
                // Kestrel on Linux needs no exportable key here; the PEM pair is used as is.
                return X509Certificate2.CreateFromPemFile(Path!, KeyPath);
            }
            return X509CertificateLoader.LoadPkcs12FromFile(Path!, Password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ApiBindException($"Api:Certificate: cannot load {(string.IsNullOrEmpty(KeyPath) ? $"the PKCS#12 file '{Path}' (Api:Certificate:Path, Api:Certificate:Password)" : $"the PEM certificate '{Path}' with the key '{KeyPath}' (Api:Certificate:Path, Api:Certificate:KeyPath)")}: {e.Message}", e);
        }
    }
}
