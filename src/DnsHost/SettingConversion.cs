using System.Text.RegularExpressions;

namespace DnsHost;

/// <summary>
/// Turns the configuration binder's "Failed to convert configuration value 'abc' at 'Dns:Port' to type
/// 'System.Int32'" into a line a user can act on: the setting, its command-line option, and what it accepts.
/// </summary>
public static partial class SettingConversion
{
    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderMessage();

    private static readonly Dictionary<string, string> OptionOf = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Dns:Port"] = "--port",
        ["Api:Listen"] = "--api",
        ["Api:DataPath"] = "--data",
        ["Zones:Directory"] = "--zones",
    };

    /// <summary>The problem in one line, or null when the exception is not a configuration value that failed to convert.</summary>
    public static string? Describe(InvalidOperationException e)
    {
        var m = BinderMessage().Match(e.Message);
        if (!m.Success)
            return null;
        string key = m.Groups["key"].Value;
        if (key.StartsWith("Dns:Addresses:", StringComparison.OrdinalIgnoreCase))
            key = "Dns:Addresses";
        string setting = OptionOf.TryGetValue(key, out var option) ? $"{option} ({key})" : key;
        return $"invalid setting {setting}: '{m.Groups["value"].Value}' is not {Accepted(m.Groups["type"].Value)}";
    }

    private static string Accepted(string type)
    {
        // Nullable<T> prints as "System.Nullable`1[[System.Int32, ...]]".
        var inner = Regex.Match(type, @"^System\.Nullable`1\[\[(?<t>[^,\]]+)");
        if (inner.Success)
            type = inner.Groups["t"].Value;
        return type switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt16" or "System.UInt32" or "System.UInt64" or "System.Byte" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a time span such as 00:00:30",
            _ => EnumValues(type) ?? $"a valid {type[(type.LastIndexOf('.') + 1)..]}",
        };
    }

    private static string? EnumValues(string typeName)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(typeName) is { IsEnum: true } type)
                return "one of " + string.Join(", ", Enum.GetNames(type));
        }
        return null;
    }
}
