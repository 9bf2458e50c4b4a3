using System.Diagnostics;

namespace DnsHost.Tests.Dnssec;

/// <summary>Signs zone files with ldns-keygen and ldns-signzone (Debian package "ldnsutils"), as an operator would.</summary>
internal static class ZoneSigner
{
    /// <summary>A signed zone: the signed file and the DS records of its key for the parent.</summary>
    public sealed record Signed(string Origin, string SignedPath, string[] Ds, string KeyName);

    /// <param name="nsec3">Sign with NSEC3 (by default 0 iterations, as RFC 9276 asks); <paramref name="optOut"/> for opt-out; an empty <paramref name="salt"/> for none.</param>
    /// <param name="keyName">Sign with this existing key (its base name) instead of a new one.</param>
    public static Signed Sign(string directory, string origin, string zoneText, string algorithm, bool nsec3 = false, bool optOut = false,
        string expiration = "20370101000000", string inception = "20200101000000", int dsDigest = 2, string salt = "ab12", string? keyName = null,
        string suffix = ".signed", int iterations = 0)
    {
        var path = Path.Combine(directory, origin.TrimEnd('.') is "" ? "root.zone" : origin.TrimEnd('.') + ".zone");
        File.WriteAllText(path, zoneText);
        string[] bits = algorithm.StartsWith("RSA", StringComparison.Ordinal) ? ["-b", "1024"] : [];
        keyName ??= Run(directory, "ldns-keygen", ["-k", "-a", algorithm, .. bits, origin]).Trim();
        var signedPath = path + suffix;
        List<string> args = ["-f", signedPath, "-e", expiration, "-i", inception];
        if (nsec3)
            args.AddRange([.. optOut ? ["-n", "-p"] : (string[])["-n"], .. salt.Length > 0 ? ["-s", salt] : (string[])[], "-t", $"{iterations}"]);
        Run(directory, "ldns-signzone", [.. args, path, keyName]);
        var ds = Run(directory, "ldns-key2ds", ["-n", dsDigest == 4 ? "-4" : "-2", keyName + ".key"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        return new Signed(origin, signedPath, ds, keyName);
    }

    public static string Run(string directory, string tool, IEnumerable<string> arguments)
    {
        var executable = new[] { "/usr/bin/", "/usr/sbin/", "/usr/local/bin/" }.Select(d => d + tool).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{tool} not found: install it (apt-get install ldnsutils)");
        var info = new ProcessStartInfo(executable) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', info.ArgumentList)} failed: {error.Result}");
        return output.Result;
    }
}
