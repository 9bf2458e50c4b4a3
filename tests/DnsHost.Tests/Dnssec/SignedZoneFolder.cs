using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Dnssec;

/// <summary>A zones folder for the real host with online signing on, and the key folder beside it (removed with it).</summary>
internal sealed class SignedZoneFolder : IDisposable
{
    /// <summary>A fixed key-encryption key for the tests (32 bytes, base64).</summary>
    public static readonly string Kek = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public TestZones Zones { get; } = new();
    public string KeyDirectory => Zones.Directory + "-keys";

    /// <summary>The host serving the folder, signing <paramref name="signedZones"/> ("*": every zone).</summary>
    public Task<RunningServer> StartAsync(string signedZones = "*") => RunningServer.StartAsync(Zones.Directory,
        $"--Dnssec:SignedZones:0={signedZones}", $"--Dnssec:KeyEncryptionKey={Kek}", $"--Dnssec:KeyDirectory={KeyDirectory}");

    public void Dispose()
    {
        Zones.Dispose();
        if (Directory.Exists(KeyDirectory))
            Directory.Delete(KeyDirectory, recursive: true);
    }
}
