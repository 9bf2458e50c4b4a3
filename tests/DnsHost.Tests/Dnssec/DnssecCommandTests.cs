using System.Diagnostics;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// `dnshost dnssec ds ZONE`: the DS records a parent needs, checked against ldns-key2ds on the DNSKEY the
/// command prints; the key is made once and kept; a missing key-encryption key is exit 78.
/// </summary>
[Collection("Console")]
[Trait("Kind", "Integration")]
public sealed class DnssecCommandTests : IDisposable
{
    private readonly TestZones _folder = new();

    private string KeyDirectory => Path.Combine(_folder.Directory, "keys");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Ds_matches_ldns_key2ds_and_the_key_is_made_once()
    {
        var (exit, output, error) = Ds("example.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", $"--Dnssec:KeyDirectory={KeyDirectory}");
        Assert.Equal(0, exit);
        Assert.Contains("made a new key for example.test.", error);
        var lines = output.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^example\.test\.\tIN\tDS\t\d+ 13 2 [0-9A-F]{64}$", lines[0]);
        Assert.Matches(@"^example\.test\.\tIN\tDS\t\d+ 13 4 [0-9A-F]{96}$", lines[1]);

        // The DNSKEY line (a comment) through ldns-key2ds gives the same SHA-256 DS.
        string keyFile = Path.Combine(_folder.Directory, "Kexample.test.key");
        await File.WriteAllTextAsync(keyFile, lines[2].TrimStart(';', ' ') + "\n");
        var psi = new ProcessStartInfo("ldns-key2ds") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-n", "-2", keyFile })
            psi.ArgumentList.Add(arg);
        using var ldns = Process.Start(psi)!;
        string theirs = await ldns.StandardOutput.ReadToEndAsync();
        await ldns.WaitForExitAsync();
        Assert.True(ldns.ExitCode == 0, await ldns.StandardError.ReadToEndAsync());
        var fields = theirs.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var ours = lines[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ours[^4..].Select(f => f.ToUpperInvariant()), fields[^4..].Select(f => f.ToUpperInvariant()));

        // Asked again: the same key, not a new one.
        var (again, secondOutput, secondError) = Ds("example.test", $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", $"--Dnssec:KeyDirectory={KeyDirectory}");
        Assert.Equal(0, again);
        Assert.Equal(output, secondOutput);
        Assert.DoesNotContain("made a new key", secondError);
    }

    [Fact]
    public void Without_a_key_encryption_key_it_exits_78_naming_the_setting()
    {
        var (exit, _, error) = Ds("example.test", $"--Dnssec:KeyDirectory={KeyDirectory}");
        Assert.Equal(78, exit);
        Assert.Contains("Dnssec:KeyEncryptionKey", error);
        Assert.False(Directory.Exists(KeyDirectory) && Directory.EnumerateFiles(KeyDirectory).Any(), "no key may be written without a key-encryption key");
    }

    private static (int Exit, string Output, string Error) Ds(string zone, params string[] settings)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exit = DnssecCommand.Run(CommandLine.Parse(["dnssec", "ds", zone, .. settings]));
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
