namespace DnsHost.Route53.Client;

/// <summary>
/// The AWS shared files: <c>credentials</c> ([name] sections) and <c>config</c> ([profile name] sections,
/// [default]), read as the AWS CLI reads them: a profile's keys from both, the credentials file winning.
/// Indented lines under a key with no value (<c>sts =</c>) are nested settings, kept as <c>sts.endpoint_url</c>.
/// The config file's other sections (<c>[sso-session NAME]</c>, <c>[services NAME]</c>) are read by <see cref="Section"/>.
/// </summary>
public sealed class SharedConfigFiles
{
    private readonly Dictionary<string, Dictionary<string, string>> _credentials;
    private readonly Dictionary<string, Dictionary<string, string>> _config;
    private readonly Dictionary<string, Dictionary<string, string>> _sections;

    public SharedConfigFiles(string credentialsPath, string configPath)
    {
        CredentialsPath = credentialsPath;
        ConfigPath = configPath;
        _credentials = Read(credentialsPath, isConfig: false, out _);
        _config = Read(configPath, isConfig: true, out _sections);
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

    /// <summary>A config section other than a profile, such as <c>[sso-session corp]</c> (kind "sso-session", name "corp"); null when absent.</summary>
    public IReadOnlyDictionary<string, string>? Section(string kind, string name) =>
        _sections.TryGetValue(kind + " " + name, out var settings) ? settings : null;

    private static Dictionary<string, Dictionary<string, string>> Read(string path, bool isConfig, out Dictionary<string, Dictionary<string, string>> others)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        others = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return sections;
        Dictionary<string, string>? current = null;
        string? parent = null;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                string name = line[1..^1].Trim();
                parent = null;
                // In config, a profile is "[profile name]", except "[default]"; other sections (sso-session, services) are not profiles.
                if (isConfig)
                {
                    if (name.StartsWith("profile ", StringComparison.Ordinal))
                        name = name["profile ".Length..].Trim();
                    else if (name != "default")
                    {
                        string[] words = name.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        string section = words.Length == 2 ? words[0] + " " + words[1] : name;
                        if (!others.TryGetValue(section, out current))
                            others[section] = current = new Dictionary<string, string>(StringComparer.Ordinal);
                        continue;
                    }
                }
                if (!sections.TryGetValue(name, out current))
                    sections[name] = current = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }
            if (current is null)
                continue;
            int equals = line.IndexOf('=');
            if (equals <= 0)
                continue;
            string key = line[..equals].Trim().ToLowerInvariant();
            string value = line[(equals + 1)..].Trim();
            if (parent is not null && char.IsWhiteSpace(raw[0]))
            {
                current[parent + "." + key] = value;
                continue;
            }
            parent = value.Length == 0 ? key : null;
            if (parent is null)
                current[key] = value;
        }
        return sections;
    }
}
