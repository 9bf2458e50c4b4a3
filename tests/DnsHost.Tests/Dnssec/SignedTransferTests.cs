using System.Diagnostics;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>
/// An AXFR of an online-signed zone is a whole signed zone: ldns-verify-zone (ldnsutils) must accept
/// what dig receives, with the NSEC chain (Denial Compact) and with the NSEC3 chain (Denial Nsec3).
/// And it fails on the same transfer with one signature broken, so the check can fail.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class SignedTransferTests : IDisposable
{
    private readonly SignedZoneFolder _folder = new();

    public SignedTransferTests() => _folder.Zones.Write("sign.test.zone", SigningTests.Zone + "\nhost.deep.ent A 192.0.2.8\n");

    public void Dispose() => _folder.Dispose();

    private static async Task<(int Exit, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }

    private async Task<string> TransferAsync(string denial)
    {
        await using var server = await RunningServer.StartAsync(_folder.Zones.Directory, "--Dnssec:SignedZones:0=sign.test",
            $"--Dnssec:KeyEncryptionKey={SignedZoneFolder.Kek}", $"--Dnssec:KeyDirectory={_folder.KeyDirectory}", $"--Dnssec:Denial={denial}");
        var (exit, text) = await RunAsync("dig", "@127.0.0.1", "-p", server.Port.ToString(), "+noall", "+answer", "+onesoa", "sign.test", "AXFR");
        Assert.Equal(0, exit);
        var path = Path.Combine(_folder.Zones.Directory, $"axfr-{denial}.txt");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [Theory]
    [InlineData("Compact", "NSEC")]
    [InlineData("Nsec3", "NSEC3")]
    public async Task Ldns_verify_zone_accepts_the_transfer(string denial, string chain)
    {
        var path = await TransferAsync(denial);
        var text = await File.ReadAllTextAsync(path);
        Assert.Matches($@"\sIN\s+{chain}\s", text);
        Assert.Matches(@"\sIN\s+DNSKEY\s", text);
        var (exit, output) = await RunAsync("ldns-verify-zone", path);
        Assert.True(exit == 0, $"ldns-verify-zone said:\n{output}\n--- the transfer:\n{text}");

        // One bit of the www A signature flipped: now it must refuse.
        var lines = (await File.ReadAllLinesAsync(path)).ToList();
        int at = lines.FindIndex(l => l.StartsWith("www.sign.test.", StringComparison.Ordinal) && l.Contains("\tRRSIG\tA "));
        Assert.True(at >= 0);
        var line = lines[at];
        int sig = line.LastIndexOf(' ') + 1;
        var bytes = Convert.FromBase64String(line[sig..]);
        bytes[5] ^= 1;
        lines[at] = line[..sig] + Convert.ToBase64String(bytes);
        await File.WriteAllLinesAsync(path, lines);
        Assert.NotEqual(0, (await RunAsync("ldns-verify-zone", path)).Exit);
    }
}
