namespace DnsHost.Route53.Client;

/// <summary>
/// The AWS shared files: <c>credentials</c> ([name] sections) and <c>config</c> ([profile name] sections,
/// [default]), read as the AWS CLI reads them: a profile's keys from both, the credentials file winning.
/// Indented lines under a key with no value (<c>s3 =</c>) are nested settings and are skipped.
/// </summary>
public sealed class SharedConfigFiles
{
    private readonly Dictionary<string, Dictionary<string, string>> _credentials;
    private readonly Dictionary<string, Dictionary<string, string>> _config;

    public SharedConfigFiles(string credentialsPath, string configPath)
    {
        CredentialsPath = credentialsPath;
        ConfigPath = configPath;
        _credentials = Read(credentialsPath, isConfig: false);
        _config = Read(configPath, isConfig: true);
    }

    public string CredentialsPath { get; }
    public string ConfigPath { get; }

    /// <summary>The profile's settings (keys in lower case), or null when neither file has it.</summary>
    public IReadOnlyDictionary<string, string>? Profile(string name)
    {
        bool inCredentials = _credentials.TryGetValue(name, out var fromCredentials);
        bool inConfig = _config.TryGetValue(name, out var fromConfig);
        if (!inCredentials && !inConfig)
            return null;
        var merged = new Dictionary<string, string>(fromConfig ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in fromCredentials ?? [])
            merged[key] = value;
        return merged;
    }

    private static Dictionary<string, Dictionary<string, string>> Read(string path, bool isConfig)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return sections;
        Dictionary<string, string>? current = null;
        bool nested = false;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                string name = line[1..^1].Trim();
                nested = false;
                // In config, a profile is "[profile name]", except "[default]"; other sections (sso-session, services) are not profiles.
                if (isConfig)
                {
                    if (name.StartsWith("profile ", StringComparison.Ordinal))
                        name = name["profile ".Length..].Trim();
                    else if (name != "default")
                    {
                        current = null;
                        continue;
                    }
                }
                if (!sections.TryGetValue(name, out current))
                    sections[name] = current = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }
            if (current is null)
                continue;
            if (nested && char.IsWhiteSpace(raw[0]))
                continue;
            int equals = line.IndexOf('=');
            if (equals <= 0)
                continue;
            string key = line[..equals].Trim().ToLowerInvariant();
            string value = line[(equals + 1)..].Trim();
            nested = value.Length == 0;
            if (!nested)
                current[key] = value;
        }
        return sections;
    }
}
