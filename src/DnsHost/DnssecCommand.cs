using DnsHost.Dnssec;
using DnsHost.Protocol;
using DnsHost.Server;
using Microsoft.Extensions.Configuration;

namespace DnsHost;

/// <summary>
/// <c>dnshost dnssec ds ZONE</c>: the DS record to put in the parent zone for a signed zone's key,
/// and the DNSKEY it matches, from the key directory and key-encryption key of the settings
/// (the same as <c>serve</c> reads). Makes the key when the zone has none yet, as the server would.
/// </summary>
public static class DnssecCommand
{
    public static int Run(CommandLine command)
    {
        if (command.Positional.Count >= 1 && command.Positional[0] is "status" or "ds-seen")
        {
            var settings = LoadSettings(command);
            var api = new Web.ApiOptions();
            settings.GetSection(Web.ApiOptions.Section).Bind(api);
            return DnssecKeysCommand.Run(command, LoadOptions(command), settings["Api:DataPath"] ?? api.DataPath, api);
        }
        if (command.Positional.Count != 2 || command.Positional[0] != "ds")
        {
            Console.Error.WriteLine("dnshost: usage: dnshost dnssec ds|status ZONE, dnshost dnssec ds-seen ZONE KEYTAG; see dnshost dnssec --help");
            return 64;
        }
        var options = LoadOptions(command);
        string zoneText = command.Positional[1].TrimEnd('.') + ".";
        if (!DnsName.TryParse(zoneText, [0], out var origin, out string nameError))
        {
            Console.Error.WriteLine($"dnshost: '{command.Positional[1]}' is not a zone name ({nameError})");
            return 64;
        }
        if (options.Rollover.Enabled)
            return DnssecKeysCommand.PrintRingDs(options, zoneText, origin);
        // The zone need not be in SignedZones to print its DS: the key is what the parent needs first.
        if (!options.Enabled)
            options.SignedZones = [zoneText];
        ZoneSigners signers;
        try
        {
            signers = ZoneSigners.FromOptions(options, Environment.CurrentDirectory)!;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 78;
        }
        Dnssec.Signing.SigningKey key;
        try
        {
            key = signers.Store.LoadOrCreate(zoneText, options.AlgorithmNumber!.Value, out bool created);
            if (created)
                Console.Error.WriteLine($"dnshost: made a new key for {zoneText} in {signers.Store.PathOf(zoneText)}");
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"dnshost: {e.Message}");
            return 1;
        }
        string owner = DnsName.ToText(origin);
        Span<byte> buffer = stackalloc byte[64];
        foreach (byte digestType in new[] { DsDigestType.Sha256, DsDigestType.Sha384 })
        {
            var digest = buffer[..DsDigestType.Length(digestType)];
            DsDigest.Compute(digestType, origin, key.DnskeyRData, digest);
            Console.WriteLine($"{owner}\tIN\tDS\t{key.KeyTag} {key.Algorithm} {digestType} {Convert.ToHexString(digest)}");
        }
        Console.WriteLine($"; {owner}\tIN\tDNSKEY\t{RecordData.ToText((ushort)RecordType.DNSKEY, key.DnskeyRData)}");
        return 0;
    }

    /// <summary>The Dnssec section of the settings <c>serve</c> would read (appsettings.json, --config, environment, command line).</summary>
    internal static DnssecOptions LoadOptions(CommandLine command) =>
        LoadSettings(command).GetSection(DnssecOptions.Section).Get<DnssecOptions>() ?? new DnssecOptions();

    /// <summary>The settings <c>serve</c> would read (appsettings.json, --config, environment, command line).</summary>
    private static IConfigurationRoot LoadSettings(CommandLine command)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true);
        foreach (var file in command.ConfigFiles)
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        return configuration.AddEnvironmentVariables("DNSHOST_").AddInMemoryCollection(command.Settings)
            .AddCommandLine(command.PassThrough.ToArray()).Build();
    }
}
